// optimizer_avx2.cpp — Adam's element-wise update, eight floats at a time with AVX2 + FMA.
// Compiled with -mavx2 -mfma (the Makefile's *_avx2 rule); only called after
// __builtin_cpu_supports("avx2") and ("fma") said yes.
#include <immintrin.h>

#include <cmath>

#include "optimizer_kernels.hpp"

namespace hw::detail {

void adam_update_avx2(float* w, const float* g, float* m, float* v, std::size_t n,
                      const AdamCoefficients& k) {
    const __m256 b1 = _mm256_set1_ps(k.beta1), one_minus_b1 = _mm256_set1_ps(1.0f - k.beta1);
    const __m256 b2 = _mm256_set1_ps(k.beta2), one_minus_b2 = _mm256_set1_ps(1.0f - k.beta2);
    const __m256 step = _mm256_set1_ps(k.step), c2 = _mm256_set1_ps(k.c2);
    const __m256 eps = _mm256_set1_ps(k.epsilon);
    std::size_t i = 0;
    // BEGIN SOLUTION 10 the Adam step, eight floats at a time
    for (; i + 8 <= n; i += 8) {
        const __m256 gi = _mm256_loadu_ps(g + i);
        // m = β1·m + (1−β1)·g
        const __m256 mi = _mm256_fmadd_ps(b1, _mm256_loadu_ps(m + i), _mm256_mul_ps(one_minus_b1, gi));
        // v = β2·v + (1−β2)·g²
        const __m256 vi = _mm256_fmadd_ps(b2, _mm256_loadu_ps(v + i),
                                          _mm256_mul_ps(one_minus_b2, _mm256_mul_ps(gi, gi)));
        // w −= step · m / (sqrt(c2·v) + ε)
        const __m256 denom = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, c2)), eps);
        const __m256 wi = _mm256_fnmadd_ps(step, _mm256_div_ps(mi, denom), _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(w + i, wi);
    }
    // ELSE
    // (void)b1, (void)one_minus_b1, (void)b2, (void)one_minus_b2, (void)step, (void)c2, (void)eps;
    // i = n - n % 8;  // the vector loop goes here; the portable tail below does the last n % 8
    // END SOLUTION
    if (i < n) adam_update_portable(w + i, g + i, m + i, v + i, n - i, k);
}

}  // namespace hw::detail
