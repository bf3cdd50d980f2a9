// subset.hpp — picking rows of a labelled set: a seeded train/test split, a class-balanced
// subset and its complement.
//
// Every choice here is a seeded shuffle (hw::Rng), so the same seed gives the same rows on any
// machine; the row lists are kept sorted, so a subset keeps the order of the original file.
#pragma once
#include <cstdint>
#include <vector>

#include "handwritten/data/idx.hpp"

namespace hw {

// The rows `rows` of `set` (in that order), with the same image size.
LabeledSet select_rows(const LabeledSet& set, const std::vector<std::size_t>& rows);

// `per_class` rows of each label 0..9, drawn by a seeded shuffle, returned sorted.
// hw::DataError when a class has fewer rows than asked for.
std::vector<std::size_t> balanced_subset(const std::vector<std::uint8_t>& labels, std::size_t per_class,
                                         std::uint64_t seed);

// Every row of [0, n) that is not in `rows` (which must be sorted), in order.
std::vector<std::size_t> complement_rows(std::size_t n, const std::vector<std::size_t>& rows);

// A random split: round(test_fraction · N) rows go to the test set (scikit-learn's
// train_test_split rounds the test size up; so does this), the rest to training, both sorted.
struct RowSplit {
    std::vector<std::size_t> train, test;
};
RowSplit split_rows(std::size_t n, double test_fraction, std::uint64_t seed);

}  // namespace hw
