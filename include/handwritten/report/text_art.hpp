// text_art.hpp — drawing a grayscale image in the terminal with characters.
#pragma once
#include <string>
#include <vector>

namespace hw {

// One line per pixel row; darker pixels get denser characters (" .:-=+*#%@"), each pixel two
// characters wide so the digit keeps its aspect ratio. Values are in [0, 1].
std::string text_art(const float* pixels, int height, int width);

// Several images side by side, each with a caption line under it. Rows that are blank in every
// image at the top and bottom are left out (MNIST digits have a 4-pixel empty margin), and
// trailing spaces are trimmed.
std::string text_art_row(const std::vector<const float*>& images, int height, int width,
                         const std::vector<std::string>& captions);

}  // namespace hw
