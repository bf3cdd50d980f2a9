// conv_pool2d.hpp — a convolution and the max-pool right after it, run a few images at a time.
//
//     X: B × (H·W·C_in)  →  conv (Conv2D)  →  B × (Ho·Wo·C_out)  →  max-pool (MaxPool2D)  →  Y
//
// The numbers are exactly those of the two layers one after the other. What changes is where
// the convolution's output lives. Layer by layer, the `cnn` network's first convolution writes
// 128 × 28·28·32 floats (12.8 MB) for a batch: far more than the 1 MB L2, so they go out to
// L3 or memory and come back for the pool, and in backward the pool's 12.8 MB gradient makes
// the same round trip. Here the direct path (conv_direct.hpp) runs the pair on groups of
// images whose convolution output fits in about half of each core's L2 (kGroupBytes): convolve a group,
// pool it while it is in cache, go on; backward routes the group's gradient through the pool
// and straight into the convolution's dW, db and dX. The big map never exists: one group's
// worth is reused.
//
// Every sum of the convolution's backward runs image by image (conv2d.hpp), so the grouping
// changes no bit of the result. On the im2col route (method "im2col") the pair runs whole-batch,
// layer by layer, through the same two objects.
//
// hw::build_network makes one of these for every convolution directly followed by a max-pool
// (after it has put "relu,pool" in the order pool, ReLU: net_spec.hpp), and gives it the ReLU
// that follows, which the pool then applies (MaxPool2D::set_relu_after). The parameters are the
// convolution's ("conv0.W", "conv0.b"), so model files do not change.
#pragma once
#include <memory>

#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/max_pool2d.hpp"

namespace hw {

class ConvPool2D : public Layer {
public:
    // One group's convolution output per thread, at most (at least one image per group).
    static constexpr std::size_t kGroupBytes = std::size_t(512) << 10;

    // The pool must take the convolution's output shape (std::invalid_argument otherwise).
    ConvPool2D(std::unique_ptr<Conv2D> conv, std::unique_ptr<MaxPool2D> pool);

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::vector<Param> params() override { return conv_->params(); }
    std::string name() const override;  // "conv0 5x5 s1 p2, 28x28x1 → 28x28x32 · maxpool 2x2 → 14x14x32"
    std::optional<Shape> fixed_input_shape() const override { return conv_->fixed_input_shape(); }
    Shape output_shape(const Shape& input) const override;
    std::size_t parameter_count() const override { return conv_->parameter_count(); }
    GemmStats gemm_stats() const override { return conv_->gemm_stats(); }
    void reset_gemm_stats() override;

    const Conv2D& conv() const { return *conv_; }
    const MaxPool2D& pool() const { return *pool_; }
    // Images per group for a batch: the most whose convolution output fits kGroupBytes, times
    // the GEMM threads (each convolves and pools its share in its own L2; fewer, larger groups
    // also mean fewer parallel regions, which measured faster at 2 threads), or
    // set_group_images(n) when n > 0 (tests use it to make several groups of a small batch), or
    // HW_CONV_GROUP=n in the environment (HW_CONV_GROUP=128 at batch 128: one group, the whole
    // batch's map, as layer by layer; std::invalid_argument for a value that is not 1 … 10⁶).
    int group_images(std::size_t batch) const;
    void set_group_images(int images) { group_override_ = images; }

private:
    std::unique_ptr<Conv2D> conv_;
    std::unique_ptr<MaxPool2D> pool_;
    Matrix conv_out_;   // one group's convolution output (grouped), or the batch's (im2col route)
    Matrix conv_grad_;  // its gradient
    int group_override_ = 0;
    bool grouped_ = false;  // the last forward ran in groups
    std::size_t rows_ = 0;  // its batch size
};

}  // namespace hw
