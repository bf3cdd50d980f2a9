// model_file.hpp — a small, versioned, validated binary format for trained networks.
//
// Layout (little-endian):
//   "HWMODEL1"            8-byte magic (the trailing digit is the format version)
//   u32 kind length, kind bytes            e.g. "sigmoid-mlp" or "mlp"
//   u32 config length, config bytes        free text the trainer can parse back (e.g. layer list)
//   u32 tensor count
//   per tensor: u32 name length, name, u64 rows, u64 cols, rows·cols float32
//   u64 FNV-1a checksum of every byte before it
// load_model() checks magic, version, every length against the file size before allocating,
// and the checksum; any mismatch throws hw::ModelFileError naming the file and the problem.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

struct ModelFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct NamedTensor {
    std::string name;
    Matrix value;
};

struct ModelFile {
    std::string kind;
    std::string config;
    std::vector<NamedTensor> tensors;
    // The tensor called `name` with exactly rows×cols, or ModelFileError.
    const Matrix& get(const std::string& name, std::size_t rows, std::size_t cols) const;
};

void save_model(const std::string& path, const ModelFile& model);
ModelFile load_model(const std::string& path);

}  // namespace hw
