// max_pool2d.cpp — max pooling with the argmax kept, channel-last.
//
// In NHWC the C channels of one input pixel are consecutive, so the inner loops run over c:
// the first pixel of the window initialises C running maxima, the others update them with a
// strict > (first maximum wins on ties). Loops over samples are split over the GEMM threads
// (each output is computed the same way on any thread).
#include "handwritten/nn/max_pool2d.hpp"

#include <cstring>
#include <stdexcept>

#include "handwritten/core/parallel.hpp"
#include "handwritten/core/timer.hpp"

namespace hw {

MaxPool2D::MaxPool2D(const ImageShape& input, int size) : in_(input), size_(size) {
    if (size < 1) throw std::invalid_argument("max-pool size must be at least 1");
    if (input.height < size || input.width < size)
        throw std::invalid_argument("a " + std::to_string(size) + "x" + std::to_string(size) +
                                    " max-pool does not fit the " + input.to_string() + " input");
    out_ = {input.height / size, input.width / size, input.channels};
}

void MaxPool2D::forward(const Matrix& X, Matrix& Y, bool /*training*/) {
    if (X.cols() != in_.size())
        throw std::invalid_argument(name() + ": input has " + std::to_string(X.cols()) +
                                    " values per sample, expected " + std::to_string(in_.size()));
    Stopwatch clock;
    const std::size_t B = X.rows(), out_floats = out_.size();
    ensure_shape(Y, B, out_floats);
    argmax_.resize(B * out_floats);
    rows_ = B;
    const int C = in_.channels, W = in_.width;
    // BEGIN SOLUTION
    parallel_slices(B, 8, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            const float* x = X.row(n);
            float* y = Y.row(n);
            std::int32_t* arg = argmax_.data() + n * out_floats;
            for (int oy = 0; oy < out_.height; ++oy)
                for (int ox = 0; ox < out_.width; ++ox) {
                    const std::size_t o = (std::size_t(oy) * out_.width + ox) * C;
                    for (int ky = 0; ky < size_; ++ky)
                        for (int kx = 0; kx < size_; ++kx) {
                            const std::int32_t p = ((oy * size_ + ky) * W + (ox * size_ + kx)) * C;
                            const bool first = ky == 0 && kx == 0;
                            for (int c = 0; c < C; ++c)
                                if (first || x[p + c] > y[o + c]) {
                                    y[o + c] = x[p + c];
                                    arg[o + c] = p + c;
                                }
                        }
                }
        }
    });
    // END SOLUTION
    seconds_ += clock.seconds();
}

void MaxPool2D::backward(const Matrix& dY, Matrix& dX) {
    if (rows_ == 0 || dY.rows() != rows_ || dY.cols() != out_.size())
        throw std::logic_error(name() + ": backward without a matching forward");
    if (!input_grad_needed_) return;
    Stopwatch clock;
    const std::size_t B = dY.rows(), out_floats = out_.size();
    ensure_shape(dX, B, in_.size());
    // BEGIN SOLUTION
    parallel_slices(B, 8, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            float* dx = dX.row(n);
            const float* g = dY.row(n);
            const std::int32_t* arg = argmax_.data() + n * out_floats;
            std::memset(dx, 0, in_.size() * sizeof(float));
            for (std::size_t j = 0; j < out_floats; ++j) dx[arg[j]] += g[j];
        }
    });
    // END SOLUTION
    seconds_ += clock.seconds();
}

Shape MaxPool2D::output_shape(const Shape& input) const {
    if (input.size() != in_.size())
        throw std::invalid_argument(name() + ": takes " + in_.to_string() + " samples, gets " + input.to_string());
    return out_.to_shape();
}

std::string MaxPool2D::name() const {
    return "maxpool " + std::to_string(size_) + "x" + std::to_string(size_) + ", " + in_.to_string() + " → " +
           out_.to_string();
}

}  // namespace hw
