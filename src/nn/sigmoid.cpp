// sigmoid.cpp — sigmoid forward and backward over the whole batch.
#include "handwritten/nn/sigmoid.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace hw {

float stable_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);  // x < 0: e in (0, 1), no overflow
    return e / (1.0f + e);
}

void Sigmoid::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    ensure_shape(Y, X.rows(), X.cols());
    const float* x = X.data();
    float* y = Y.data();
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = stable_sigmoid(x[i]);
    ensure_shape(output_, Y.rows(), Y.cols());
    std::memcpy(output_.data(), Y.data(), Y.size() * sizeof(float));
}

void Sigmoid::backward(const Matrix& dY, Matrix& dX) {
    if (dY.rows() != output_.rows() || dY.cols() != output_.cols() || output_.empty())
        throw std::logic_error("sigmoid: backward without a matching forward");
    if (!input_grad_needed_) return;
    ensure_shape(dX, dY.rows(), dY.cols());
    const float* y = output_.data();
    const float* g = dY.data();
    float* d = dX.data();
    // BEGIN SOLUTION 10 sigmoid backward
    for (std::size_t i = 0; i < dY.size(); ++i) d[i] = g[i] * y[i] * (1.0f - y[i]);
    // END SOLUTION
}

}  // namespace hw
