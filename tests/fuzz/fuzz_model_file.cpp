// fuzz_model_file.cpp — libFuzzer harness for the model-file loader (src/nn/model_file.cpp).
// Every input must load or be rejected with hw::ModelFileError; a loaded file's tensors must
// hold no more data than the file did.
//
// Each input is tried twice: as it is, and with a valid checksum appended. Without the second
// form almost every mutation would stop at the checksum, and the parser behind it (lengths,
// names, shapes) would hardly be reached.
#include <cstdint>
#include <vector>

#include "handwritten/nn/model_file.hpp"
#include "memory_file.hpp"

namespace {

// The format's checksum (model_file.hpp): 64-bit FNV-1a of every byte before it.
std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n) {
    std::uint64_t h = 14695981039346656037ull;
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

void try_load(MemoryFile& file, const std::uint8_t* data, std::size_t size) {
    try {
        const hw::ModelFile model = hw::load_model(file.write(data, size));
        std::size_t floats = 0;
        for (const hw::NamedTensor& t : model.tensors) floats += t.value.size();
        if (floats * sizeof(float) > size) __builtin_trap();  // more data than the file held
    } catch (const hw::ModelFileError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static MemoryFile file;
    try_load(file, data, size);
    std::vector<std::uint8_t> sealed(data, data + size);
    const std::uint64_t sum = fnv1a(data, size);
    for (int i = 0; i < 8; ++i) sealed.push_back(std::uint8_t(sum >> (8 * i)));  // little-endian
    try_load(file, sealed.data(), sealed.size());
    return 0;
}
