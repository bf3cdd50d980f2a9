// digits.hpp — scikit-learn's 8×8 handwritten digits (the UCI "optdigits" test set): 1797 images
// of 8×8 cells, each cell the count of ink pixels in a 4×4 block of a 32×32 bitmap, so 0..16.
//
// The file is sklearn/datasets/data/digits.csv.gz (`make data-digits` extracts it from the
// Debian package python3-sklearn): one line per image, 65 comma-separated integers, the 64
// cells row by row and then the label 0..9.
//
// Read as defensively as the IDX files: a row with the wrong number of fields, a field that is
// not a number, a cell outside 0..16, a label outside 0..9 or a truncated gzip file each throw
// hw::DataError with one line naming the file, the line and the field.
#pragma once
#include <cstdint>
#include <string>

#include "handwritten/data/idx.hpp"

namespace hw {

constexpr int kDigitsSide = 8;         // 8×8 cells
constexpr int kDigitsMaxValue = 16;    // a cell counts 0..16 ink pixels
constexpr double kDigitsTestFraction = 0.2;
constexpr std::uint64_t kDigitsSplitSeed = 42;  // the tutorial's random_state (not its permutation)

// Parses the CSV text; cells are scaled to [0, 1] (value / 16). `name` goes into error messages.
LabeledSet parse_digits_csv(const std::string& text, const std::string& name);

// Reads DIR/digits.csv.gz (or DIR/digits.csv when only the unpacked file is there).
LabeledSet read_digits(const std::string& dir);

// The whole set, split 80/20 by a seeded shuffle (kDigitsSplitSeed, the same rows in every run):
// 1437 training and 360 test images.
Mnist load_digits(const std::string& dir);

}  // namespace hw
