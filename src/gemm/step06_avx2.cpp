// step06_avx2.cpp — chapter 06: a 6×16 AVX2+FMA micro-kernel in the same loop nest.
//
// Compiled with -mavx2 -mfma (the Makefile's *_avx2.cpp rule); its code runs only after
// hw::gemm_avx2 (below, compiled without SIMD) or the dispatcher has checked
// __builtin_cpu_supports("avx2") and ("fma").
//
// Register arithmetic (16 ymm registers of 8 floats):
//   C tile 6×16 = 6 rows × 2 ymm = 12 accumulators
//   + 2 ymm for the current row of the B sliver (16 floats) + 1 for a broadcast A value = 15.
// Per k step: 2 loads of B, 6 broadcasts of A, 12 FMAs. An FMA has 4-cycle latency and two
// issue per cycle, so 4 × 2 = 8 independent accumulators are the minimum to keep both FMA
// pipes busy; 12 give slack. Each B value is reused 6 times and each A value 16 times
// (arithmetic intensity of the kernel: 12 FMAs per 8 loads).
#include <immintrin.h>

#include "handwritten/gemm/gemm_kernels.hpp"
#include "microkernel.hpp"
#include "pack.hpp"

namespace hw::detail {
namespace {

constexpr int kMR = 6, kNR = 16;

void avx2_kernel(int kc, const float* __restrict Ap, const float* __restrict Bp, float* C,
                 int ldc, float alpha, float beta, int m_eff, int n_eff) {
    __m256 acc[kMR][2];
#pragma GCC unroll 16
    for (int r = 0; r < kMR; ++r) {
        acc[r][0] = _mm256_setzero_ps();
        acc[r][1] = _mm256_setzero_ps();
    }

#pragma GCC unroll 4
    for (int p = 0; p < kc; ++p) {
        _mm_prefetch(reinterpret_cast<const char*>(Bp + 8 * kNR), _MM_HINT_T0);
        const __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 16
        for (int r = 0; r < kMR; ++r) {
            const __m256 a = _mm256_broadcast_ss(Ap + r);
            acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
        }
        Ap += kMR;
        Bp += kNR;
    }

    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (m_eff == kMR && n_eff == kNR) {
#pragma GCC unroll 16
        for (int r = 0; r < kMR; ++r) {
            float* c = C + long(r) * ldc;
            __m256 x0 = _mm256_mul_ps(acc[r][0], va), x1 = _mm256_mul_ps(acc[r][1], va);
            if (beta != 0.0f) {  // beta == 0: C is not read
                x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), x0);
                x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), x1);
            }
            _mm256_storeu_ps(c, x0);
            _mm256_storeu_ps(c + 8, x1);
        }
        return;
    }
    // Edge tile: AVX2 masked loads/stores (vmaskmovps) touch only the valid columns. The mask
    // is "lane index < columns left", built by one compare.
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n_eff), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n_eff - 8), lane);
#pragma GCC unroll 16
    for (int r = 0; r < kMR; ++r) {
        if (r >= m_eff) break;
        float* c = C + long(r) * ldc;
        __m256 x0 = _mm256_mul_ps(acc[r][0], va), x1 = _mm256_mul_ps(acc[r][1], va);
        if (beta != 0.0f) {
            x0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m0), x0);
            x1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m1), x1);
        }
        _mm256_maskstore_ps(c, m0, x0);
        _mm256_maskstore_ps(c + 8, m1, x1);
    }
}

}  // namespace

// The cache blocks come from this machine's caches (block_sizes.cpp; chapter 06 prints them).
const MicroKernel kAvx2Kernel = {"avx2-6x16", kMR, kNR, avx2_kernel, pack_a<kMR>, pack_b<kNR>,
                                 nullptr};

}  // namespace hw::detail

namespace hw {

// The step's entry point. target("no-avx") keeps this one function free of AVX instructions
// (argument moves included), so the CPU check itself runs on any x86-64.
__attribute__((target("no-avx"))) void gemm_avx2(Op op_a, Op op_b, int m, int n, int k,
                                                 float alpha, const float* A, int lda,
                                                 const float* B, int ldb, float beta, float* C,
                                                 int ldc) {
    if (!detail::cpu_has_avx2_fma()) detail::throw_cpu_lacks("gemm_avx2", "AVX2/FMA");
    detail::loop_nest(detail::kAvx2Kernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C,
                      ldc);
}

}  // namespace hw
