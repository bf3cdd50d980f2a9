// im2col.cpp — windows to rows (im2col) and rows back onto pixels (col2im), channel-last.
//
// For one kernel row ky, the window of output pixel (oy, ox) reads the input pixels
// (iy, ix0 … ix0 + KW − 1) with iy = oy·S − P + ky, ix0 = ox·S − P: in NHWC these are KW·C
// CONSECUTIVE floats of the image. So each (window, ky) is one copy of its in-bounds part,
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

// Calls visit(cols_offset, image_offset, floats) for the in-bounds part of every (window,
// kernel row) of one image, and pad(cols_offset, floats) for the parts in the padding. Both
// directions (im2col and col2im) walk the same segments. Windows whose kernel row lies wholly
// inside the image (all but a border of pad/stride windows) take the short path: one segment
// of KW·C floats, no clamping. ROW is KW·C when known at compile time (0: read it from g), so
// the commonest case, a 5×5 kernel on one channel, copies fixed 5-float segments.
template <int ROW, class Visit, class Pad>
void for_each_segment(const ConvGeometry& g, Visit visit, Pad pad) {
    const int H = g.input.height, W = g.input.width, C = g.input.channels;
    const int Ho = g.out_h(), Wo = g.out_w(), KW = g.kernel_w, S = g.stride, P = g.pad;
    const int row_len = ROW ? ROW : KW * C;  // one kernel row of a window
    const std::size_t K = std::size_t(g.patch_size());
    for (int oy = 0; oy < Ho; ++oy)
        for (int ky = 0; ky < g.kernel_h; ++ky) {
            const int iy = oy * S - P + ky;
            std::size_t seg = std::size_t(oy) * Wo * K + std::size_t(ky) * row_len;  // window (oy, 0)
            if (iy < 0 || iy >= H) {  // the whole kernel row is padding, in every window of this row
                for (int ox = 0; ox < Wo; ++ox, seg += K) pad(seg, row_len);
                continue;
            }
            const std::size_t row_start = std::size_t(iy) * W * C;
            for (int ox = 0; ox < Wo; ++ox, seg += K) {
                const int ix0 = ox * S - P;
                if (ix0 >= 0 && ix0 + KW <= W) {
                    visit(seg, row_start + std::size_t(ix0) * C, row_len);
                    continue;
                }
                // Kernel columns [first, last) fall inside [0, W); the rest is padding.
                const int first = std::clamp(-ix0, 0, KW), last = std::clamp(W - ix0, first, KW);
                if (first > 0) pad(seg, first * C);
                if (last < KW) pad(seg + std::size_t(last) * C, (KW - last) * C);
                if (first < last)
                    visit(seg + std::size_t(first) * C, row_start + std::size_t(ix0 + first) * C, (last - first) * C);
            }
        }
}

// Runs body.template operator()<ROW>() with ROW = 5 for 5-float kernel rows, else 0.
template <class Body>
void with_row_length(const ConvGeometry& g, Body body) {
    if (g.kernel_w * g.input.channels == 5) body.template operator()<5>();
    else body.template operator()<0>();
}

}  // namespace

void im2col(const ConvGeometry& g, const float* images, int count, float* cols) {
    const std::size_t image_floats = g.input.size();
    const std::size_t cols_per_image = std::size_t(g.positions()) * g.patch_size();
    // BEGIN SOLUTION 12 im2col
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            const float* image = images + n * image_floats;
            float* out = cols + n * cols_per_image;
            // Plain loops, not memcpy/memset: the segments are short (5 floats for a 5×5 kernel
            // on one channel), too short to pay for a library call each.
            with_row_length(g, [&]<int ROW>() {
                for_each_segment<ROW>(
                    g,
                    [&](std::size_t seg, std::size_t pixel, int floats) {
                        for (int i = 0; i < floats; ++i) out[seg + i] = image[pixel + i];
                    },
                    [&](std::size_t seg, int floats) {
                        for (int i = 0; i < floats; ++i) out[seg + i] = 0.0f;
                    });
            });
        }
    });
    // END SOLUTION
}

void col2im(const ConvGeometry& g, const float* cols, int count, float* images) {
    const std::size_t image_floats = g.input.size();
    const std::size_t cols_per_image = std::size_t(g.positions()) * g.patch_size();
    // BEGIN SOLUTION 12 col2im
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            float* image = images + n * image_floats;
            const float* in = cols + n * cols_per_image;
            std::memset(image, 0, image_floats * sizeof(float));
            with_row_length(g, [&]<int ROW>() {
                for_each_segment<ROW>(
                    g,
                    [&](std::size_t seg, std::size_t pixel, int floats) {
                        for (int i = 0; i < floats; ++i) image[pixel + i] += in[seg + i];
                    },
                    [](std::size_t, int) {});  // padding entries have no pixel to go back to
            });
        }
    });
    // END SOLUTION
}

}  // namespace hw
