// sigmoid.hpp — the logistic function as a layer, element-wise: y = σ(x) = 1 / (1 + e^(−x)).
//
//     forward:  X: B×n → Y: B×n
//     backward: dX = dY ⊙ Y ⊙ (1 − Y)     (σ' = σ(1 − σ), computed from the cached output)
//
// The activation of chapter 09's network, kept so `--activation sigmoid` can show why deeper
// or wider sigmoid networks learn more slowly than ReLU ones (σ' is at most 1/4).
#pragma once
#include "handwritten/nn/layer.hpp"

namespace hw {

class Sigmoid : public Layer {
public:
    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::string name() const override { return "sigmoid"; }

private:
    Matrix output_;  // Y of the last forward (a copy: backward needs σ, not x)
};

// σ(x) without overflow: e^(−x) is only evaluated for x ≥ 0, e^x only for x < 0.
float stable_sigmoid(float x);

}  // namespace hw
