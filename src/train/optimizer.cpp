// optimizer.cpp — SGD (with momentum / Nesterov) and Adam, updating parameters in place.
//
// Every update is element-wise, so large tensors are split over the GEMM threads: each element
// is computed by the same formula whichever thread owns it, so results do not depend on the
// thread count (no reductions here).
#include "handwritten/train/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include "handwritten/core/flush_denormals.hpp"
#include "handwritten/core/parallel.hpp"
#include "optimizer_kernels.hpp"

namespace hw {

namespace {

// Creates zero state shaped like each parameter on the first step; afterwards checks that the
// parameter list still matches (same count, same shapes, in the same order).
void match_state(std::vector<Matrix>& state, const std::vector<Param>& params, const char* who) {
    if (state.empty()) {
        for (const Param& p : params) state.emplace_back(p.value->rows(), p.value->cols());
        return;
    }
    if (state.size() != params.size())
        throw std::logic_error(std::string(who) + ": the parameter list changed between steps");
    for (std::size_t i = 0; i < params.size(); ++i)
        if (state[i].rows() != params[i].value->rows() || state[i].cols() != params[i].value->cols())
            throw std::logic_error(std::string(who) + ": parameter '" + params[i].name + "' changed shape");
}

// Runs body(begin, end) over [0, n), split over the GEMM threads when n ≥ 64K elements (~15 µs
// of Adam on one thread; below that a parallel region's fork and join cost more than it saves).
// Slices are multiples of 16 floats, so SIMD loops see the same element grouping. Each slice runs
// with subnormals flushed to zero: decaying momenta pass through them, and on Intel cores every
// operation on one is a microcode assist (flush_denormals.hpp has the measurement).
template <class Body>
void for_slices(std::size_t n, Body body) {
    parallel_slices(n, std::size_t{1} << 16, 16, [&](std::size_t begin, std::size_t end) {
        const FlushDenormalsScope flush;
        body(begin, end);
    });
}

bool cpu_has_avx2_fma() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

}  // namespace

namespace detail {
void adam_update_portable(float* w, const float* g, float* m, float* v, std::size_t n,
                          const AdamCoefficients& k) {
    for (std::size_t i = 0; i < n; ++i) {
        // BEGIN SOLUTION 10 the Adam step
        m[i] = k.beta1 * m[i] + (1.0f - k.beta1) * g[i];
        v[i] = k.beta2 * v[i] + (1.0f - k.beta2) * (g[i] * g[i]);
        w[i] -= k.step * (m[i] / (std::sqrt(v[i] * k.c2) + k.epsilon));
        // END SOLUTION
    }
}
}  // namespace detail

// ---------------------------------------------------------------- SGD

Sgd::Sgd(float momentum, bool nesterov) : momentum_(momentum), nesterov_(nesterov) {
    if (momentum < 0.0f || momentum >= 1.0f) throw std::invalid_argument("sgd: momentum must be in [0, 1)");
}

std::string Sgd::name() const {
    if (momentum_ == 0.0f) return "sgd";
    return std::string(nesterov_ ? "sgd (nesterov momentum " : "sgd (momentum ") +
           std::to_string(momentum_).substr(0, 4) + ")";
}

void Sgd::step(const std::vector<Param>& params, float lr) {
    if (momentum_ == 0.0f) {  // plain gradient descent: w ← w − lr·g
        for (const Param& p : params) {
            float* w = p.value->data();
            const float* g = p.grad->data();
            for_slices(p.value->size(), [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) w[i] -= lr * g[i];
            });
        }
        return;
    }
    match_state(velocity_, params, "sgd");
    const float mu = momentum_;
    for (std::size_t k = 0; k < params.size(); ++k) {
        float* w = params[k].value->data();
        const float* g = params[k].grad->data();
        float* vel = velocity_[k].data();
        const bool nesterov = nesterov_;
        for_slices(params[k].value->size(), [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                // BEGIN SOLUTION 10 SGD with momentum (and Nesterov)
                vel[i] = mu * vel[i] + g[i];                          // v ← μ·v + g
                w[i] -= lr * (nesterov ? g[i] + mu * vel[i] : vel[i]);  // look ahead, or follow v
                // END SOLUTION
            }
        });
    }
}

// ---------------------------------------------------------------- Adam

Adam::Adam(float beta1, float beta2, float epsilon) : beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
    if (!(beta1 >= 0.0f && beta1 < 1.0f) || !(beta2 >= 0.0f && beta2 < 1.0f))
        throw std::invalid_argument("adam: beta1 and beta2 must be in [0, 1)");
    if (!(epsilon > 0.0f)) throw std::invalid_argument("adam: epsilon must be positive");
}

std::string Adam::name() const { return "adam"; }

void Adam::reset() {
    t_ = 0;
    m_.clear();
    v_.clear();
}

void Adam::step(const std::vector<Param>& params, float lr) {
    match_state(m_, params, "adam");
    match_state(v_, params, "adam");
    ++t_;
    // Bias corrections in double (β^t for t in the thousands), folded into two constants.
    const double c1 = 1.0 / (1.0 - std::pow(double(beta1_), double(t_)));
    const double c2 = 1.0 / (1.0 - std::pow(double(beta2_), double(t_)));
    const detail::AdamCoefficients k{beta1_, beta2_, static_cast<float>(lr * c1),
                                     static_cast<float>(c2), epsilon_};
    const auto update = cpu_has_avx2_fma() ? detail::adam_update_avx2 : detail::adam_update_portable;
    for (std::size_t i = 0; i < params.size(); ++i) {
        float* w = params[i].value->data();
        const float* g = params[i].grad->data();
        float* m = m_[i].data();
        float* v = v_[i].data();
        for_slices(params[i].value->size(), [&](std::size_t b, std::size_t e) {
            update(w + b, g + b, m + b, v + b, e - b, k);
        });
    }
}

// ---------------------------------------------------------------- factory

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& o) {
    if (o.name == "adam") return std::make_unique<Adam>(o.beta1, o.beta2, o.epsilon);
    if (o.name == "sgd") return std::make_unique<Sgd>(o.momentum, o.nesterov);
    throw std::invalid_argument("unknown optimizer '" + o.name + "' (expected adam or sgd)");
}

}  // namespace hw
