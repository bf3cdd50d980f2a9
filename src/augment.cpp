// augment.cpp — random affine warps of images by inverse mapping + bilinear interpolation.
#include "handwritten/augment.hpp"

#include "handwritten/gemm.hpp"  // gemm_threads(): the one thread-count setting of the library

#include <cmath>
#include <stdexcept>
#include <vector>

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
    const float ax = static_cast<float>(x - fx), ay = static_cast<float>(y - fy);  // in [0, 1)
    const float top = (1 - ax) * pixel_or_zero(src, height, width, x0, y0) +
                      ax * pixel_or_zero(src, height, width, x0 + 1, y0);
    const float bottom = (1 - ax) * pixel_or_zero(src, height, width, x0, y0 + 1) +
                         ax * pixel_or_zero(src, height, width, x0 + 1, y0 + 1);
    return (1 - ay) * top + ay * bottom;
}

// Positions within this distance of a grid point are snapped onto it, so that exact warps
// (integer shifts, multiples of 90°) copy pixels exactly instead of mixing in 1e-16 of a
// neighbour.
constexpr double kSnap = 1e-9;
inline double snap(double v) {
    const double r = std::round(v);
    return std::fabs(v - r) < kSnap ? r : v;
}

}  // namespace

void warp_image(const float* src, float* dst, int height, int width, const Warp& warp) {
    if (warp.scale <= 0.0f) throw std::invalid_argument("warp_image: scale must be positive");
    const double theta = warp.degrees * M_PI / 180.0;
    const double cos_t = std::cos(theta), sin_t = std::sin(theta);
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    const double inv_s = 1.0 / warp.scale;
    for (int yo = 0; yo < height; ++yo) {
        for (int xo = 0; xo < width; ++xo) {
            // u = (p_out - c - t) / s, then p = c + R(-θ)·u. With y pointing down, the
            // on-screen counter-clockwise R(θ) is [cos sin; -sin cos], so R(-θ) = [cos -sin; sin cos].
            const double ux = (xo - cx - warp.dx) * inv_s;
            const double uy = (yo - cy - warp.dy) * inv_s;
            const double x = snap(cx + cos_t * ux - sin_t * uy);
            const double y = snap(cy + sin_t * ux + cos_t * uy);
            dst[yo * width + xo] = bilinear(src, height, width, x, y);
        }
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
    // Draw every warp first, on this thread, so the random sequence does not depend on threads.
    std::vector<Warp> warps(count);
    for (auto& w : warps) w = random_warp();
    if (scratch_.rows() != batch.rows() || scratch_.cols() != batch.cols())
        scratch_ = Matrix(batch.rows(), batch.cols());
#pragma omp parallel for schedule(static) num_threads(gemm_threads()) if (count >= 64)
    for (int i = 0; i < count; ++i) warp_image(batch.row(i), scratch_.row(i), height, width, warps[i]);
    std::swap(batch, scratch_);
}

}  // namespace hw
