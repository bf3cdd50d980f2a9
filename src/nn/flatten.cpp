// flatten.cpp — a copy in both directions (the shape change is all there is).
#include "handwritten/nn/flatten.hpp"

#include <cstring>
#include <stdexcept>

namespace hw {

void Flatten::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    if (X.cols() != in_.size())
        throw std::invalid_argument(name() + ": input has " + std::to_string(X.cols()) +
                                    " values per sample, expected " + std::to_string(in_.size()));
    ensure_shape(Y, X.rows(), X.cols());
    std::memcpy(Y.data(), X.data(), X.size() * sizeof(float));
}

void Flatten::backward(const Matrix& dY, Matrix& dX) {
    if (!input_grad_needed_) return;
    ensure_shape(dX, dY.rows(), dY.cols());
    std::memcpy(dX.data(), dY.data(), dY.size() * sizeof(float));
}

Shape Flatten::output_shape(const Shape& input) const {
    if (input.size() != in_.size())
        throw std::invalid_argument(name() + ": takes " + in_.to_string() + " samples, gets " + input.to_string());
    return Shape{static_cast<int>(in_.size())};
}

std::string Flatten::name() const { return "flatten " + in_.to_string() + " → " + std::to_string(in_.size()); }

}  // namespace hw
