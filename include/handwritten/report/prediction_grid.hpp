// prediction_grid.hpp — what the Coursera-style tutorials show after training: a grid of random
// images, each titled "actual | predicted", and the list of the images the network gets wrong.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

// Picks `count` distinct random rows of `images` (seeded), draws them in a grid of `columns`
// with the caption "actual | predicted" (e.g. "4 | 9") and writes the SVG. Returns the rows.
std::vector<std::size_t> write_prediction_grid_svg(const std::string& path, const Matrix& images, int height,
                                                   int width, const std::vector<std::uint8_t>& labels,
                                                   const std::vector<int>& predictions, int count, int columns,
                                                   std::uint64_t seed, const std::string& title);

// "23 errors in 5000 images (0.46%): #41 actual 4 predicted 9, #97 ..." listing at most `listed`.
std::string error_list(const std::vector<std::uint8_t>& labels, const std::vector<int>& predictions,
                       std::size_t listed);

}  // namespace hw
