// max_pool2d.hpp — max pooling over non-overlapping size×size windows, channel by channel.
//
// Shapes (NHWC rows, image_shape.hpp):  X: B × (H·W·C)  →  Y: B × (Ho·Wo·C),  Ho = ⌊H/size⌋,
// Wo = ⌊W/size⌋ (a last row or column that does not fill a window is dropped, as PyTorch does).
//
//     forward:   Y[n, oy, ox, c] = max over the window's size² inputs of channel c
//     backward:  the whole of dY[n, oy, ox, c] goes to the one input that was the maximum;
//                every other input of the window gets 0
//
// The forward keeps, for every output, the index of its maximum (the argmax) inside the sample's
// row, so backward is one scatter. Ties: the FIRST maximum in the window's row-major scan
// (top-left first, then along the row) wins and takes the whole gradient — the same rule as
// PyTorch's CPU max-pool (a later value must be strictly greater to replace the current one).
//
// Where Conv2D takes its direct path (conv_direct.hpp), the forward pass runs the same loop 16
// channels per instruction with the AVX-512 tiles (method "direct", max_pool2d_avx512.cpp) or
// 8 with the AVX2 ones ("direct-avx2", max_pool2d_avx2.cpp); "im2col" keeps the plain loop.
// With the AVX-512 tiles, backward for 2×2 windows that tile an image of C ≤ 16 channels also
// runs by vectors: each input pixel is written once (dY or 0) instead of zeroed and scattered to.
#pragma once
#include <cstdint>
#include <vector>

#include "handwritten/nn/image_shape.hpp"
#include "handwritten/nn/layer.hpp"

namespace hw {

class MaxPool2D : public Layer {
public:
    // std::invalid_argument when size < 1 or the window does not fit the input.
    MaxPool2D(const ImageShape& input, int size);

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::string name() const override;
    std::optional<Shape> fixed_input_shape() const override { return in_.to_shape(); }
    Shape output_shape(const Shape& input) const override;  // {Ho, Wo, C}

    ImageShape input_image() const { return in_; }
    ImageShape output_image() const { return out_; }
    int size() const { return size_; }
    // ---- a few images at a time (ConvPool2D): begin_rows(B, Y) sizes Y and the argmax for a
    // batch of B; forward_rows(X, first, count, Y) pools images first … first+count−1, read from
    // X (count × H·W·C), into their rows of Y; backward_rows(dY, first, count, dX) writes their
    // input gradient into dX (count × H·W·C). forward and backward are these over the batch.
    void begin_rows(std::size_t batch, Matrix& Y);
    void forward_rows(const float* X, std::size_t first, std::size_t count, Matrix& Y);
    void backward_rows(const Matrix& dY, std::size_t first, std::size_t count, float* dX);

    // ---- the ReLU after the pool, fused (ConvPool2D builds it so, net_spec.hpp): with
    // set_relu_after(true) forward outputs max(·, 0) of every pooled value and backward passes
    // a gradient only where that output is > 0 — the numbers of a separate Relu layer after this
    // one, without its two passes over the batch. Backward then reads this layer's output Y,
    // which the network keeps until backward (as it keeps every layer's input for the next).
    void set_relu_after(bool on) { relu_after_ = on; }
    bool relu_after() const { return relu_after_; }
    // argmax()[n·(Ho·Wo·C) + j]: position of output j's maximum in sample n's input row.
    const std::vector<std::int32_t>& argmax() const { return argmax_; }
    // Forward + backward time since the last reset, for the epoch's breakdown. The trainer
    // resets every layer's per-epoch tallies through reset_gemm_stats(), so this one does too.
    double seconds() const { return seconds_; }
    void reset_gemm_stats() override { seconds_ = 0; }

private:
    ImageShape in_, out_;
    int size_;
    std::vector<std::int32_t> argmax_;
    std::size_t rows_ = 0;  // batch size of the last forward
    bool relu_after_ = false;
    const Matrix* output_ = nullptr;  // Y of the last forward (read by backward when relu_after_)
    double seconds_ = 0;
};

// One sample: x (H·W·C) → y (Ho·Wo·C) and the argmax of every output, as the plain loop does.
namespace avx2 {  // call only when the CPU has AVX2 (max_pool2d_avx2.cpp)
void max_pool_image(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out, int size);
}  // namespace avx2
namespace avx512 {  // call only when the CPU has AVX-512F (max_pool2d_avx512.cpp)
// relu: the fused ReLU's max(·, 0) on every output (the argmax stays the window's maximum).
void max_pool_image(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out, int size, bool relu);
// Backward of one sample, dy (Ho·Wo·C) and its argmax → dx (H·W·C), all of dx written, for the
// shapes route_gradient_image_ok accepts (2×2 windows tiling the image, C ≤ 16). y: the
// sample's outputs when the ReLU is fused (the gradient passes only where y > 0), else nullptr.
bool route_gradient_image_ok(ImageShape in, int size);
void route_gradient_image(const float* dy, const std::int32_t* arg, const float* y, float* dx, ImageShape in,
                          ImageShape out);
}  // namespace avx512

}  // namespace hw
