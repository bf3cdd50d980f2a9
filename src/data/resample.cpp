// resample.cpp — fitting a digit into a square box by area averaging (resample.hpp).
#include "handwritten/data/resample.hpp"

#include <algorithm>
#include <vector>

#include "handwritten/core/parallel.hpp"

namespace hw {

namespace {

// The overlap weights of a 1-D box filter: weight[o·n + i] = length of input pixel [i, i+1)
// that falls into output pixel o's footprint, measured in input pixels. Output pixel o covers
// output coordinates [o, o+1), i.e. input coordinates [first + (o − offset)/s, … + 1/s).
std::vector<float> overlap_weights(int n_in, int n_out, int first, double scale, double offset) {
    std::vector<float> weight(std::size_t(n_out) * std::size_t(n_in), 0.0f);
    for (int o = 0; o < n_out; ++o) {
        const double lo = first + (o - offset) / scale, hi = first + (o + 1 - offset) / scale;
        for (int i = std::max(0, int(lo)); i < n_in && i < hi; ++i) {
            const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
            if (overlap > 0) weight[std::size_t(o) * std::size_t(n_in) + std::size_t(i)] = float(overlap);
        }
    }
    return weight;
}

}  // namespace

void fit_in_box(const float* src, int h, int w, float* dst, int box) {
    std::fill(dst, dst + box * box, 0.0f);
    int top = h, bottom = -1, left = w, right = -1;  // the ink's bounding box, inclusive
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (src[y * w + x] > 0) {
                top = std::min(top, y), bottom = std::max(bottom, y);
                left = std::min(left, x), right = std::max(right, x);
            }
    if (bottom < 0) return;  // no ink
    const int bw = right - left + 1, bh = bottom - top + 1;
    const double scale = double(box) / std::max(bw, bh);
    // Centre the scaled bounding box: its near edge lands at offset (output pixels).
    const double off_x = (box - bw * scale) / 2, off_y = (box - bh * scale) / 2;
    const std::vector<float> wx = overlap_weights(w, box, left, scale, off_x);  // box×w
    const std::vector<float> wy = overlap_weights(h, box, top, scale, off_y);   // box×h

    // rows = in · Wxᵀ (h×box), then dst = s²·Wy·rows (box×box). The average over a footprint of
    // area 1/s² input pixels is s² times the ink inside it.
    std::vector<float> rows(std::size_t(h) * std::size_t(box), 0.0f);
    for (int y = top; y <= bottom; ++y)
        for (int o = 0; o < box; ++o) {
            float sum = 0;
            for (int x = left; x <= right; ++x) sum += src[y * w + x] * wx[std::size_t(o) * w + x];
            rows[std::size_t(y) * box + o] = sum;
        }
    const float s2 = float(scale * scale);
    for (int oy = 0; oy < box; ++oy)
        for (int y = top; y <= bottom; ++y) {
            const float weight = wy[std::size_t(oy) * h + y] * s2;
            if (weight == 0) continue;
            for (int ox = 0; ox < box; ++ox) dst[oy * box + ox] += weight * rows[std::size_t(y) * box + ox];
        }
    // The filter only averages values in [0, 1], but float sums may overshoot by an ulp.
    for (int i = 0; i < box * box; ++i) dst[i] = std::min(dst[i], 1.0f);
}

LabeledSet fit_set_in_box(const LabeledSet& set, int box) {
    LabeledSet out;
    out.height = out.width = box;
    out.labels = set.labels;
    out.images = Matrix(set.size(), std::size_t(box) * std::size_t(box));
    parallel_slices(set.size(), 256, 1, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t r = r0; r < r1; ++r) fit_in_box(set.images.row(r), set.height, set.width, out.images.row(r), box);
    });
    return out;
}

}  // namespace hw
