// text_art.cpp — grayscale images as characters (see text_art.hpp).
//
// What it is: the quickest way to *look* at a digit without leaving the terminal.
// What it is not: an image viewer — for real pictures the chapters write SVG grids (svg.hpp).
#include "handwritten/report/text_art.hpp"

#include <algorithm>
#include <cmath>

namespace hw {

namespace {

// Ten shades from paper to ink; each roughly doubles the amount of "ink" of the previous one.
constexpr char kRamp[] = " .:-=+*#%@";
constexpr int kShades = sizeof(kRamp) - 1;

char shade(float v) {
    if (!(v > 0.0f)) return kRamp[0];  // also catches NaN
    const int i = static_cast<int>(std::lround(std::min(v, 1.0f) * (kShades - 1)));
    return kRamp[i];
}

}  // namespace

std::string text_art(const float* pixels, int height, int width) {
    std::string out;
    out.reserve(static_cast<std::size_t>(height) * (2 * width + 1));
    for (int r = 0; r < height; ++r) {
        for (int c = 0; c < width; ++c) out.append(2, shade(pixels[r * width + c]));
        out += '\n';
    }
    return out;
}

std::string text_art_row(const std::vector<const float*>& images, int height, int width,
                         const std::vector<std::string>& captions) {
    const std::string gap = "  ";
    const std::size_t cell = 2 * static_cast<std::size_t>(width);
    auto blank_row = [&](int r) {
        for (const float* img : images)
            for (int c = 0; c < width; ++c)
                if (shade(img[r * width + c]) != ' ') return false;
        return true;
    };
    int first = 0, last = height - 1;
    while (first <= last && blank_row(first)) ++first;
    while (last >= first && blank_row(last)) --last;
    std::string out;
    for (int r = first; r <= last; ++r) {
        std::string line;
        for (std::size_t i = 0; i < images.size(); ++i) {
            if (i) line += gap;
            for (int c = 0; c < width; ++c) line.append(2, shade(images[i][r * width + c]));
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    if (!captions.empty()) {
        std::string line;
        for (std::size_t i = 0; i < images.size(); ++i) {
            if (i) line += gap;
            std::string cap = i < captions.size() ? captions[i] : "";
            if (cap.size() > cell) cap.resize(cell);
            // Centre the caption under its image.
            const std::size_t left = (cell - cap.size()) / 2;
            line += std::string(left, ' ') + cap + std::string(cell - cap.size() - left, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

}  // namespace hw
