// im2col.hpp — unrolling the windows of a convolution into the rows of a matrix, and back.
//
// A convolution computes, at every output pixel, the dot product of the kernel with the
// window of input under it (a sliding dot product). im2col copies every window into one row,
// so all those dot products become ONE matrix product with the kernels (conv2d.hpp):
//
//     images: count × (H·W·C)        one NHWC image per row (image_shape.hpp)
//     cols:   (count·Ho·Wo) × K      K = KH·KW·C; row (n, oy, ox) is the window of output
//                                    pixel (oy, ox) of image n, in the order (ky, kx, c)
//
//     cols[(n·Ho + oy)·Wo + ox][(ky·KW + kx)·C + c] = image n at (oy·S − P + ky, ox·S − P + kx, c)
//                                                     or 0 where that falls in the padding
//
// with stride S, padding P and Ho = (H + 2P − KH)/S + 1 (rounded down), likewise Wo. Because
// the image is channel-last, each (ky, kx) step copies C contiguous floats.
//
// col2im is its adjoint (the transpose of the linear map im2col): every entry of cols is ADDED
// back onto the pixel it was copied from, so a pixel covered by w windows receives w
// contributions. That is exactly what the backward pass needs: ∂loss/∂pixel is the sum over
// every window the pixel took part in.
//
// The cost: every pixel is copied once per window covering it, about KH·KW/S² times — 25× for
// a 5×5 kernel at stride 1. That memory traffic is the price of running on a fast GEMM.
#pragma once
#include <string>

#include "handwritten/nn/image_shape.hpp"

namespace hw {

struct ConvGeometry {
    ImageShape input;            // H × W × C of one sample
    int kernel_h = 1, kernel_w = 1;
    int stride = 1, pad = 0;     // the same in both directions
    int out_channels = 1;

    int out_h() const { return (input.height + 2 * pad - kernel_h) / stride + 1; }
    int out_w() const { return (input.width + 2 * pad - kernel_w) / stride + 1; }
    int positions() const { return out_h() * out_w(); }                  // Ho·Wo
    int patch_size() const { return kernel_h * kernel_w * input.channels; }  // K
    ImageShape output() const { return {out_h(), out_w(), out_channels}; }
    // Positive sizes, stride ≥ 1, 0 ≤ pad < kernel, and a kernel that fits the padded input.
    // std::invalid_argument naming the problem otherwise.
    void validate() const;
    std::string to_string() const;  // "5x5 s1 p2, 28x28x1 → 28x28x32"
};

// images (count × H·W·C) → cols ((count·Ho·Wo) × K). cols must hold count·Ho·Wo·K floats.
// Split over the GEMM threads by image (every entry is a copy, so the split changes nothing).
void im2col(const ConvGeometry& g, const float* images, int count, float* cols);

// The adjoint: images (count × H·W·C) = Σ of the cols entries copied from each pixel.
// images is overwritten (zeroed first). Split by image, each image summed in a fixed order.
void col2im(const ConvGeometry& g, const float* cols, int count, float* images);

}  // namespace hw
