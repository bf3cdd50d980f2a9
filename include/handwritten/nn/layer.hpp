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
//
// Besides running, a layer answers the questions a network asks while it is being built and
// reported on, so hw::Sequential never needs to know which kind of layer it holds: what shape
// of sample it takes and gives (Shape below), how many trainable values it has, and how much
// GEMM work it did.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"
#include "handwritten/gemm/gemm_stats.hpp"

namespace hw {

// The shape of ONE sample as it enters or leaves a layer. A batch is still a Matrix with one
// sample per row: the sample is flattened into the columns in row-major order of `dims`. A
// Dense layer's 256 features are {256}; an image for a convolution would be {channels, height,
// width}, its column c·H·W + y·W + x holding channel c at pixel (y, x). So a Flatten layer
// changes only the shape, never the data.
struct Shape {
    std::vector<int> dims;  // empty: not known yet

    Shape() = default;
    Shape(std::initializer_list<int> d) : dims(d) {}
    explicit Shape(std::vector<int> d) : dims(std::move(d)) {}

    bool empty() const { return dims.empty(); }
    // Values per sample: the number of matrix columns (0 when empty).
    std::size_t size() const {
        if (dims.empty()) return 0;
        std::size_t n = 1;
        for (int d : dims) n *= static_cast<std::size_t>(d);
        return n;
    }
    // "256", "1×28×28"
    std::string to_string() const {
        std::string out;
        for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? "×" : "") + std::to_string(dims[i]);
        return out;
    }
    bool operator==(const Shape&) const = default;
};

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

    // ---- what a network asks while it is built and reported on

    // The sample shape this layer insists on, if any (Dense: its `in` features). Element-wise
    // layers (activations, dropout) take whatever arrives.
    virtual std::optional<Shape> fixed_input_shape() const { return std::nullopt; }
    // The shape of a sample leaving the layer, given the one entering it. Throws
    // std::invalid_argument when the layer cannot take that input. Element-wise layers keep it.
    virtual Shape output_shape(const Shape& input) const { return input; }
    // The number of trainable values: the sizes of params() added up, asked of a const layer.
    virtual std::size_t parameter_count() const { return 0; }
    // The GEMM work of this layer since the last reset; zero for layers that multiply no matrices.
    virtual GemmStats gemm_stats() const { return {}; }
    virtual void reset_gemm_stats() {}

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
