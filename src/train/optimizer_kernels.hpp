// optimizer_kernels.hpp — the element-wise inner loop of Adam, in a portable and an AVX2 form
// (private to src/: optimizer.cpp picks one at run time).
//
// Why a hand-vectorised version at all: Adam needs a square root per weight, and without
// -fno-math-errno the compiler must keep std::sqrt scalar (it might have to set errno), so the
// loop runs ~8× slower than it could — a visible slice of an epoch for 200k weights × 469 steps.
#pragma once
#include <cstddef>

namespace hw::detail {

// For i in [0, n):  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
//                   w −= step · m / (sqrt(v · c2) + ε)
// with step = lr/(1−β1^t) and c2 = 1/(1−β2^t) (the bias corrections folded in).
struct AdamCoefficients {
    float beta1, beta2, step, c2, epsilon;
};
void adam_update_portable(float* w, const float* g, float* m, float* v, std::size_t n,
                          const AdamCoefficients& k);
void adam_update_avx2(float* w, const float* g, float* m, float* v, std::size_t n,
                      const AdamCoefficients& k);

}  // namespace hw::detail
