// dropout.cpp — drawing inverted-dropout masks and applying them.
#include "handwritten/nn/dropout.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace hw {

float draw_dropout_mask(Matrix& mask, std::size_t rows, std::size_t cols, float rate, Rng& rng) {
    if (!(rate >= 0.0f && rate < 1.0f))
        throw std::invalid_argument("dropout rate must be in [0, 1)");
    if (mask.rows() != rows || mask.cols() != cols) mask = Matrix(rows, cols);
    // BEGIN SOLUTION 11 inverted dropout: keep with probability 1 − rate, scaled by 1/(1 − rate)
    // Keep when a 16-bit random value is ≥ threshold: P(keep) = (65536 - threshold) / 65536.
    const auto threshold = static_cast<std::uint32_t>(std::lround(double(rate) * 65536.0));
    const float scale = 65536.0f / float(65536u - threshold);
    float* m = mask.data();
    const std::size_t n = mask.size();
    std::size_t i = 0;
    while (i < n) {
        std::uint64_t bits = rng.next_u64();  // four 16-bit draws per call
        for (int part = 0; part < 4 && i < n; ++part, ++i, bits >>= 16)
            m[i] = (bits & 0xFFFFu) >= threshold ? scale : 0.0f;
    }
    return scale;
    // ELSE
    // for (std::size_t i = 0; i < mask.size(); ++i) mask.data()[i] = 1.0f;
    // (void)rng;
    // return 1.0f;
    // END SOLUTION
}

void apply_mask(const Matrix& X, const Matrix& mask, Matrix& Y) {
    if (X.rows() != mask.rows() || X.cols() != mask.cols())
        throw std::invalid_argument("dropout: mask and input shapes differ");
    if (Y.rows() != X.rows() || Y.cols() != X.cols()) Y = Matrix(X.rows(), X.cols());
    // BEGIN SOLUTION 11 applying a mask: y = x ⊙ m
    const float* x = X.data();
    const float* m = mask.data();
    float* y = Y.data();
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = x[i] * m[i];
    // END SOLUTION
}

}  // namespace hw
