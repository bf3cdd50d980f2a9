// tile_avx2.hpp — the AVX2+FMA micro-kernel as a template over its tile: MR rows × NV ymm.
//
// avx2_kernel<MR, NV> computes one MR×(8·NV) tile of C from packed slivers (microkernel.hpp
// gives the contract). chapter 06's kernel is avx2_kernel<6, 2>, the 6×16 tile of
// step06_avx2.cpp; exercise 06-1 instantiates others (4×24 = avx2_kernel<4, 3>).
//
// Register arithmetic (16 ymm registers of 8 floats):
//   C tile MR×(8·NV) = MR·NV accumulators
//   + NV ymm for the current row of the B sliver + 1 for a broadcast A value.
// 6×16: 12 + 2 + 1 = 15. A tile with MR·NV + NV + 1 > 16 spills accumulators to the stack.
// Per k step: NV loads of B, MR broadcasts of A, MR·NV FMAs. An FMA has 4-cycle latency and two
// issue per cycle, so 4 × 2 = 8 independent accumulators are the minimum to keep both FMA
// pipes busy; 12 give slack. Each B value is reused MR times and each A value 8·NV times.
//
// The functions carry target("avx2,fma"), so any translation unit may include this header,
// whatever its compile flags; only code that has checked the CPU (cpu_has_avx2_fma) may call
// them. Internal linkage for the same reason as pack.hpp.
#pragma once
#include <immintrin.h>

namespace hw::detail {
namespace {

// The tile itself. a_step and b_step are the distances, in floats, from one k step of a sliver
// to the next: MR and 8·NV for packed slivers, lda or ldb for a sliver the loop nest reads in
// place from the stored operand (loop_nest.cpp, choose_in_place). Inlined into the two entry
// points below, so the packed kernel's steps are compile-time constants as before.
template <int MR, int NV>
__attribute__((target("avx2,fma"), always_inline)) inline void avx2_tile(
    int kc, const float* __restrict Ap, long a_step, const float* __restrict Bp, long b_step, float* C,
    int ldc, float alpha, float beta, int m_eff, int n_eff) {
    constexpr int NR = 8 * NV;
    __m256 acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();

    // Touch the C tile early so its lines are in L1 when the k loop ends (C comes from L2 or L3).
    for (int r = 0; r < m_eff; ++r) _mm_prefetch(reinterpret_cast<const char*>(C + long(r) * ldc), _MM_HINT_T0);

    // BEGIN SOLUTION 06 the AVX2 micro-kernel: MR broadcasts x NV loads -> MR·NV FMAs per k step
#pragma GCC unroll 4
    for (int p = 0; p < kc; ++p) {
        _mm_prefetch(reinterpret_cast<const char*>(Bp + 8 * b_step), _MM_HINT_T0);
        __m256 b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = _mm256_load_ps(Bp + 8 * v);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            const __m256 a = _mm256_broadcast_ss(Ap + r);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
        }
        Ap += a_step;
        Bp += b_step;
    }
    // END SOLUTION

    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (m_eff == MR && n_eff == NR) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            float* c = C + long(r) * ldc;
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) {
                __m256 x = _mm256_mul_ps(acc[r][v], va);
                if (beta != 0.0f) x = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8 * v), x);  // beta == 0: C is not read
                _mm256_storeu_ps(c + 8 * v, x);
            }
        }
        return;
    }
    // Edge tile: AVX2 masked loads/stores (vmaskmovps) touch only the valid columns. The mask
    // of vector v is "lane index < columns left after 8·v", built by one compare.
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(n_eff - 8 * v), lane);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
        if (r >= m_eff) break;
        float* c = C + long(r) * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            __m256 x = _mm256_mul_ps(acc[r][v], va);
            if (beta != 0.0f) x = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8 * v, mask[v]), x);
            _mm256_maskstore_ps(c + 8 * v, mask[v], x);
        }
    }
}

// The packed kernel (microkernel.hpp's MicroKernelFn). A_STRIDE is the packed A sliver's
// height: MR, except for an edge kernel that reads only the first MR rows of a taller sliver
// (step06_avx2.cpp runs <2, 2, 6> on the last 2 rows of m = 128 instead of computing 4 rows of
// zero padding).
template <int MR, int NV, int A_STRIDE = MR>
__attribute__((target("avx2,fma"))) void avx2_kernel(int kc, const float* Ap, const float* Bp, float* C,
                                                     int ldc, float alpha, float beta, int m_eff, int n_eff) {
    avx2_tile<MR, NV>(kc, Ap, A_STRIDE, Bp, 8 * NV, C, ldc, alpha, beta, m_eff, n_eff);
}

// The same tile with run-time steps (MicroKernelInPlaceFn): for slivers read in place.
template <int MR, int NV>
__attribute__((target("avx2,fma"))) void avx2_kernel_in_place(int kc, const float* Ap, long a_step,
                                                              const float* Bp, long b_step, float* C, int ldc,
                                                              float alpha, float beta, int m_eff, int n_eff) {
    avx2_tile<MR, NV>(kc, Ap, a_step, Bp, b_step, C, ldc, alpha, beta, m_eff, n_eff);
}

}  // namespace
}  // namespace hw::detail
