// sigmoid_mse.hpp — mean squared error on sigmoid outputs, the loss of the NumPy tutorials.
//
// For one sample with logits z (C classes), outputs o = σ(z) and the one-hot target t:
//     loss = (1/C) Σ_j (o_j − t_j)²                          (Keras' and NumPy's np.mean)
// and over a batch of B samples the mean, i.e. the mean over all B·C entries. Its gradient,
// through the sigmoid (σ' = o(1 − o)):
//     ∂loss/∂z_j = 2 (o_j − t_j) · o_j (1 − o_j) / (B·C)       dLogits: B×C
//
// Why it trains slowly: the gradient carries the factor o(1 − o) ≤ 1/4, and it vanishes exactly
// where the network is most wrong (o near 1 for a wrong class, near 0 for the right one);
// cross-entropy's (p − t)/B has no such factor. Dividing by C as well as B makes it 10× smaller
// again than a per-sample ½‖o − t‖².
#pragma once
#include <vector>

#include "handwritten/nn/loss.hpp"

namespace hw {

class SigmoidMse : public Loss {
public:
    double forward(const Matrix& logits, std::span<const std::uint8_t> labels) override;
    void backward(Matrix& dLogits) const override;
    double loss_sum() const override { return loss_sum_; }
    std::size_t correct() const override { return correct_; }
    std::string name() const override { return "mse"; }
    const Matrix& outputs() const { return outputs_; }  // σ(logits), B×C

private:
    Matrix outputs_;
    std::vector<std::uint8_t> labels_;
    double loss_sum_ = 0;
    std::size_t correct_ = 0;
};

}  // namespace hw
