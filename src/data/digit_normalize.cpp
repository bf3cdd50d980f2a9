// digit_normalize.cpp — crop, scale into 20×20, centre by mass (see digit_normalize.hpp).
#include "handwritten/data/digit_normalize.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hw {

InkBox ink_bounding_box(const std::vector<float>& ink, int width, int height, float threshold) {
    InkBox box{width, height, 0, 0};
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c)
            if (ink[std::size_t(r) * width + c] > threshold) {
                box.left = std::min(box.left, c);
                box.right = std::max(box.right, c + 1);
                box.top = std::min(box.top, r);
                box.bottom = std::max(box.bottom, r + 1);
            }
    if (box.right <= box.left) return {};
    return box;
}

Point2 ink_center_of_mass(const std::vector<float>& ink, int width, int height) {
    double mass = 0, sx = 0, sy = 0;
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            const double m = ink[std::size_t(r) * width + c];
            mass += m;
            sx += m * (c + 0.5);
            sy += m * (r + 0.5);
        }
    if (mass <= 0) return {width / 2.0, height / 2.0};
    return {sx / mass, sy / mass};
}

namespace {

// Weights of the source cells [0, src) that output cell i of `dst` cells covers, as
// (first source cell, coverage of each) — one axis of the area average.
struct Coverage {
    int first = 0;
    std::vector<double> weights;  // sums to src/dst (the width of one output cell in source units)
};

std::vector<Coverage> axis_coverage(int src, int dst) {
    std::vector<Coverage> cells(dst);
    const double step = double(src) / dst;  // source units per output cell
    for (int i = 0; i < dst; ++i) {
        const double lo = i * step, hi = (i + 1) * step;
        Coverage& cell = cells[i];
        cell.first = int(std::floor(lo));
        for (int s = cell.first; s < src && s < hi; ++s)
            cell.weights.push_back(std::min<double>(hi, s + 1) - std::max<double>(lo, s));
    }
    return cells;
}

}  // namespace

std::vector<float> resample_area(const std::vector<float>& src, int src_w, int src_h, int dst_w,
                                 int dst_h) {
    const std::vector<Coverage> cols = axis_coverage(src_w, dst_w), rows = axis_coverage(src_h, dst_h);
    const double cell_area = (double(src_w) / dst_w) * (double(src_h) / dst_h);
    std::vector<float> dst(std::size_t(dst_w) * dst_h);
    for (int r = 0; r < dst_h; ++r)
        for (int c = 0; c < dst_w; ++c) {
            double sum = 0;
            for (std::size_t i = 0; i < rows[r].weights.size(); ++i)
                for (std::size_t j = 0; j < cols[c].weights.size(); ++j)
                    sum += rows[r].weights[i] * cols[c].weights[j] *
                           src[std::size_t(rows[r].first + int(i)) * src_w + cols[c].first + int(j)];
            dst[std::size_t(r) * dst_w + c] = float(sum / cell_area);
        }
    return dst;
}

std::vector<float> normalize_drawing(const std::vector<float>& ink, int width, int height,
                                     const DigitFrame& frame) {
    if (width <= 0 || height <= 0 || ink.size() != std::size_t(width) * height)
        throw std::invalid_argument("drawing: " + std::to_string(ink.size()) + " values for a " +
                                    std::to_string(width) + "x" + std::to_string(height) + " image");
    std::vector<float> out(std::size_t(frame.frame) * frame.frame, 0.0f);
    const InkBox box = ink_bounding_box(ink, width, height);
    if (box.empty()) return out;

    // 1. crop
    std::vector<float> crop(std::size_t(box.width()) * box.height());
    for (int r = 0; r < box.height(); ++r)
        for (int c = 0; c < box.width(); ++c)
            crop[std::size_t(r) * box.width() + c] = ink[std::size_t(box.top + r) * width + box.left + c];

    // 2. scale the longer side to frame.box, the other in proportion (at least one pixel)
    const double scale = double(frame.box) / std::max(box.width(), box.height());
    const int w = std::clamp(int(std::lround(box.width() * scale)), 1, frame.box);
    const int h = std::clamp(int(std::lround(box.height() * scale)), 1, frame.box);
    const std::vector<float> digit = resample_area(crop, box.width(), box.height(), w, h);

    // 3. shift by whole pixels so the centre of mass lands on the centre of pixel (14, 14), i.e.
    //    at (14.5, 14.5) — where MNIST's own test digits have it (mean 14.51 and 14.49, spread
    //    ±0.29 from the rounding) — clamped so the scaled digit stays inside the frame
    const Point2 com = ink_center_of_mass(digit, w, h);
    const double target = frame.frame / 2 + 0.5;
    const int left = std::clamp(int(std::lround(target - com.x)), 0, frame.frame - w);
    const int top = std::clamp(int(std::lround(target - com.y)), 0, frame.frame - h);
    for (int r = 0; r < h; ++r)
        for (int c = 0; c < w; ++c)
            out[std::size_t(top + r) * frame.frame + left + c] = std::clamp(digit[std::size_t(r) * w + c], 0.0f, 1.0f);
    return out;
}

}  // namespace hw
