// im2col.cpp — windows to rows (im2col) and rows back onto pixels (col2im), channel-last.
//
// For one kernel row ky, the window of output pixel (oy, ox) reads the input pixels
// (iy, ix0 … ix0 + KW − 1) with iy = oy·S − P + ky, ix0 = ox·S − P: in NHWC these are KW·C
// CONSECUTIVE floats of the image. So each (window, ky) is one memcpy of its in-bounds part,
// with zeros for the columns that fall into the padding.
#include "handwritten/nn/im2col.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "handwritten/core/parallel.hpp"

namespace hw {

void ConvGeometry::validate() const {
    if (input.height <= 0 || input.width <= 0 || input.channels <= 0)
        throw std::invalid_argument("convolution input " + input.to_string() + " must have positive sizes");
    if (kernel_h <= 0 || kernel_w <= 0 || out_channels <= 0)
        throw std::invalid_argument("convolution kernel and channel counts must be positive");
    if (stride < 1) throw std::invalid_argument("convolution stride must be at least 1");
    if (pad < 0 || pad >= std::max(kernel_h, kernel_w))
        throw std::invalid_argument("convolution padding must be in [0, kernel size)");
    if (input.height + 2 * pad < kernel_h || input.width + 2 * pad < kernel_w)
        throw std::invalid_argument("a " + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) +
                                    " kernel does not fit the " + input.to_string() + " input padded by " +
                                    std::to_string(pad));
}

std::string ConvGeometry::to_string() const {
    return std::to_string(kernel_h) + "x" + std::to_string(kernel_w) + " s" + std::to_string(stride) + " p" +
           std::to_string(pad) + ", " + input.to_string() + " → " + output().to_string();
}

namespace {

// The kernel columns kx ∈ [first, last) whose input column ix0 + kx lies inside [0, W).
struct ValidRange {
    int first, last;
};
ValidRange valid_columns(int ix0, int kernel_w, int width) {
    const int first = std::clamp(-ix0, 0, kernel_w);
    const int last = std::clamp(width - ix0, first, kernel_w);
    return {first, last};
}

// Calls visit(window_segment, image_segment, floats) for the in-bounds part of every
// (output pixel, kernel row) of one image, after zero(window_segment, floats) for the parts in
// the padding. Both directions (im2col and col2im) walk the same segments.
template <class Visit, class Pad>
void for_each_segment(const ConvGeometry& g, Visit visit, Pad pad_part) {
    const int H = g.input.height, W = g.input.width, C = g.input.channels;
    const int Ho = g.out_h(), Wo = g.out_w(), KW = g.kernel_w;
    const int row_len = KW * C;  // one kernel row of a window
    for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox) {
            const int window = oy * Wo + ox;
            const int ix0 = ox * g.stride - g.pad;
            const ValidRange cols = valid_columns(ix0, KW, W);
            for (int ky = 0; ky < g.kernel_h; ++ky) {
                const int iy = oy * g.stride - g.pad + ky;
                const std::size_t seg = std::size_t(window) * g.patch_size() + std::size_t(ky) * row_len;
                if (iy < 0 || iy >= H || cols.first == cols.last) {
                    pad_part(seg, row_len);
                    continue;
                }
                if (cols.first > 0) pad_part(seg, cols.first * C);
                if (cols.last < KW) pad_part(seg + std::size_t(cols.last) * C, (KW - cols.last) * C);
                const std::size_t pixel = (std::size_t(iy) * W + std::size_t(ix0 + cols.first)) * C;
                visit(seg + std::size_t(cols.first) * C, pixel, (cols.last - cols.first) * C);
            }
        }
}

}  // namespace

void im2col(const ConvGeometry& g, const float* images, int count, float* cols) {
    const std::size_t image_floats = g.input.size();
    const std::size_t cols_per_image = std::size_t(g.positions()) * g.patch_size();
    // BEGIN SOLUTION
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            const float* image = images + n * image_floats;
            float* out = cols + n * cols_per_image;
            for_each_segment(
                g,
                [&](std::size_t seg, std::size_t pixel, int floats) {
                    std::memcpy(out + seg, image + pixel, std::size_t(floats) * sizeof(float));
                },
                [&](std::size_t seg, int floats) { std::memset(out + seg, 0, std::size_t(floats) * sizeof(float)); });
        }
    });
    // END SOLUTION
}

void col2im(const ConvGeometry& g, const float* cols, int count, float* images) {
    const std::size_t image_floats = g.input.size();
    const std::size_t cols_per_image = std::size_t(g.positions()) * g.patch_size();
    // BEGIN SOLUTION
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            float* image = images + n * image_floats;
            const float* in = cols + n * cols_per_image;
            std::memset(image, 0, image_floats * sizeof(float));
            for_each_segment(
                g,
                [&](std::size_t seg, std::size_t pixel, int floats) {
                    for (int i = 0; i < floats; ++i) image[pixel + i] += in[seg + i];
                },
                [](std::size_t, int) {});  // padding entries have no pixel to go back to
        }
    });
    // END SOLUTION
}

}  // namespace hw
