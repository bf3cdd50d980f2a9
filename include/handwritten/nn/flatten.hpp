// flatten.hpp — the boundary between the convolutional part of a network and its Dense part.
//
//     X: B × (H·W·C) as H×W×C images  →  Y: B × (H·W·C) as flat vectors of H·W·C features
//
// The numbers do not change: an NHWC row already IS the flat vector (in the order y, x, c),
// so forward and backward are copies. What changes is the shape hw::Sequential records, which
// lets a Dense layer follow. (PyTorch flattens NCHW in the order c, y, x: the same network with
// its first Dense layer's rows permuted.)
#pragma once
#include "handwritten/nn/image_shape.hpp"
#include "handwritten/nn/layer.hpp"

namespace hw {

class Flatten : public Layer {
public:
    explicit Flatten(const ImageShape& input) : in_(input) {}

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::string name() const override;
    std::optional<Shape> fixed_input_shape() const override { return in_.to_shape(); }
    Shape output_shape(const Shape& input) const override;  // {H·W·C}

private:
    ImageShape in_;
};

}  // namespace hw
