// conv2d.hpp — the 2-D convolution layer, as im2col followed by one GEMM (Caffe's method).
//
// Shapes (B = batch size, one NHWC image per row, see image_shape.hpp; K = KH·KW·C_in):
//     X: B × (H·W·C_in)    W: C_out × K    b: 1 × C_out    →    Y: B × (Ho·Wo·C_out)
//
//     Y[n, oy, ox, o] = b[o] + Σ_{ky,kx,c} W[o, (ky·KW + kx)·C_in + c] · X[n, oy·S−P+ky, ox·S−P+kx, c]
//
// (a cross-correlation, as in every deep-learning library; the kernel is not flipped).
// With cols = im2col(X) of shape (B·Ho·Wo) × K (im2col.hpp), the whole layer is
//
//     forward:   Y   = cols · Wᵀ            (B·Ho·Wo)×K · K×C_out  → (B·Ho·Wo)×C_out = Y in NHWC
//     backward:  dW  = dYᵀ · cols           C_out×(B·Ho·Wo) · (B·Ho·Wo)×K → C_out×K
//                db  = Σ_rows dY            1×C_out
//                dX  = col2im(dY · W)       (B·Ho·Wo)×C_out · C_out×K → cols' shape → B×(H·W·C_in)
//
// When the whole batch's cols fit in kKeepBudget floats (16 MB: LeNet-5's layers and the first
// layer of `cnn` at batch 128), they are built once by forward and kept for backward. Otherwise
// (the 5×5×32→64 layer: 77 MB at batch 128) the batch goes through in chunks of whole images,
// sized so one chunk's cols stay near kColsBudget floats (4 MB, in cache), and backward runs
// im2col again chunk by chunk: one more copy instead of 77 MB of memory. dW is accumulated over
// the chunks in order (GEMM with β = 1), so the result does not depend on the thread count.
//
// On a CPU with AVX2 or AVX-512 the layer computes the same three products without cols
// (conv_direct.hpp): forward and dW read the windows straight from a zero-padded copy of the
// batch (kept from forward to backward, ~1.3× the input instead of ~25×; with no padding, from
// the input itself), and dX adds the tiles of dY · W straight onto the padded pixels (col2im
// fused into the product; with no padding, onto dX). CPUs without AVX2
// and HW_CONV=im2col take im2col + GEMM.
#pragma once
#include <string>

#include "handwritten/core/random.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_stats.hpp"
#include "handwritten/nn/conv_direct.hpp"
#include "handwritten/nn/im2col.hpp"
#include "handwritten/nn/init.hpp"
#include "handwritten/nn/layer.hpp"

namespace hw {

// Time spent outside the products of a convolution, for the epoch's breakdown. The direct path
// counts its zero-padded copies of X as pad_seconds (there is no im2col or col2im there).
struct ConvCopyTimes {
    double im2col_seconds = 0, col2im_seconds = 0, pad_seconds = 0;
};

class Conv2D : public Layer {
public:
    // Floats of cols per chunk the layer aims for (at least one image per chunk).
    static constexpr std::size_t kColsBudget = std::size_t(1) << 20;
    // Floats of cols up to which the whole batch is one chunk, kept from forward to backward.
    static constexpr std::size_t kKeepBudget = std::size_t(4) << 20;

    // `index` numbers the layer: parameters are "conv<index>.W" and "conv<index>.b".
    explicit Conv2D(const ConvGeometry& geometry, int index = 0);

    // W from the chosen distribution with fan_in = K, fan_out = KH·KW·C_out; b = 0.
    void initialize(Init init, Rng& rng);

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::vector<Param> params() override;
    std::string name() const override;
    std::optional<Shape> fixed_input_shape() const override { return g_.input.to_shape(); }
    Shape output_shape(const Shape& input) const override;  // {Ho, Wo, C_out}
    std::size_t parameter_count() const override { return W_.size() + b_.size(); }
    GemmStats gemm_stats() const override { return gemm_; }
    void reset_gemm_stats() override { gemm_ = {}; copies_ = {}; }

    const ConvGeometry& geometry() const { return g_; }
    Matrix& weights() { return W_; }  // C_out × K, row o = kernel o in (ky, kx, c) order
    Matrix& bias() { return b_; }     // 1 × C_out
    const Matrix& weights() const { return W_; }
    const Matrix& weight_grad() const { return dW_; }
    const Matrix& bias_grad() const { return db_; }
    int images_per_chunk(int batch) const;

    // ---- the direct path a few images at a time (ConvPool2D pools each group while it is in
    // cache). Only while conv_direct_enabled(). forward_begin(X) pads the whole batch and packs
    // the kernels; forward_images(n0, n1, Y) then writes images [n0, n1) into Y ((n1−n0) ×
    // Ho·Wo·C_out). backward_images(n0, n1, dY, dX) adds those images' share of dW and db
    // (n0 == 0 starts them; the groups must come in order) and, unless dX is nullptr, writes
    // their rows of dX; backward_end() finishes dW. The sums run image by image, so the
    // grouping changes no bit of the result: forward and backward are these with one group.
    void forward_begin(const Matrix& X);
    void forward_images(int n0, int n1, float* Y);
    void backward_images(int n0, int n1, const float* dY, float* dX);
    void backward_end();

    const ConvCopyTimes& copy_times() const { return copies_; }  // since reset_gemm_stats()
    // Whether the last forward (and so the next backward) took the direct path.
    bool took_direct_path() const { return direct_; }

private:
    // C (m×n, ldc) = op(A)·op(B) + beta·C on raw rows, timed and counted into gemm_.
    void gemm(Op op_a, Op op_b, int m, int n, int k, const float* A, int lda, const float* B, int ldb,
              float beta, float* C, int ldc);
    void check_input(const Matrix& X) const;
    // The direct path (conv_direct.hpp): the whole batch at once, no chunks.
    void forward_direct(const Matrix& X, Matrix& Y);
    void backward_direct(const Matrix& dY, Matrix& dX);
    void count_product(double seconds, double m, double n, double k);
    // Direct path: image n of those the windows read, the padded copy or, without padding, X itself.
    const float* window_image(int n) const;

    ConvGeometry g_;
    int index_;
    Matrix W_, b_, dW_, db_;
    Matrix cols_, dcols_;            // one chunk: (images·Ho·Wo) × K
    bool cols_hold_batch_ = false;   // forward left the whole batch's cols in cols_
    const Matrix* input_ = nullptr;  // X of the last forward (backward runs im2col on it again)
    bool direct_ = false;            // the last forward took the direct path
    Matrix padded_;                  // direct path: the batch, zero-padded (B × Hp·Wp·C), when pad > 0
    Matrix padded_grad_;             // direct path: dX with respect to the padded copy, when pad > 0
    Matrix packed_;                  // direct path: the kernels packed for forward
    Matrix weight_grad_work_;        // direct path: dW's partial sums
    GemmStats gemm_;
    ConvCopyTimes copies_;
};

}  // namespace hw
