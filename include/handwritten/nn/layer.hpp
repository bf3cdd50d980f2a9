// layer.hpp — the interface every layer of the batched network implements.
//
// What it is: a layer maps a mini-batch to a mini-batch, one sample per row,
//
//     forward:   X (B×in)  → Y (B×out)
//     backward:  dY (B×out) → dX (B×in)      where dY = ∂loss/∂Y, dX = ∂loss/∂X
//
// and, when it has parameters, fills their gradients during backward. The whole batch goes
// through at once: there is no per-sample loop, which is what turns the matrix-vector products
// of chapter 09 into the matrix-matrix products (GEMM) of chapters 03–07.
//
// What it is not: an autograd engine. Each layer writes its own backward by hand, and caches
// during forward whatever its backward needs (its input, its output, a mask), so backward must
// follow the forward of the same batch. The input X passed to forward must stay alive and
// unchanged until that backward (hw::Sequential guarantees it).
//
// Gradients are OVERWRITTEN by each backward (not accumulated), so there is no zero_grad().
#pragma once
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

// One trainable tensor and its gradient, as an optimizer sees it. The optimizers keep their
// per-parameter state (momentum, Adam's moments) in the order of this list, so a model must
// always list its parameters in the same order.
struct Param {
    std::string name;        // "dense0.W", "dense0.b", ...: also the tensor name in model files
    Matrix* value = nullptr;
    Matrix* grad = nullptr;  // same shape as *value, written by the layer's backward
    bool is_weight = true;   // false for biases (weight decay and max-norm leave biases alone)
};

class Layer {
public:
    virtual ~Layer() = default;

    // X: B×in → Y: B×out. Y is resized when its shape differs. `training` is false when
    // evaluating (layers such as dropout behave differently then; the ones here do not).
    virtual void forward(const Matrix& X, Matrix& Y, bool training) = 0;

    // dY: B×out → dX: B×in, using what the last forward cached; also writes the parameter
    // gradients. When input gradients are switched off (see below) dX is left untouched.
    virtual void backward(const Matrix& dY, Matrix& dX) = 0;

    // Trainable parameters, in a fixed order. Empty for activations.
    virtual std::vector<Param> params() { return {}; }

    // Short name for summaries: "dense0 784→256", "relu".
    virtual std::string name() const = 0;

    // The first layer of a network does not need ∂loss/∂X (nobody trains the pixels). For a
    // Dense layer that skips a GEMM as large as its forward one, so hw::Sequential switches it off.
    void set_input_grad_needed(bool needed) { input_grad_needed_ = needed; }
    bool input_grad_needed() const { return input_grad_needed_; }

protected:
    bool input_grad_needed_ = true;
};

// Makes Y rows×cols: a new zero-filled matrix when the shape differs, the same buffer (contents
// kept) when it already matches — so the training loop stops allocating after the first batch.
inline void ensure_shape(Matrix& Y, std::size_t rows, std::size_t cols) {
    if (Y.rows() != rows || Y.cols() != cols) Y = Matrix(rows, cols);
}

}  // namespace hw
