// image_shape.hpp — the shape of ONE sample as it flows through a convolutional network.
//
// A mini-batch is still an hw::Matrix with one sample per row (B rows), as in chapter 10; what
// changes is how a row is read. A row of B × (H·W·C) floats is one H×W image with C channels,
// stored channel-last (NHWC: all C channel values of pixel (y, x) side by side):
//
//     element (y, x, c) of sample n  =  X(n, (y·W + x)·C + c)
//
// So the 4-D tensor of a batch is B × H × W × C; hw::Sequential tracks the H×W×C part of it
// from layer to layer as the hw::Shape {H, W, C} (layer.hpp: dims in row-major order of the
// columns). A plain feature vector of n values is the shape {n}: Dense, ReLU and dropout see
// exactly the matrices they saw in chapters 10–11. MNIST's 784 pixels are 28×28×1.
//
// ImageShape is the same three numbers with names, for the layers that need them.
//
// Why channel-last: im2col + GEMM (conv2d.hpp) produces, for every output pixel, all its
// channels as one GEMM row, so the GEMM writes NHWC directly and nothing has to be transposed.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "handwritten/nn/layer.hpp"  // hw::Shape

namespace hw {

struct ImageShape {
    int height = 1, width = 1, channels = 1;

    std::size_t size() const { return std::size_t(height) * std::size_t(width) * std::size_t(channels); }
    bool is_flat() const { return height == 1 && width == 1; }
    // "28x28x1" (height × width × channels); a flat vector prints as its length, "3136".
    std::string to_string() const;
    bool operator==(const ImageShape&) const = default;

    Shape to_shape() const { return Shape{height, width, channels}; }
    // {H, W, C} → ImageShape; {n} → 1×1×n; nothing for other ranks.
    static std::optional<ImageShape> from(const Shape& shape);
};

}  // namespace hw
