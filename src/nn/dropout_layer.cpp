// dropout_layer.cpp — hw::Dropout: draw a mask in training, pass through in evaluation.
#include "handwritten/nn/dropout_layer.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "handwritten/nn/dropout.hpp"

namespace hw {

Dropout::Dropout(float rate, std::uint64_t seed) : rate_(rate), rng_(seed) {
    if (!(rate >= 0.0f && rate < 1.0f)) throw std::invalid_argument("dropout rate must be in [0, 1)");
}

void Dropout::forward(const Matrix& X, Matrix& Y, bool training) {
    last_forward_trained_ = training && rate_ > 0.0f;
    if (!last_forward_trained_) {  // evaluation: the identity
        ensure_shape(Y, X.rows(), X.cols());
        std::memcpy(Y.data(), X.data(), X.size() * sizeof(float));
        return;
    }
    draw_dropout_mask(mask_, X.rows(), X.cols(), rate_, rng_);
    apply_mask(X, mask_, Y);
}

void Dropout::backward(const Matrix& dY, Matrix& dX) {
    if (!input_grad_needed()) return;
    if (!last_forward_trained_) {
        ensure_shape(dX, dY.rows(), dY.cols());
        std::memcpy(dX.data(), dY.data(), dY.size() * sizeof(float));
        return;
    }
    // BEGIN SOLUTION 11 dropout backward
    apply_mask(dY, mask_, dX);  // the same mask as the forward pass
    // END SOLUTION
}

std::string Dropout::name() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "dropout %.2g", rate_);
    return buf;
}

}  // namespace hw
