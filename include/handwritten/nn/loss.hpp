// loss.hpp — what the training loop minimises, behind one interface: a loss takes the LOGITS of
// the last Dense layer (B×C) and integer labels, returns the mean loss over the batch, and gives
// ∂loss/∂logits for backward. Two are here:
//
//   "cross-entropy"  softmax + cross-entropy (softmax_cross_entropy.hpp): the default, and
//                    what every classifier since chapter 10 uses;
//   "mse"            mean squared error between σ(logits) and the one-hot target
//                    (sigmoid_mse.hpp): the loss of the NumPy tutorials and of chapter 09.
//
// Both count the rows whose largest logit is the label, so accuracy needs no second pass.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "handwritten/core/matrix.hpp"

namespace hw {

class Loss {
public:
    virtual ~Loss() = default;
    // logits: B×C, labels: B values in [0, C) → mean loss over the batch; caches what backward needs.
    virtual double forward(const Matrix& logits, std::span<const std::uint8_t> labels) = 0;
    // dLogits: B×C, the gradient of the mean loss of the last forward.
    virtual void backward(Matrix& dLogits) const = 0;
    virtual double loss_sum() const = 0;       // Σ over the batch (not the mean)
    virtual std::size_t correct() const = 0;   // rows whose argmax is the label
    virtual std::string name() const = 0;
};

// "cross-entropy" or "mse"; std::invalid_argument for anything else.
std::unique_ptr<Loss> make_loss(const std::string& name);

}  // namespace hw
