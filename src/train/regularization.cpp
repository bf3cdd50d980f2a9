// regularization.cpp — L2, decoupled weight decay, global-norm clipping and max-norm.
// Sums of squares are accumulated in double: a 784×1024 matrix has 800k terms.
#include "handwritten/train/regularization.hpp"

#include <cmath>
#include <stdexcept>

namespace hw {

namespace {
double sum_of_squares(const float* p, std::size_t n) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += double(p[i]) * p[i];
    return s;
}
}  // namespace

float l2_penalty(const Matrix& W, float lambda) {
    return static_cast<float>(0.5 * lambda * sum_of_squares(W.data(), W.size()));
}

void add_l2_gradient(const Matrix& W, Matrix& dW, float lambda) {
    if (W.rows() != dW.rows() || W.cols() != dW.cols())
        throw std::invalid_argument("add_l2_gradient: W and dW shapes differ");
    const float* w = W.data();
    float* g = dW.data();
    // BEGIN SOLUTION 11 the L2 gradient
    for (std::size_t i = 0; i < W.size(); ++i) g[i] += lambda * w[i];
    // END SOLUTION
}

void decay_weights(Matrix& W, float lr, float lambda) {
    // BEGIN SOLUTION 11 decoupled weight decay
    W *= 1.0f - lr * lambda;
    // END SOLUTION
}

double global_norm(const std::vector<const Matrix*>& grads) {
    double s = 0.0;
    for (const Matrix* g : grads) s += sum_of_squares(g->data(), g->size());
    return std::sqrt(s);
}

double clip_by_global_norm(const std::vector<Matrix*>& grads, float max_norm) {
    if (!(max_norm > 0)) throw std::invalid_argument("clip_by_global_norm: max_norm must be > 0");
    const double norm = global_norm(std::vector<const Matrix*>(grads.begin(), grads.end()));
    // BEGIN SOLUTION 11 gradient clipping by global norm
    if (norm > max_norm) {
        const float scale = static_cast<float>(max_norm / norm);
        for (Matrix* g : grads) *g *= scale;
    }
    // END SOLUTION
    return norm;
}

int max_norm_columns(Matrix& W, float c) {
    if (!(c > 0)) throw std::invalid_argument("max_norm_columns: the bound must be > 0");
    const std::size_t in = W.rows(), out = W.cols();
    // Row-major W: walk row by row accumulating one sum per column (cache-friendly).
    std::vector<double> col_sq(out, 0.0);
    for (std::size_t r = 0; r < in; ++r) {
        const float* w = W.row(r);
        for (std::size_t j = 0; j < out; ++j) col_sq[j] += double(w[j]) * w[j];
    }
    std::vector<float> scale(out, 1.0f);
    int rescaled = 0;
    // BEGIN SOLUTION 11 max-norm: which columns to rescale
    for (std::size_t j = 0; j < out; ++j) {
        const double norm = std::sqrt(col_sq[j]);
        // A column just rescaled to c may come out at c·(1 + 1e-7) after float rounding;
        // do not count (or touch) it again: the projection should be idempotent.
        if (norm > c * (1.0 + 1e-6)) {
            scale[j] = static_cast<float>(c / norm);
            ++rescaled;
        }
    }
    // END SOLUTION
    if (rescaled == 0) return 0;
    for (std::size_t r = 0; r < in; ++r) {
        float* w = W.row(r);
        for (std::size_t j = 0; j < out; ++j) w[j] *= scale[j];
    }
    return rescaled;
}

}  // namespace hw
