// model_file.hpp — a small, versioned, validated binary format for trained networks.
//
// Layout (little-endian):
//   "HWMODEL2"            8-byte magic (the trailing digit is the format version)
//   u32 kind length, kind bytes            e.g. "sigmoid-mlp", "mlp" or "cnn"
//   u32 config length, config bytes        free text the trainer can parse back (e.g. layer list)
//   u32 tensor count
//   per tensor: u32 name length, name,
//               u32 rank (1–8), rank × u64 dims, (product of dims) float32      [version 2]
//               u64 rows, u64 cols, rows·cols float32                           [version 1]
//   u64 FNV-1a checksum of every byte before it
// Version 2 (chapter 12) records each tensor's own dimensions, so a convolution's kernels are
// stored as the 4-D tensor C_out×KH×KW×C_in they are, not as the matrix they are multiplied as.
// Version 1 files (chapters 09–11) still load: their tensors get the dims {rows, cols}.
// In memory every tensor is a Matrix of dims[0] rows and the product of the other dims columns
// (a rank-1 tensor of n values is 1×n).
// load_model() checks magic, version, every length against the file size before allocating,
// and the checksum; any mismatch throws hw::ModelFileError naming the file and the problem.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

struct ModelFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct NamedTensor {
    NamedTensor() = default;
    NamedTensor(std::string n, Matrix v, std::vector<std::uint64_t> d = {})
        : name(std::move(n)), value(std::move(v)), dims(std::move(d)) {}

    std::string name;
    Matrix value;
    std::vector<std::uint64_t> dims;  // empty when saving: {rows, cols} of value
};

struct ModelFile {
    std::string kind;
    std::string config;
    std::vector<NamedTensor> tensors;
    // The tensor called `name` with exactly rows×cols, or ModelFileError.
    const Matrix& get(const std::string& name, std::size_t rows, std::size_t cols) const;
    // The tensor called `name` with exactly these dims (a version-1 tensor has {rows, cols}).
    const Matrix& get(const std::string& name, const std::vector<std::uint64_t>& dims) const;
};

// The newest version is written unless `version` asks for 1 (only 2-D tensors can be written so).
constexpr int kModelFormatVersion = 2;
void save_model(const std::string& path, const ModelFile& model, int version = kModelFormatVersion);
ModelFile load_model(const std::string& path);

}  // namespace hw
