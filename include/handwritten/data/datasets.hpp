// datasets.hpp — every dataset a chapter binary can train on, by name (--dataset):
//
//   mnist         MNIST, 60,000 train / 10,000 test, 28×28                    data/mnist
//   fashion       Fashion-MNIST, same shapes                                  data/fashion
//   digits        scikit-learn's 8×8 digits, 1437 train / 360 test (80/20)    data/digits
//   mnist20       MNIST fitted into 20×20 (resample.hpp), 60,000 / 10,000     data/mnist
//   mnist20-5000  the 5000-image 20×20 set of the Coursera-style tutorial:    data/mnist
//                 500 per class drawn from MNIST's training set (seed 1234),
//                 tested on the OTHER 55,000 training images (held out, never seen)
//
// The 5000 subset is fixed by kMnist20SubsetSeed, not by --seed, so every run trains on the
// same images and the held-out figure means the same thing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "handwritten/data/idx.hpp"

namespace hw {

constexpr std::uint64_t kMnist20SubsetSeed = 1234;  // the tutorial's seed
constexpr std::size_t kMnist20SubsetPerClass = 500;

// The names --dataset accepts, in the order above.
const std::vector<std::string>& dataset_names();

// Loads `dataset` from `dir` (resolve_data_dir gives the default). hw::DataError for an
// unknown name, missing files (with the command that fetches them) or malformed files.
Mnist load_dataset(const std::string& dir, const std::string& dataset);

}  // namespace hw
