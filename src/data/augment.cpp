// augment.cpp — random affine warps of images by inverse mapping + bilinear interpolation.
#include "handwritten/data/augment.hpp"


#include <cmath>
#include <stdexcept>

namespace hw {

namespace {

// Source pixel (x, y) or 0 outside the image: the background of MNIST is 0.
inline float pixel_or_zero(const float* src, int height, int width, int x, int y) {
    if (x < 0 || y < 0 || x >= width || y >= height) return 0.0f;
    return src[y * width + x];
}

// Bilinear read at a real-valued position: a weighted mix of the four surrounding pixels.
inline float bilinear(const float* src, int height, int width, double x, double y) {
    const double fx = std::floor(x), fy = std::floor(y);
    const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
    if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) return 0.0f;  // all four outside
    const float ax = static_cast<float>(x - fx), ay = static_cast<float>(y - fy);  // in [0, 1)
    float p00, p01, p10, p11;  // p<dy><dx>
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {  // inside: no checks
        const float* r = src + y0 * width + x0;
        p00 = r[0], p01 = r[1], p10 = r[width], p11 = r[width + 1];
    } else {
        p00 = pixel_or_zero(src, height, width, x0, y0);
        p01 = pixel_or_zero(src, height, width, x0 + 1, y0);
        p10 = pixel_or_zero(src, height, width, x0, y0 + 1);
        p11 = pixel_or_zero(src, height, width, x0 + 1, y0 + 1);
    }
    // BEGIN SOLUTION 11 bilinear interpolation between the four neighbours
    const float top = (1 - ax) * p00 + ax * p01;
    const float bottom = (1 - ax) * p10 + ax * p11;
    return (1 - ay) * top + ay * bottom;
    // ELSE
    // (void)ax, (void)ay, (void)p01, (void)p10, (void)p11;
    // return p00;
    // END SOLUTION
}

// cos and sin of multiples of 90° come out as 6e-17 instead of 0; snapping them makes exact
// warps (integer shifts, quarter turns of a square image) land exactly on the pixel grid, so
// they copy pixels instead of mixing in 1e-16 of a neighbour.
inline double snap_unit(double v) {
    for (double target : {-1.0, 0.0, 1.0})
        if (std::fabs(v - target) < 1e-12) return target;
    return v;
}

}  // namespace

void warp_image(const float* src, float* dst, int height, int width, const Warp& warp) {
    if (warp.scale <= 0.0f) throw std::invalid_argument("warp_image: scale must be positive");
    const double theta = warp.degrees * M_PI / 180.0;
    const double cos_t = snap_unit(std::cos(theta)), sin_t = snap_unit(std::sin(theta));
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    const double inv_s = 1.0 / warp.scale;
    // u = (p_out - c - t) / s, then p = c + R(-θ)·u. With y pointing down, the on-screen
    // counter-clockwise R(θ) is [cos sin; -sin cos], so R(-θ) = [cos -sin; sin cos].
    // p is affine in the output column xo, so each row starts at p(0, yo) and steps by
    // (cos/s, sin/s) per column.
    const double step_x = cos_t * inv_s, step_y = sin_t * inv_s;
    for (int yo = 0; yo < height; ++yo) {
        // BEGIN SOLUTION 11 the inverse mapping: where output pixel (0, yo) comes from
        const double ux = (0 - cx - warp.dx) * inv_s;
        const double uy = (yo - cy - warp.dy) * inv_s;
        const double x_start = cx + cos_t * ux - sin_t * uy;
        const double y_start = cy + sin_t * ux + cos_t * uy;
        // ELSE
        // const double x_start = 0.0, y_start = double(yo);
        // END SOLUTION
        float* out = dst + yo * width;
        for (int xo = 0; xo < width; ++xo)
            out[xo] = bilinear(src, height, width, x_start + step_x * xo, y_start + step_y * xo);
    }
}

Augmenter::Augmenter(const AugmentOptions& options, std::uint64_t seed)
    : options_(options), rng_(seed) {
    if (options.max_shift < 0 || options.max_degrees < 0 || options.max_scale < 0 ||
        options.max_scale >= 1)
        throw std::invalid_argument(
            "augment: ranges must be non-negative and max_scale below 1");
}

Warp Augmenter::random_warp() {
    Warp w;
    const auto shift_choices = static_cast<std::uint64_t>(2 * options_.max_shift + 1);
    w.dx = static_cast<float>(static_cast<int>(rng_.below(shift_choices)) - options_.max_shift);
    w.dy = static_cast<float>(static_cast<int>(rng_.below(shift_choices)) - options_.max_shift);
    w.degrees = rng_.uniform(-options_.max_degrees, options_.max_degrees);
    w.scale = rng_.uniform(1.0f - options_.max_scale, 1.0f + options_.max_scale);
    return w;
}

void Augmenter::augment_batch(Matrix& batch, int height, int width) {
    if (batch.cols() != static_cast<std::size_t>(height) * width)
        throw std::invalid_argument("augment_batch: rows must hold height·width pixels");
    const int count = static_cast<int>(batch.rows());
    // One thread on purpose: a batch of 128 warps takes ~0.8 ms, a parallel region that short
    // stalls badly when another process holds a core, and the GEMMs dominate the epoch anyway.
    if (scratch_.rows() != batch.rows() || scratch_.cols() != batch.cols())
        scratch_ = Matrix(batch.rows(), batch.cols());
    for (int i = 0; i < count; ++i) warp_image(batch.row(i), scratch_.row(i), height, width, random_warp());
    std::swap(batch, scratch_);
}

}  // namespace hw
