// max_pool2d.cpp — max pooling with the argmax kept, channel-last.
//
// In NHWC the C channels of one input pixel are consecutive, so the inner loops run over c:
// the first pixel of the window initialises C running maxima, the others update them with a
// strict > (first maximum wins on ties). Loops over samples are split over the GEMM threads
// (each output is computed the same way on any thread).
#include "handwritten/nn/max_pool2d.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "handwritten/core/parallel.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/nn/conv_direct.hpp"

namespace hw {

namespace {

// One sample: x (H·W·C) → y (Ho·Wo·C) and the argmax of every output. A free function with
// its sizes in locals: stores through y and arg then cannot alias them, and the loops over c
// vectorise.
void pool_one_image(const float* x, float* __restrict y, std::int32_t* __restrict arg, ImageShape in,
                    ImageShape out, int size) {
    const int C = in.channels, W = in.width;
    // BEGIN SOLUTION 12 max pooling of one image, first maximum wins
    for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox) {
            float* best = y + (std::size_t(oy) * out.width + ox) * C;
            std::int32_t* where = arg + (std::size_t(oy) * out.width + ox) * C;
            // The window's top-left pixel starts the C running maxima ...
            const std::int32_t first = (oy * size * W + ox * size) * C;
            for (int c = 0; c < C; ++c) {
                best[c] = x[first + c];
                where[c] = first + c;
            }
            // ... and every later pixel replaces them only when strictly greater. Branch-free:
            // mask is all ones where v > b, and std::max(b, v) keeps b on a tie.
            for (int ky = 0; ky < size; ++ky)
                for (int kx = ky == 0 ? 1 : 0; kx < size; ++kx) {
                    const std::int32_t p = ((oy * size + ky) * W + (ox * size + kx)) * C;
                    for (int c = 0; c < C; ++c) {
                        const float v = x[p + c], b = best[c];
                        const std::int32_t mask = -static_cast<std::int32_t>(v > b);
                        best[c] = std::max(b, v);
                        where[c] = (where[c] & ~mask) | ((p + c) & mask);
                    }
                }
        }
    // END SOLUTION
}

// The fused ReLU's forward on n outputs, written as Relu::forward writes it (same bits).
void relu_in_place(float* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
}

// The fused ReLU's backward after the plain routing of one sample: an output whose value the
// ReLU zeroed passes no gradient, so the input that took it gets 0 (each input is the argmax of
// at most one output, the windows do not overlap). A select, not a branch: about half the
// outputs are zeroed, in no pattern a branch predictor could learn.
void block_zeroed_outputs(const float* y, const std::int32_t* arg, std::size_t outputs, float* dx) {
    for (std::size_t j = 0; j < outputs; ++j) dx[arg[j]] = y[j] > 0.0f ? dx[arg[j]] : 0.0f;
}

// Backward of one sample with the ReLU fused, for the direct path's AVX2 tiles: the plain
// routing with each gradient masked as it is routed, Relu::backward's select then the scatter.
void route_through_relu(const float* g, const float* y, const std::int32_t* arg, std::size_t outputs,
                        std::size_t inputs, float* dx) {
    std::memset(dx, 0, inputs * sizeof(float));
    for (std::size_t j = 0; j < outputs; ++j) dx[arg[j]] += y[j] > 0.0f ? g[j] : 0.0f;
}

}  // namespace

MaxPool2D::MaxPool2D(const ImageShape& input, int size) : in_(input), size_(size) {
    if (size < 1) throw std::invalid_argument("max-pool size must be at least 1");
    if (input.height < size || input.width < size)
        throw std::invalid_argument("a " + std::to_string(size) + "x" + std::to_string(size) +
                                    " max-pool does not fit the " + input.to_string() + " input");
    out_ = {input.height / size, input.width / size, input.channels};
}

void MaxPool2D::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    if (X.cols() != in_.size())
        throw std::invalid_argument(name() + ": input has " + std::to_string(X.cols()) +
                                    " values per sample, expected " + std::to_string(in_.size()));
    begin_rows(X.rows(), Y);
    forward_rows(X.data(), 0, X.rows(), Y);
}

void MaxPool2D::begin_rows(std::size_t batch, Matrix& Y) {
    ensure_shape(Y, batch, out_.size());
    argmax_.resize(batch * out_.size());
    rows_ = batch;
    output_ = &Y;
}

