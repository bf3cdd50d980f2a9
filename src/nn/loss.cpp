// loss.cpp — the losses by name (loss.hpp). Softmax cross-entropy keeps its own class (chapter
// 10 builds it step by step); here it is wrapped to fit the interface.
#include "handwritten/nn/loss.hpp"

#include <stdexcept>

#include "handwritten/nn/sigmoid_mse.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"

namespace hw {

namespace {
class CrossEntropyLoss : public Loss {
public:
    double forward(const Matrix& logits, std::span<const std::uint8_t> labels) override {
        return impl_.forward(logits, labels);
    }
    void backward(Matrix& dLogits) const override { impl_.backward(dLogits); }
    double loss_sum() const override { return impl_.loss_sum(); }
    std::size_t correct() const override { return impl_.correct(); }
    std::string name() const override { return "cross-entropy"; }

private:
    SoftmaxCrossEntropy impl_;
};
}  // namespace

std::unique_ptr<Loss> make_loss(const std::string& name) {
    if (name == "cross-entropy") return std::make_unique<CrossEntropyLoss>();
    if (name == "mse") return std::make_unique<SigmoidMse>();
    throw std::invalid_argument("unknown loss '" + name + "' (expected cross-entropy or mse)");
}

}  // namespace hw
