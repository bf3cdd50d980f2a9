// conv2d.cpp — convolution forward and backward: im2col, three GEMMs, col2im, chunk by chunk;
// or, where the CPU allows, the same products read from a padded copy (conv_direct.hpp).
#include "handwritten/nn/conv2d.hpp"

#include <algorithm>
#include <stdexcept>

#include "handwritten/core/timer.hpp"

namespace hw {

Conv2D::Conv2D(const ConvGeometry& geometry, int index)
    : g_(geometry), index_(index),
      W_(geometry.out_channels, std::max(1, geometry.patch_size())), b_(1, geometry.out_channels),
      dW_(W_.rows(), W_.cols()), db_(1, geometry.out_channels) {
    g_.validate();
}

void Conv2D::initialize(Init init, Rng& rng) {
    const int receptive = g_.kernel_h * g_.kernel_w;
    fill_initial_weights(W_, init, g_.patch_size(), receptive * g_.out_channels, rng);
    b_.fill(0.0f);
}

int Conv2D::images_per_chunk(int batch) const {
    const std::size_t per_image = std::size_t(g_.positions()) * g_.patch_size();
    if (per_image * std::size_t(std::max(batch, 1)) <= kKeepBudget) return std::max(batch, 1);
    const std::size_t fit = std::max<std::size_t>(1, kColsBudget / per_image);
    return static_cast<int>(std::min<std::size_t>(fit, std::size_t(std::max(batch, 1))));
}

void Conv2D::gemm(Op op_a, Op op_b, int m, int n, int k, const float* A, int lda, const float* B, int ldb,
                  float beta, float* C, int ldc) {
    Stopwatch clock;
    sgemm(op_a, op_b, m, n, k, 1.0f, A, lda, B, ldb, beta, C, ldc);
    count_product(clock.seconds(), m, n, k);
}

void Conv2D::count_product(double seconds, double m, double n, double k) {
    gemm_.seconds += seconds;
    gemm_.flops += 2.0 * m * n * k;
}

void Conv2D::check_input(const Matrix& X) const {
    if (X.cols() != g_.input.size())
        throw std::invalid_argument(name() + ": input has " + std::to_string(X.cols()) + " values per sample, expected " +
                                    std::to_string(g_.input.size()) + " (" + g_.input.to_string() + ")");
}

void Conv2D::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    check_input(X);
    const int B = static_cast<int>(X.rows()), P = g_.positions(), K = g_.patch_size(), O = g_.out_channels;
    ensure_shape(Y, B, std::size_t(P) * O);
    input_ = &X;
    direct_ = conv_direct_enabled();
    if (direct_) return forward_direct(X, Y);  // (Y's shape is set above)
    const int chunk = images_per_chunk(B);
    ensure_shape(cols_, std::size_t(chunk) * P, K);
    cols_hold_batch_ = chunk >= B;
    for (int n0 = 0; n0 < B; n0 += chunk) {
        const int count = std::min(chunk, B - n0), rows = count * P;
        // BEGIN SOLUTION 12 Conv2D forward: im2col and one GEMM per chunk
        Stopwatch copy;
        im2col(g_, X.row(n0), count, cols_.data());
        copies_.im2col_seconds += copy.seconds();
        // cols: rows×K · Wᵀ: K×O → Y rows of these images, seen as rows×O (NHWC)
        float* y = Y.row(n0);
        gemm(Op::N, Op::T, rows, O, K, cols_.data(), K, W_.data(), K, 0.0f, y, O);
        const float* b = b_.data();
        for (int r = 0; r < rows; ++r)
            for (int o = 0; o < O; ++o) y[std::size_t(r) * O + o] += b[o];
        // END SOLUTION
    }
}

void Conv2D::backward(const Matrix& dY, Matrix& dX) {
    const int P = g_.positions(), K = g_.patch_size(), O = g_.out_channels;
    if (!input_ || dY.rows() != input_->rows() || dY.cols() != std::size_t(P) * O)
        throw std::logic_error(name() + ": backward without a matching forward");
    if (direct_) return backward_direct(dY, dX);
    const Matrix& X = *input_;
    const int B = static_cast<int>(dY.rows());
    const int chunk = images_per_chunk(B);
    ensure_shape(cols_, std::size_t(chunk) * P, K);
    if (input_grad_needed_) {
        ensure_shape(dcols_, std::size_t(chunk) * P, K);
        ensure_shape(dX, B, g_.input.size());
    }
    float* db = db_.data();
    std::fill(db, db + O, 0.0f);
    for (int n0 = 0; n0 < B; n0 += chunk) {
        const int count = std::min(chunk, B - n0), rows = count * P;
        const float* g = dY.row(n0);  // rows×O
        // BEGIN SOLUTION 12 Conv2D backward: dW, db and dX by GEMM and col2im
        Stopwatch copy;
        if (!cols_hold_batch_) im2col(g_, X.row(n0), count, cols_.data());  // else: forward's are still there
        copies_.im2col_seconds += copy.seconds();
        // dW (+)= dYᵀ · cols:  (rows×O)ᵀ · rows×K → O×K; the first chunk overwrites
        gemm(Op::T, Op::N, O, K, rows, g, O, cols_.data(), K, n0 == 0 ? 0.0f : 1.0f, dW_.data(), K);
        // db += column sums of dY, row by row in a fixed order
        for (int r = 0; r < rows; ++r)
            for (int o = 0; o < O; ++o) db[o] += g[std::size_t(r) * O + o];
        if (!input_grad_needed_) continue;
        // dcols = dY · W:  rows×O · O×K → rows×K, then added back onto the pixels
        gemm(Op::N, Op::N, rows, K, O, g, O, W_.data(), K, 0.0f, dcols_.data(), K);
        copy.restart();
        col2im(g_, dcols_.data(), count, dX.row(n0));
        copies_.col2im_seconds += copy.seconds();
        // END SOLUTION
    }
}

