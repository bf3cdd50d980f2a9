// softmax_cross_entropy.cpp — stable softmax + cross-entropy from logits, and its gradient.
#include "handwritten/nn/softmax_cross_entropy.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace hw {

int argmax(const float* values, int n) {
    int best = 0;
    for (int j = 1; j < n; ++j)
        if (values[j] > values[best]) best = j;
    return best;
}

namespace {
// p = softmax(z) for one row; returns log Σ_k e^(z_k) (the log-sum-exp), computed stably.
double softmax_row(const float* z, float* p, int C) {
    float m = z[0];
    for (int j = 1; j < C; ++j) m = z[j] > m ? z[j] : m;
    double s = 0;
    for (int j = 0; j < C; ++j) {
        p[j] = std::exp(z[j] - m);  // exponent ≤ 0: no overflow; the max term is exactly 1
        s += p[j];
    }
    const float inv = static_cast<float>(1.0 / s);
    for (int j = 0; j < C; ++j) p[j] *= inv;
    return double(m) + std::log(s);
}
}  // namespace

void softmax_rows(const Matrix& logits, Matrix& probs) {
    if (probs.rows() != logits.rows() || probs.cols() != logits.cols())
        probs = Matrix(logits.rows(), logits.cols());
    const int C = static_cast<int>(logits.cols());
    for (std::size_t r = 0; r < logits.rows(); ++r) softmax_row(logits.row(r), probs.row(r), C);
}

void check_loss_labels(const char* loss, const Matrix& logits, std::span<const std::uint8_t> labels) {
    if (labels.size() != logits.rows())
        throw std::invalid_argument(std::string(loss) + ": " + std::to_string(logits.rows()) + " rows but " +
                                    std::to_string(labels.size()) + " labels");
    for (std::uint8_t y : labels)
        if (y >= logits.cols())
            throw std::invalid_argument(std::string(loss) + ": label " + std::to_string(y) + " but only " +
                                        std::to_string(logits.cols()) + " classes");
}

double SoftmaxCrossEntropy::forward(const Matrix& logits, std::span<const std::uint8_t> labels) {
    check_loss_labels("softmax-cross-entropy", logits, labels);
    const std::size_t B = logits.rows();
    const int C = static_cast<int>(logits.cols());
    if (probs_.rows() != B || probs_.cols() != logits.cols()) probs_ = Matrix(B, C);
    labels_.assign(labels.begin(), labels.end());
    loss_sum_ = 0;
    correct_ = 0;
    for (std::size_t r = 0; r < B; ++r) {
        const int y = labels[r];
        const float* z = logits.row(r);
        const double lse = softmax_row(z, probs_.row(r), C);
        // BEGIN SOLUTION 10 softmax cross-entropy: the loss
        loss_sum_ += lse - double(z[y]);  // −log p_y, without ever forming log(p_y)
        // END SOLUTION
        correct_ += argmax(z, C) == y;
    }
    return B ? loss_sum_ / double(B) : 0.0;
}

void SoftmaxCrossEntropy::backward(Matrix& dLogits) const {
    const std::size_t B = probs_.rows();
    const std::size_t C = probs_.cols();
    if (dLogits.rows() != B || dLogits.cols() != C) dLogits = Matrix(B, C);
    const float inv_b = 1.0f / static_cast<float>(B);
    for (std::size_t r = 0; r < B; ++r) {
        const float* p = probs_.row(r);
        float* d = dLogits.row(r);
        // BEGIN SOLUTION 10 softmax cross-entropy: the gradient
        for (std::size_t j = 0; j < C; ++j) d[j] = p[j] * inv_b;
        d[labels_[r]] -= inv_b;  // − onehot / B
        // END SOLUTION
    }
}

}  // namespace hw
