// fuzz_idx.cpp — libFuzzer harness for the IDX reader (src/data/idx.cpp).
// Every input must be read or rejected with hw::DataError: no crash, no other exception, no
// sanitizer report, no allocation the file's size cannot back.
#include <cstdint>

#include "handwritten/data/idx.hpp"
#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static MemoryFile file;
    const std::string& path = file.write(data, size);
    try {
        const hw::ImageSet images = hw::read_idx_images(path);
        if (images.pixels.size() != std::size_t(images.height) * std::size_t(images.width) * images.pixels.rows())
            __builtin_trap();  // the shape must match what was read
    } catch (const hw::DataError&) {
    }
    try {
        const std::vector<std::uint8_t> labels = hw::read_idx_labels(path);
        for (std::uint8_t l : labels) (void)l;
    } catch (const hw::DataError&) {
    }
    return 0;
}
