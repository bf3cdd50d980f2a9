// dense.hpp — the fully connected layer Y = X·W + b, on hw::sgemm.
//
// Shapes (B = batch size):
//     X: B×in    W: in×out    b: 1×out    →    Y = X·W + b : B×out
//
// W is stored in×out (one row per input), so forward is a plain GEMM and backward needs the
// two transposed products that sgemm's Op flags give without copying anything:
//
//     dW = Xᵀ·dY       in×B · B×out → in×out     sgemm(Op::T, Op::N, ...)
//     db = Σ_rows dY   1×out (a column sum, a tight loop)
//     dX = dY·Wᵀ       B×out · out×in → B×in     sgemm(Op::N, Op::T, ...)
//
// What it is not: a general affine layer with its own threading; all parallelism comes from
// hw::sgemm (set with hw::set_gemm_threads).
#pragma once
#include <string>

#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_stats.hpp"
#include "handwritten/nn/layer.hpp"
#include "handwritten/core/random.hpp"

namespace hw {

// Weight initialisations. He (Kaiming) keeps the variance of ReLU activations constant from
// layer to layer: Var(w) = 2/in. Xavier (Glorot) balances forward and backward variance:
// Var(w) = 2/(in+out); Keras' default Dense initialiser is Xavier-uniform. Biases start at 0.
enum class Init { HeNormal, HeUniform, XavierNormal, XavierUniform };
// "he-normal", "he-uniform", "xavier-normal", "xavier-uniform" (std::invalid_argument otherwise).
Init parse_init(const std::string& name);
std::string init_name(Init init);

class Dense : public Layer {
public:
    // `index` numbers the layer in its network: parameters are called "dense<index>.W/.b".
    Dense(int in, int out, int index = 0);

    // Draws W from the chosen distribution (and zeros b).
    void initialize(Init init, Rng& rng);

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::vector<Param> params() override;
    std::string name() const override;
    std::optional<Shape> fixed_input_shape() const override { return Shape{in_}; }
    Shape output_shape(const Shape& input) const override;  // {out}; throws unless input has `in` values
    std::size_t parameter_count() const override { return W_.size() + b_.size(); }
    GemmStats gemm_stats() const override { return gemm_; }
    void reset_gemm_stats() override { gemm_ = {}; }

    int in() const { return in_; }
    int out() const { return out_; }
    Matrix& weights() { return W_; }  // in×out
    Matrix& bias() { return b_; }     // 1×out
    const Matrix& weights() const { return W_; }
    const Matrix& bias() const { return b_; }
    const Matrix& weight_grad() const { return dW_; }
    const Matrix& bias_grad() const { return db_; }

private:
    // hw::sgemm on whole matrices, timed and counted into gemm_.
    void gemm(Op op_a, Op op_b, int m, int n, int k, const Matrix& A, const Matrix& B, Matrix& C);

    int in_, out_, index_;
    Matrix W_, b_, dW_, db_;
    const Matrix* input_ = nullptr;  // X of the last forward (needed for dW = Xᵀ·dY)
    GemmStats gemm_;
};

}  // namespace hw
