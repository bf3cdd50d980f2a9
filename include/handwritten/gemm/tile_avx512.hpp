// tile_avx512.hpp — the AVX-512 micro-kernel as a template over its tile: kMR rows × kNV zmm.
//
// avx512_kernel<kMR, kNV> computes one kMR×(16·kNV) tile of C from packed slivers (the contract
// is in microkernel.hpp). Chapter 06's kernel is avx512_kernel<12, 2>, the 12×32 tile of
// step06_avx512.cpp, whose comment has the register arithmetic; exercise 06-1 instantiates
// 14×32 and 6×64. With 32 zmm registers: kMR·kNV accumulators + kNV for a row of B (the A
// broadcasts fold into the FMA's memory operand), so kMR·kNV + kNV ≤ 32 avoids spills.
//
// The function carries target("avx512f,fma"), so any translation unit may include this header;
// only code that has checked the CPU (cpu_has_avx512) may call it. Internal linkage for the
// same reason as pack.hpp.
#pragma once
#include <immintrin.h>

namespace hw::detail {
namespace {

// The tile itself. a_step and b_step are the distances, in floats, from one k step of a sliver
// to the next: kMR and 16·kNV for packed slivers, lda or ldb for a sliver the loop nest reads in
// place from the stored operand (loop_nest.cpp, choose_in_place). Inlined into the two entry
// points below, so the packed kernel's steps are compile-time constants as before.
template <int kMR, int kNV>
__attribute__((target("avx512f,fma"), always_inline)) inline void avx512_tile(
    int kc, const float* __restrict Ap, long a_step, const float* __restrict Bp, long b_step, float* C,
    int ldc, float alpha, float beta, int m_eff, int n_eff) {
    __m512 acc[kMR][kNV];
#pragma GCC unroll 32
    for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_setzero_ps();

    // Touch the C tile early so its lines are in L1 when the k loop ends.
    for (int r = 0; r < m_eff; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(C + long(r) * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(C + long(r) * ldc + 16), _MM_HINT_T0);
    }

#pragma GCC unroll 4
    for (int p = 0; p < kc; ++p) {
        _mm_prefetch(reinterpret_cast<const char*>(Bp + 8 * b_step), _MM_HINT_T0);
        __m512 b[kNV];
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) b[v] = _mm512_load_ps(Bp + 16 * v);
#pragma GCC unroll 32
        for (int r = 0; r < kMR; ++r) {
            const __m512 a = _mm512_set1_ps(Ap[r]);
#pragma GCC unroll 4
            for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
        }
        Ap += a_step;
        Bp += b_step;
    }

    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (m_eff == kMR && n_eff == 16 * kNV) {
#pragma GCC unroll 32
        for (int r = 0; r < kMR; ++r) {
            float* c = C + long(r) * ldc;
#pragma GCC unroll 4
            for (int v = 0; v < kNV; ++v) {
                __m512 x = _mm512_mul_ps(acc[r][v], va);
                if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16 * v), x);
                _mm512_storeu_ps(c + 16 * v, x);
            }
        }
        return;
    }
    // Edge tile: AVX-512 masks make partial rows cheap — load/store only the valid columns.
#pragma GCC unroll 32
    for (int r = 0; r < kMR; ++r) {
        if (r >= m_eff) break;
        float* c = C + long(r) * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) {
            const int cols = n_eff - 16 * v;
            if (cols <= 0) break;
            const __mmask16 mask = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
            __m512 x = _mm512_mul_ps(acc[r][v], va);
            if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, c + 16 * v), x);
            _mm512_mask_storeu_ps(c + 16 * v, mask, x);
        }
    }
}

// The packed kernel (microkernel.hpp's MicroKernelFn).
template <int kMR, int kNV>
__attribute__((target("avx512f,fma"))) void avx512_kernel(int kc, const float* Ap, const float* Bp, float* C,
                                                        int ldc, float alpha, float beta, int m_eff, int n_eff) {
    avx512_tile<kMR, kNV>(kc, Ap, kMR, Bp, 16 * kNV, C, ldc, alpha, beta, m_eff, n_eff);
}

// The same tile with run-time steps (MicroKernelInPlaceFn): for slivers read in place.
template <int kMR, int kNV>
__attribute__((target("avx512f,fma"))) void avx512_kernel_in_place(int kc, const float* Ap, long a_step,
                                                                 const float* Bp, long b_step, float* C, int ldc,
                                                                 float alpha, float beta, int m_eff, int n_eff) {
    avx512_tile<kMR, kNV>(kc, Ap, a_step, Bp, b_step, C, ldc, alpha, beta, m_eff, n_eff);
}

}  // namespace
}  // namespace hw::detail
