// sigmoid_mse.cpp — mean squared error on σ(logits) and its gradient (sigmoid_mse.hpp).
#include "handwritten/nn/sigmoid_mse.hpp"


#include "handwritten/nn/sigmoid.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"  // argmax

namespace hw {

double SigmoidMse::forward(const Matrix& logits, std::span<const std::uint8_t> labels) {
    check_loss_labels("mse", logits, labels);
    const std::size_t B = logits.rows();
    const int C = static_cast<int>(logits.cols());
    ensure_shape(outputs_, B, logits.cols());
    labels_.assign(labels.begin(), labels.end());
    loss_sum_ = 0;
    correct_ = 0;
    for (std::size_t r = 0; r < B; ++r) {
        const int y = labels[r];
        const float* z = logits.row(r);
        float* o = outputs_.row(r);
        double squared = 0;
        for (int j = 0; j < C; ++j) {
            o[j] = stable_sigmoid(z[j]);
            const double e = double(o[j]) - (j == y ? 1.0 : 0.0);
            squared += e * e;
        }
        loss_sum_ += squared / C;
        correct_ += argmax(z, C) == y;
    }
    return B ? loss_sum_ / double(B) : 0.0;
}

void SigmoidMse::backward(Matrix& dLogits) const {
    const std::size_t B = outputs_.rows(), C = outputs_.cols();
    ensure_shape(dLogits, B, C);
    // BEGIN SOLUTION 10 the gradient of the mean squared error through the sigmoid
    const float scale = static_cast<float>(2.0 / (double(B) * double(C)));
    for (std::size_t r = 0; r < B; ++r) {
        const float* o = outputs_.row(r);
        float* d = dLogits.row(r);
        for (std::size_t j = 0; j < C; ++j) {
            const float t = j == labels_[r] ? 1.0f : 0.0f;
            d[j] = scale * (o[j] - t) * o[j] * (1.0f - o[j]);  // 2(o − t)·σ'(z) / (B·C)
        }
    }
    // END SOLUTION
}

}  // namespace hw
