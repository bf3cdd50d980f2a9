// idx.hpp — reading MNIST's IDX files (LeCun et al.), robustly.
//
// IDX layout (all integers big-endian):
//   bytes 0-1  zero
//   byte  2    element type (0x08 = unsigned byte)
//   byte  3    number of dimensions (3 for images, 1 for labels)
//   then one 32-bit size per dimension, then the elements, row-major.
// So images carry the magic 0x00000803 and labels 0x00000801.
//
// Every problem with a file throws hw::DataError with a one-line message naming the file.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ImageSet {
    Matrix pixels;      // count × (height·width), values scaled to [0, 1]
    int height = 0, width = 0;
};

ImageSet read_idx_images(const std::string& path);
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

struct LabeledSet {
    Matrix images;                      // N × 784, one image per row, in [0, 1]
    std::vector<std::uint8_t> labels;   // N labels in 0..9
    int height = 28, width = 28;
    std::size_t size() const { return labels.size(); }
};

// Keeps only the first `count` examples (a quick run on part of the data: --limit N).
// count == 0 or count ≥ size() leaves the set as it is.
void keep_first(LabeledSet& set, std::size_t count);

struct Mnist {
    LabeledSet train, test;
    std::string dir;      // where the files were read from
    std::string dataset;  // "mnist" or "fashion"
};

// The data directory, in order of precedence: the --data flag (if non-empty), the
// HW_DATA_DIR environment variable, then data/mnist (or data/fashion for "fashion"). The 8×8
// "digits" are not IDX files: for them it is the flag, else data/digits.
std::string resolve_data_dir(const std::string& flag_value, const std::string& dataset);

// Reads the four files (train-images-idx3-ubyte, ... ; a .gz copy is not read: say to gunzip)
// from dir, checking that image and label counts agree and labels are 0..9.
Mnist load_mnist(const std::string& dir, const std::string& dataset = "mnist");

// Class names for captions: digits "0".."9", or Fashion-MNIST's "T-shirt", "Trouser", ...
const std::vector<std::string>& class_names(const std::string& dataset);

}  // namespace hw
