// relu.hpp — the rectified linear unit, element-wise: y = max(x, 0).
//
//     forward:  X: B×n → Y: B×n,   Y = max(X, 0)
//     backward: dX = dY ⊙ [X > 0]  (the derivative is 1 where the unit was active, else 0;
//               at exactly 0 we take 0, as PyTorch and Keras do)
//
// Why ReLU for hidden layers: its derivative does not shrink towards 0 for large inputs the
// way the sigmoid's does (σ' ≤ 1/4), so gradients reach the first layer undiminished.
#pragma once
#include "handwritten/nn/layer.hpp"

namespace hw {

class Relu : public Layer {
public:
    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::string name() const override { return "relu"; }

private:
    const Matrix* input_ = nullptr;  // X of the last forward: the mask is X > 0
};

}  // namespace hw
