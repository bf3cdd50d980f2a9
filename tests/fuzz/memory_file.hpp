// memory_file.hpp — the fuzzers' input as a file name, for readers that take a path.
//
// The IDX reader and the model loader open files by name. A memfd (a file that lives only in
// memory) rewritten for each input and opened through /proc/self/fd/N gives them one without
// touching the disk, so a harness runs thousands of inputs a second.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

class MemoryFile {
public:
    MemoryFile() : fd_(memfd_create("fuzz-input", 0)) {
        if (fd_ < 0) std::abort();
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemoryFile() { close(fd_); }
    // Replaces the file's contents with data[0, size) and returns its path.
    const std::string& write(const std::uint8_t* data, std::size_t size) {
        if (ftruncate(fd_, 0) != 0) std::abort();
        for (std::size_t done = 0; done < size;) {
            const ssize_t n = pwrite(fd_, data + done, size - done, off_t(done));
            if (n <= 0) std::abort();
            done += std::size_t(n);
        }
        return path_;
    }

private:
    int fd_;
    std::string path_;
};
