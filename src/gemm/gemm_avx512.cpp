// gemm_avx512.cpp — step 4b: a 12×32 AVX-512 micro-kernel in the same loop nest.
//
// Compiled with the AVX-512 flags (the Makefile's *_avx512.cpp rule); only called after the
// dispatcher has checked __builtin_cpu_supports for avx512f/vl/bw/dq.
//
// Why 12×32 on Zen 4? Zen 4 executes a 512-bit FMA as two 256-bit halves ("double-pumped"), so
// its peak is the same 32 FLOP/cycle as AVX2 (2 pipes × 8 lanes × 2). What AVX-512 buys is
// registers: 32 zmm of 16 floats instead of 16 ymm of 8 — four times the register file, so a
// bigger C tile and fewer loads per FMA:
//   C tile 12×32 = 12 rows × 2 zmm = 24 accumulators
//   + 2 zmm for a row of the B sliver + broadcasts folded into the FMA ({1to16} memory operand)
//   = 26 of 32 registers.
// Per k step: 2 loads of B + 12 broadcast loads for 24 FMAs (AVX2 6×16: 8 loads for 12 FMAs,
// i.e. 0.58 vs 0.67 loads per FMA), and C is loaded/stored once per 24·kc FMAs. One zmm FMA
// retires per cycle with 4 cycles latency, so ≥ 4 independent chains are needed; 24 hide it
// with room to spare. BLIS's Zen 4 SGEMM kernel is 32×12 in column-major terms — the same tile.
#include <immintrin.h>

#include "microkernel.hpp"
#include "pack.hpp"

namespace hw::detail {
namespace {

constexpr int kMR = 12, kNV = 2, kNR = 16 * kNV;

void avx512_kernel(int kc, const float* __restrict Ap, const float* __restrict Bp, float* C,
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
        _mm_prefetch(reinterpret_cast<const char*>(Bp + 8 * kNR), _MM_HINT_T0);
        __m512 b[kNV];
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) b[v] = _mm512_load_ps(Bp + 16 * v);
#pragma GCC unroll 32
        for (int r = 0; r < kMR; ++r) {
            const __m512 a = _mm512_set1_ps(Ap[r]);
#pragma GCC unroll 4
            for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
        }
        Ap += kMR;
        Bp += kNR;
    }

    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (m_eff == kMR && n_eff == kNR) {
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

}  // namespace

// Cache blocking (chapter 06 derives these from this machine's caches):
//   A sliver MR×KC = 12·384·4 = 18 KiB  → stays in the 32 KiB L1 while B slivers stream by;
//   B block KC×NC = 384·512·4 = 768 KiB → fits the 1 MiB L2, reused by every A sliver;
//   A block MC×KC = 192·384·4 = 288 KiB → packed once per (jc, pc, ic), from L2/L3.
const MicroKernel kAvx512Kernel = {"avx512-12x32", kMR, kNR, 192, 384, 512,
                                   avx512_kernel, pack_a<kMR>, pack_b<kNR>};

}  // namespace hw::detail
