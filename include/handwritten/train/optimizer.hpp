// optimizer.hpp — turning gradients into parameter updates: SGD with momentum, and Adam.
//
// An optimizer sees the network as a list of hw::Param (value + gradient) and updates every
// value in place. Its per-parameter state (velocity, moments) is kept in the ORDER of that
// list, created on the first step and checked (count and shapes) on every later one.
//
//   SGD with momentum μ (PyTorch's form):     v ← μ·v + g          w ← w − lr·v
//     Nesterov:                                v ← μ·v + g          w ← w − lr·(g + μ·v)
//     (μ = 0 is plain mini-batch gradient descent)
//
//   Adam (Kingma & Ba 2015), step t = 1, 2, ...:
//     m ← β1·m + (1−β1)·g                    running mean of the gradient       ("momentum")
//     v ← β2·v + (1−β2)·g²                   running mean of its square          (its scale)
//     m̂ = m / (1−β1^t),  v̂ = v / (1−β2^t)   bias correction: m, v start at 0
//     w ← w − lr · m̂ / (sqrt(v̂) + ε)
//   Each weight gets its own step size lr/sqrt(v̂): large where gradients are small and steady,
//   small where they are large or noisy. ε = 1e-7 as in Keras (PyTorch uses 1e-8).
//
// The learning rate is an argument of step(), not a member, so a schedule can change it
// every epoch (or batch) without touching the optimizer.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "handwritten/nn/layer.hpp"

namespace hw {

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // Updates every params[i].value from params[i].grad with learning rate lr.
    virtual void step(const std::vector<Param>& params, float lr) = 0;
    virtual std::string name() const = 0;
    // Forgets all state (as if freshly constructed).
    virtual void reset() = 0;
};

class Sgd : public Optimizer {
public:
    explicit Sgd(float momentum = 0.0f, bool nesterov = false);
    void step(const std::vector<Param>& params, float lr) override;
    std::string name() const override;
    void reset() override { velocity_.clear(); }

private:
    float momentum_;
    bool nesterov_;
    std::vector<Matrix> velocity_;  // one per Param, same shape
};

class Adam : public Optimizer {
public:
    explicit Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f);
    void step(const std::vector<Param>& params, float lr) override;
    std::string name() const override;
    void reset() override;
    long steps() const { return t_; }

private:
    float beta1_, beta2_, epsilon_;
    long t_ = 0;
    std::vector<Matrix> m_, v_;  // first and second moments, one per Param
};

struct OptimizerOptions {
    std::string name = "adam";  // "adam" | "sgd"
    float momentum = 0.9f;      // sgd
    bool nesterov = false;      // sgd
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;  // adam
};
// std::invalid_argument on an unknown name.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

}  // namespace hw
