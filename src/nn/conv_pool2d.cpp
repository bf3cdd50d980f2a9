// conv_pool2d.cpp — a convolution and its max-pool, group by group on the direct path.
#include "handwritten/nn/conv_pool2d.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "handwritten/gemm/gemm.hpp"

namespace hw {

ConvPool2D::ConvPool2D(std::unique_ptr<Conv2D> conv, std::unique_ptr<MaxPool2D> pool)
    : conv_(std::move(conv)), pool_(std::move(pool)) {
    if (!(pool_->input_image() == conv_->geometry().output()))
        throw std::invalid_argument(pool_->name() + " cannot follow " + conv_->name());
}

namespace {

// HW_CONV_GROUP=N in the environment: N images per group for every ConvPool2D (0 when unset).
int group_from_environment() {
    static const int images = [] {
        const char* text = std::getenv("HW_CONV_GROUP");
        if (!text || !*text) return 0;
        char* end = nullptr;
        const long n = std::strtol(text, &end, 10);
        if (*end != '\0' || n < 1 || n > 1000000)
            throw std::invalid_argument(std::string("HW_CONV_GROUP must be a number of images from 1 to 1000000, got '") +
                                        text + "'");
        return static_cast<int>(n);
    }();
    return images;
}

}  // namespace

int ConvPool2D::group_images(std::size_t batch) const {
    if (group_override_ > 0) return group_override_;
    if (const int images = group_from_environment()) return images;
    const std::size_t image_bytes = conv_->geometry().output().size() * sizeof(float);
    // Each thread convolves and pools its share of a group in its own core's L2.
    const std::size_t threads = std::size_t(std::max(1, gemm_threads()));
    const std::size_t fit = std::max<std::size_t>(1, kGroupBytes / image_bytes) * threads;
    return static_cast<int>(std::min<std::size_t>(fit, std::max<std::size_t>(batch, 1)));
}

void ConvPool2D::forward(const Matrix& X, Matrix& Y, bool training) {
    grouped_ = conv_direct_enabled();
    rows_ = X.rows();
    if (!grouped_) {  // layer by layer, through the whole batch
        conv_->forward(X, conv_out_, training);
        pool_->forward(conv_out_, Y, training);
        return;
    }
    const int B = static_cast<int>(X.rows()), group = group_images(X.rows());
    conv_->forward_begin(X);  // checks X, pads the batch, packs the kernels
    pool_->begin_rows(X.rows(), Y);
    ensure_shape(conv_out_, std::size_t(group), conv_->geometry().output().size());
    for (int n0 = 0; n0 < B; n0 += group) {
        const int n1 = std::min(B, n0 + group);
        // conv_out_ ((n1−n0) × Ho·Wo·C_out) is written, then pooled into rows n0 … n1−1 of Y
        conv_->forward_images(n0, n1, conv_out_.data());
        pool_->forward_rows(conv_out_.data(), std::size_t(n0), std::size_t(n1 - n0), Y);
    }
}

void ConvPool2D::backward(const Matrix& dY, Matrix& dX) {
    conv_->set_input_grad_needed(input_grad_needed_);
    if (!grouped_) {
        pool_->backward(dY, conv_grad_);
        conv_->backward(conv_grad_, dX);
        return;
    }
    if (dY.rows() != rows_ || dY.cols() != pool_->output_image().size() || !conv_->took_direct_path())
        throw std::logic_error(name() + ": backward without a matching forward");
    const int B = static_cast<int>(dY.rows()), group = group_images(dY.rows());
    ensure_shape(conv_grad_, std::size_t(group), conv_->geometry().output().size());
    if (input_grad_needed_) ensure_shape(dX, dY.rows(), conv_->geometry().input.size());
    for (int n0 = 0; n0 < B; n0 += group) {
        const int n1 = std::min(B, n0 + group);
        // dY rows n0 … n1−1 → the group's conv gradient → its share of dW, db and its rows of dX
        pool_->backward_rows(dY, std::size_t(n0), std::size_t(n1 - n0), conv_grad_.data());
        conv_->backward_images(n0, n1, conv_grad_.data(), input_grad_needed_ ? dX.row(std::size_t(n0)) : nullptr);
    }
    conv_->backward_end();
}

std::string ConvPool2D::name() const {
    const ImageShape out = pool_->output_image();
    return conv_->name() + " · maxpool " + std::to_string(pool_->size()) + "x" + std::to_string(pool_->size()) + " → " +
           out.to_string() + (pool_->relu_after() ? " · relu" : "");
}

Shape ConvPool2D::output_shape(const Shape& input) const {
    return pool_->output_shape(conv_->output_shape(input));
}

void ConvPool2D::reset_gemm_stats() {
    conv_->reset_gemm_stats();
    pool_->reset_gemm_stats();
}

}  // namespace hw
