// vector_ops.cpp — portable matvec / matvec_t / rank-1 update, and the run-time dispatch.
//
// The portable loops are written so the compiler can vectorise the two "axpy" shaped ones
// (matvec_t, rank1: independent updates of a contiguous row) with plain SSE2. The dot product
// in matvec is a reduction, which the compiler may not reorder without -ffast-math, so it keeps
// four partial sums by hand.
#include "handwritten/nn/vector_ops.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace hw {

namespace portable {

void matvec(const float* W, int m, int n, const float* x, float* y) {
    for (int i = 0; i < m; ++i) {
        const float* w = W + static_cast<long>(i) * n;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;  // four chains hide the add latency
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += w[j] * x[j];
            s1 += w[j + 1] * x[j + 1];
            s2 += w[j + 2] * x[j + 2];
            s3 += w[j + 3] * x[j + 3];
        }
        for (; j < n; ++j) s0 += w[j] * x[j];
        y[i] = (s0 + s1) + (s2 + s3);
    }
}

void matvec_t(const float* W, int m, int n, const float* x, float* y) {
    for (int j = 0; j < n; ++j) y[j] = 0.0f;
    for (int i = 0; i < m; ++i) {
        const float xi = x[i];
        if (xi == 0.0f) continue;  // a blank pixel contributes nothing
        const float* w = W + static_cast<long>(i) * n;
        for (int j = 0; j < n; ++j) y[j] += xi * w[j];
    }
}

void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v) {
    for (int i = 0; i < m; ++i) {
        if (u[i] == 0.0f) continue;
        const float a = alpha * u[i];
        float* w = W + static_cast<long>(i) * n;
        for (int j = 0; j < n; ++j) w[j] += a * v[j];
    }
}

void sigmoid_inplace(float* v, int n) {
    for (int i = 0; i < n; ++i) {
        // For z < 0, e^(−z) could overflow; e^z/(1+e^z) is the same number computed safely.
        const float z = v[i];
        if (z >= 0) {
            v[i] = 1.0f / (1.0f + std::exp(-z));
        } else {
            const float e = std::exp(z);
            v[i] = e / (1.0f + e);
        }
    }
}

}  // namespace portable

namespace {

struct Kernels {
    void (*matvec)(const float*, int, int, const float*, float*);
    void (*matvec_t)(const float*, int, int, const float*, float*);
    void (*rank1)(float*, int, int, float, const float*, const float*);
    void (*sigmoid)(float*, int);
    const char* name;
};

constexpr Kernels kPortable = {portable::matvec, portable::matvec_t, portable::rank1_update,
                               portable::sigmoid_inplace, "portable"};
constexpr Kernels kAvx2 = {avx2::matvec, avx2::matvec_t, avx2::rank1_update, avx2::sigmoid_inplace,
                           "avx2"};

bool cpu_has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Chosen once, on first use: AVX2 when the CPU has it, unless HW_SIMD=portable.
const Kernels*& active() {
    static const Kernels* k = [] {
        const char* env = std::getenv("HW_SIMD");
        if (env && std::strcmp(env, "portable") == 0) return &kPortable;
        return cpu_has_avx2() ? &kAvx2 : &kPortable;
    }();
    return k;
}

}  // namespace

void matvec(const float* W, int m, int n, const float* x, float* y) {
    active()->matvec(W, m, n, x, y);
}
void matvec_t(const float* W, int m, int n, const float* x, float* y) {
    active()->matvec_t(W, m, n, x, y);
}
void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v) {
    active()->rank1(W, m, n, alpha, u, v);
}

void sigmoid_inplace(float* v, int n) { active()->sigmoid(v, n); }

std::string vector_isa() { return active()->name; }

bool set_vector_isa(const std::string& name) {
    if (name == "portable") {
        active() = &kPortable;
        return true;
    }
    if (name == "avx2" && cpu_has_avx2()) {
        active() = &kAvx2;
        return true;
    }
    return false;
}

}  // namespace hw
