// softmax_cross_entropy.hpp — the output of a classifier: softmax and cross-entropy, fused,
// taking LOGITS (the raw scores of the last Dense layer) and integer labels.
//
// For one sample with logits z (C classes) and label y:
//     p_j  = e^(z_j) / Σ_k e^(z_k)                        (softmax)
//     loss = −log p_y = log Σ_k e^(z_k) − z_y             (cross-entropy of a one-hot target)
// and over a batch of B samples the loss is the mean. Its gradient is remarkably simple:
//     ∂loss/∂z_j = (p_j − [j == y]) / B                   dLogits: B×C
//
// Why fuse them and start from logits: computing softmax first and then log(p_y) fails when
// p_y underflows to 0 (log 0 = −inf). Shifting by the row maximum m first,
//     log Σ_k e^(z_k) = m + log Σ_k e^(z_k − m),
// keeps every exponent ≤ 0 (no overflow) with at least one term equal to 1 (no log 0), so the
// loss stays finite for logits of ±1e4 and beyond (the "log-sum-exp trick").
//
// What it is not: a Layer. It ends the network, needs the labels, and returns a number.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

class SoftmaxCrossEntropy {
public:
    // logits: B×C, labels: B values in [0, C) → mean loss over the batch (double: the sum of
    // many small terms). Caches the probabilities for backward(). std::invalid_argument on a
    // label out of range or a count mismatch.
    double forward(const Matrix& logits, std::span<const std::uint8_t> labels);

    // dLogits: B×C = (softmax − onehot) / B, for the batch of the last forward.
    void backward(Matrix& dLogits) const;

    const Matrix& probabilities() const { return probs_; }  // B×C, each row sums to 1
    double loss_sum() const { return loss_sum_; }            // Σ over the batch (not the mean)
    std::size_t correct() const { return correct_; }         // rows whose argmax is the label

private:
    Matrix probs_;
    std::vector<std::uint8_t> labels_;
    double loss_sum_ = 0;
    std::size_t correct_ = 0;
};

// Row-wise softmax of logits (B×C) into probs (resized), with the same max-shift.
void softmax_rows(const Matrix& logits, Matrix& probs);

// What every loss checks first: one label per row of logits (B×C), each in [0, C).
// std::invalid_argument "<loss>: label 10 but only 10 classes" (or a count mismatch) otherwise.
void check_loss_labels(const char* loss, const Matrix& logits, std::span<const std::uint8_t> labels);

// Index of the largest of n values (the first one on ties).
int argmax(const float* values, int n);

}  // namespace hw
