// dense.cpp — the fully connected layer: forward and backward as three GEMMs.
#include "handwritten/nn/dense.hpp"

#include <stdexcept>

#include "handwritten/gemm/gemm.hpp"
#include "handwritten/core/timer.hpp"

namespace hw {

Dense::Dense(int in, int out, int index)
    : in_(in), out_(out), index_(index), W_(in, out), b_(1, out), dW_(in, out), db_(1, out) {
    if (in <= 0 || out <= 0) throw std::invalid_argument("Dense: sizes must be positive");
}

void Dense::initialize(Init init, Rng& rng) {
    fill_initial_weights(W_, init, in_, out_, rng);
    b_.fill(0.0f);
}

void Dense::gemm(Op op_a, Op op_b, int m, int n, int k, const Matrix& A, const Matrix& B,
                 Matrix& C) {
    Stopwatch clock;
    sgemm(op_a, op_b, m, n, k, 1.0f, A.data(), static_cast<int>(A.cols()), B.data(),
          static_cast<int>(B.cols()), 0.0f, C.data(), static_cast<int>(C.cols()));
    gemm_.seconds += clock.seconds();
    gemm_.flops += 2.0 * m * n * k;
}

void Dense::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    if (X.cols() != std::size_t(in_))
        throw std::invalid_argument(name() + ": input has " + std::to_string(X.cols()) +
                                    " columns, expected " + std::to_string(in_));
    const int B = static_cast<int>(X.rows());
    ensure_shape(Y, B, out_);
    input_ = &X;
    // BEGIN SOLUTION 10 Dense forward
    // X: B×in · W: in×out → Y: B×out
    gemm(Op::N, Op::N, B, out_, in_, X, W_, Y);
    // Y += b, broadcast over the rows.
    const float* b = b_.data();
    for (int r = 0; r < B; ++r) {
        float* y = Y.row(r);
        for (int c = 0; c < out_; ++c) y[c] += b[c];
    }
    // END SOLUTION
}

void Dense::backward(const Matrix& dY, Matrix& dX) {
    if (!input_ || dY.rows() != input_->rows() || dY.cols() != std::size_t(out_))
        throw std::logic_error(name() + ": backward without a matching forward");
    const Matrix& X = *input_;
    const int B = static_cast<int>(dY.rows());
    // BEGIN SOLUTION 10 Dense backward: dW and db
    // dW = Xᵀ·dY:  (B×in)ᵀ · B×out → in×out
    gemm(Op::T, Op::N, in_, out_, B, X, dY, dW_);
    // db = column sums of dY: 1×out. Row by row, in a fixed order (bit-reproducible).
    float* db = db_.data();
    for (int c = 0; c < out_; ++c) db[c] = 0.0f;
    for (int r = 0; r < B; ++r) {
        const float* g = dY.row(r);
        for (int c = 0; c < out_; ++c) db[c] += g[c];
    }
    // END SOLUTION
    if (!input_grad_needed_) return;
    ensure_shape(dX, B, in_);
    // BEGIN SOLUTION 10 Dense backward: dX
    // dX = dY·Wᵀ:  B×out · (in×out)ᵀ → B×in
    gemm(Op::N, Op::T, B, in_, out_, dY, W_, dX);
    // END SOLUTION
}

Shape Dense::output_shape(const Shape& input) const {
    if (input.size() != std::size_t(in_))
        throw std::invalid_argument(name() + ": takes " + std::to_string(in_) + " values per sample, gets " +
                                    input.to_string());
    return Shape{out_};
}

std::vector<Param> Dense::params() {
    const std::string prefix = "dense" + std::to_string(index_);
    return {{prefix + ".W", &W_, &dW_, true}, {prefix + ".b", &b_, &db_, false}};
}

std::string Dense::name() const {
    return "dense" + std::to_string(index_) + " " + std::to_string(in_) + "→" + std::to_string(out_);
}

}  // namespace hw