void Conv2D::forward_direct(const Matrix& X, Matrix& Y) {
    forward_begin(X);
    forward_images(0, static_cast<int>(X.rows()), Y.data());
}

void Conv2D::backward_direct(const Matrix& dY, Matrix& dX) {
    const int B = static_cast<int>(dY.rows());
    if (input_grad_needed_) ensure_shape(dX, B, g_.input.size());
    backward_images(0, B, dY.data(), input_grad_needed_ ? dX.data() : nullptr);
    backward_end();
}

void Conv2D::forward_begin(const Matrix& X) {
    check_input(X);
    input_ = &X;
    direct_ = true;
    const ConvWindows s = forward_windows(g_);
    const int B = static_cast<int>(X.rows());
    // Without padding the windows read X itself, which the network keeps until backward (as it
    // does every layer's input); a copy would be the same floats.
    if (g_.pad > 0) {
        Stopwatch clock;
        ensure_shape(padded_, B, s.in_size());
        pad_images(X.data(), B, g_.input.height, g_.input.width, g_.input.channels, g_.pad, g_.pad, padded_.data());
        copies_.pad_seconds += clock.seconds();
    }
    ensure_shape(packed_, 1, conv_direct_packed_floats(s));
    conv_direct_pack(s, W_.data(), b_.data(), packed_.data());
}

const float* Conv2D::window_image(int n) const {
    const std::size_t floats = forward_windows(g_).in_size();
    return (g_.pad > 0 ? padded_.data() : input_->data()) + std::size_t(n) * floats;
}

void Conv2D::forward_images(int n0, int n1, float* Y) {
    const ConvWindows s = forward_windows(g_);
    Stopwatch clock;
    // Y (images·P × O) = bias + cols · Wᵀ, cols read from the padded images
    conv_direct_forward_images(s, window_image(n0), n0, n1 - n0, packed_.data(), b_.data(), Y);
    count_product(clock.seconds(), double(n1 - n0) * g_.positions(), g_.out_channels, g_.patch_size());
}

void Conv2D::backward_images(int n0, int n1, const float* dY, float* dX) {
    const ConvWindows s = forward_windows(g_);
    const int count = n1 - n0, P = g_.positions(), K = g_.patch_size(), O = g_.out_channels;
    Stopwatch clock;
    // dW (O × K) = dYᵀ · cols and db = column sums of dY, added image by image
    ensure_shape(weight_grad_work_, 1, conv_direct_weight_grad_floats(s));
    conv_direct_weight_grad_images(s, window_image(n0), n0, count, dY, weight_grad_work_.data());
    count_product(clock.seconds(), O, K, double(count) * P);
    if (!dX) return;
    // dX = col2im(dY · W), the product's tiles added straight onto the padded pixels
    clock.restart();
    // Groups differ in size (the last one is short): keep a buffer that holds the largest.
    // Without padding the tiles add straight onto dX (conv_direct_input_grad).
    if (g_.pad > 0 && (padded_grad_.rows() < std::size_t(count) || padded_grad_.cols() != s.in_size()))
        padded_grad_ = Matrix(std::size_t(count), s.in_size());
    conv_direct_input_grad(g_, dY, n0, count, W_.data(), g_.pad > 0 ? padded_grad_.data() : nullptr, dX);
    count_product(clock.seconds(), double(count) * P, K, O);
}

void Conv2D::backward_end() {
    if (input_ && input_->rows() == 0) {  // no images: nothing was summed
        dW_.fill(0.0f);
        db_.fill(0.0f);
        return;
    }
    conv_direct_weight_grad_finish(forward_windows(g_), weight_grad_work_.data(), static_cast<int>(input_->rows()),
                                   dW_.data(), db_.data());
}

Shape Conv2D::output_shape(const Shape& input) const {
    if (input.size() != g_.input.size())
        throw std::invalid_argument(name() + ": takes " + g_.input.to_string() + " samples, gets " + input.to_string());
    return g_.output().to_shape();
}

std::vector<Param> Conv2D::params() {
    const std::string prefix = "conv" + std::to_string(index_);
    const Shape kernels{g_.out_channels, g_.kernel_h, g_.kernel_w, g_.input.channels};
    return {{prefix + ".W", &W_, &dW_, true, kernels}, {prefix + ".b", &b_, &db_, false, Shape{g_.out_channels}}};
}

std::string Conv2D::name() const {
    return "conv" + std::to_string(index_) + " " + g_.to_string();
}

}  // namespace hw