void MaxPool2D::forward_rows(const float* X, std::size_t first, std::size_t count, Matrix& Y) {
    Stopwatch clock;
    const std::size_t out_floats = out_.size();
    auto input = [&](std::size_t n) { return X + (n - first) * in_.size(); };  // X holds images first, first+1, ...
    if (conv_direct_enabled()) {  // the direct path's CPU check covers these loops' instruction sets
        const bool wide = conv_direct_avx512();
        // Dealt as the convolutions deal them (parallel_dealt, core/parallel.hpp), from the same
        // 2 images on, so that each image's maps stay on one core.
        parallel_dealt(first, first + count, 2, [&](std::size_t, std::size_t n) {
            std::int32_t* arg = argmax_.data() + n * out_floats;
            if (wide) return avx512::max_pool_image(input(n), Y.row(n), arg, in_, out_, size_, relu_after_);
            avx2::max_pool_image(input(n), Y.row(n), arg, in_, out_, size_);
            if (relu_after_) relu_in_place(Y.row(n), out_floats);
        });
        seconds_ += clock.seconds();
        return;
    }
    // BEGIN SOLUTION 12 MaxPool2D forward over the batch
    parallel_slices(count, 8, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = first + n0; n < first + n1; ++n)
            pool_one_image(input(n), Y.row(n), argmax_.data() + n * out_floats, in_, out_, size_);
    });
    // END SOLUTION
    if (relu_after_)
        parallel_slices(count, 8, 1, [&](std::size_t n0, std::size_t n1) {
            for (std::size_t n = first + n0; n < first + n1; ++n) relu_in_place(Y.row(n), out_floats);
        });
    seconds_ += clock.seconds();
}

void MaxPool2D::backward(const Matrix& dY, Matrix& dX) {
    if (rows_ == 0 || dY.rows() != rows_ || dY.cols() != out_.size())
        throw std::logic_error(name() + ": backward without a matching forward");
    if (!input_grad_needed_) return;
    ensure_shape(dX, dY.rows(), in_.size());
    backward_rows(dY, 0, dY.rows(), dX.data());
}

void MaxPool2D::backward_rows(const Matrix& dY, std::size_t first, std::size_t count, float* dX) {
    Stopwatch clock;
    const std::size_t out_floats = out_.size();
    // On the AVX-512 direct path, the same numbers by vectors. (An AVX2 version of it measured
    // slower than the loop below on Zen 4, so the AVX2 path keeps the loop.)
    if (conv_direct_avx512() && avx512::route_gradient_image_ok(in_, size_)) {
        parallel_dealt(first, first + count, 2, [&](std::size_t, std::size_t n) {
            avx512::route_gradient_image(dY.row(n), argmax_.data() + n * out_floats,
                                         relu_after_ ? output_->row(n) : nullptr, dX + (n - first) * in_.size(), in_,
                                         out_);
        });
        seconds_ += clock.seconds();
        return;
    }
    if (conv_direct_enabled() && relu_after_) {  // the AVX2 direct path: one pass, no zeroing after
        parallel_dealt(first, first + count, 2, [&](std::size_t, std::size_t n) {
            route_through_relu(dY.row(n), output_->row(n), argmax_.data() + n * out_floats, out_floats, in_.size(),
                               dX + (n - first) * in_.size());
        });
        seconds_ += clock.seconds();
        return;
    }
    // BEGIN SOLUTION 12 MaxPool2D backward: route each gradient to its argmax
    parallel_slices(count, 8, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = first + n0; n < first + n1; ++n) {
            float* dx = dX + (n - first) * in_.size();  // dX holds images first, first+1, ...
            const float* g = dY.row(n);
            const std::int32_t* arg = argmax_.data() + n * out_floats;
            std::memset(dx, 0, in_.size() * sizeof(float));
            for (std::size_t j = 0; j < out_floats; ++j) dx[arg[j]] += g[j];
        }
    });
    // END SOLUTION
    if (relu_after_)
        parallel_slices(count, 8, 1, [&](std::size_t n0, std::size_t n1) {
            for (std::size_t n = first + n0; n < first + n1; ++n)
                block_zeroed_outputs(output_->row(n), argmax_.data() + n * out_floats, out_floats,
                                     dX + (n - first) * in_.size());
        });
    seconds_ += clock.seconds();
}

Shape MaxPool2D::output_shape(const Shape& input) const {
    if (input.size() != in_.size())
        throw std::invalid_argument(name() + ": takes " + in_.to_string() + " samples, gets " + input.to_string());
    return out_.to_shape();
}

std::string MaxPool2D::name() const {
    return "maxpool " + std::to_string(size_) + "x" + std::to_string(size_) + ", " + in_.to_string() + " → " +
           out_.to_string() + (relu_after_ ? " · relu" : "");
}

}  // namespace hw
