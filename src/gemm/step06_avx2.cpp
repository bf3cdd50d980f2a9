// step06_avx2.cpp — chapter 06: a 6×16 AVX2+FMA micro-kernel in the same loop nest.
//
// Compiled with -mavx2 -mfma (the Makefile's *_avx2.cpp rule); its code runs only after
// hw::gemm_avx2 (below, compiled without SIMD) or the dispatcher has checked
// __builtin_cpu_supports("avx2") and ("fma").
//
// The micro-kernel itself is avx2_kernel<6, 2> (tile_avx2.hpp, which has its register
// arithmetic: 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm; per k step 12 FMAs per
// 8 loads). This file adds what makes the 6×16 tile fast on the network's shapes: packing with
// in-register transposes, and the skinny-n path.
#include <immintrin.h>

#include <array>
#include <utility>

#include "common.hpp"
#include "handwritten/core/transpose_avx2.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"
#include "handwritten/gemm/tile_avx2.hpp"

namespace hw::detail {
namespace {

constexpr int kMR = 6, kNR = 16;

// The 6×16 tile, or a shorter one on the last sliver of an m that is not a multiple of 6: a
// network's batch of 128 rows ends in a 2-row sliver, which the full tile would compute as 6.
void avx2_tile_6x16(int kc, const float* Ap, const float* Bp, float* C, int ldc, float alpha, float beta,
                    int m_eff, int n_eff) {
    if (m_eff <= 2) avx2_kernel<2, 2, kMR>(kc, Ap, Bp, C, ldc, alpha, beta, m_eff, n_eff);
    else if (m_eff <= 4) avx2_kernel<4, 2, kMR>(kc, Ap, Bp, C, ldc, alpha, beta, m_eff, n_eff);
    else avx2_kernel<kMR, 2>(kc, Ap, Bp, C, ldc, alpha, beta, m_eff, n_eff);
}

// The same choice for slivers read in place (loop_nest.cpp): a short one is always a packed
// edge, so a_step = 6 there, and the shorter tiles read its first rows as above.
void avx2_tile_6x16_in_place(int kc, const float* Ap, long a_step, const float* Bp, long b_step, float* C,
                             int ldc, float alpha, float beta, int m_eff, int n_eff) {
    if (m_eff <= 2) avx2_kernel_in_place<2, 2>(kc, Ap, a_step, Bp, b_step, C, ldc, alpha, beta, m_eff, n_eff);
    else if (m_eff <= 4) avx2_kernel_in_place<4, 2>(kc, Ap, a_step, Bp, b_step, C, ldc, alpha, beta, m_eff, n_eff);
    else avx2_kernel_in_place<kMR, 2>(kc, Ap, a_step, Bp, b_step, C, ldc, alpha, beta, m_eff, n_eff);
}

// Packing A stored m×k (Op::N) into 6-row slivers is a transpose: pack.hpp's generic version
// copies it float by float. Here 8 columns of the 6 rows are loaded as 6 ymm (+2 zero rows),
// transposed 8×8 in registers (transpose8x8, core/transpose_avx2.hpp: 24 shuffles for 64
// floats), and the first 6 lanes of each result row are stored: about 3× faster, and packing A
// is a few percent of a square product's time on AVX2.
void pack_a_avx2(Op op, const float* A, int lda, int i0, int p0, int mc, int kc, float* dst) {
    if (op == Op::T) {
        pack_rows<kMR>(A, lda, p0, i0, kc, mc, dst);  // pack.hpp: a row of stored A crosses the slivers
        return;
    }
    const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    for (int ir = 0; ir < mc; ir += kMR) {
        const int mr = mc - ir < kMR ? mc - ir : kMR;
        const float* rows[kMR];
        for (int r = 0; r < kMR; ++r) rows[r] = A + long(i0 + ir + (r < mr ? r : 0)) * lda + p0;
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            __m256 x[8];
#pragma GCC unroll 8
            for (int r = 0; r < 8; ++r)
                x[r] = r < mr ? _mm256_loadu_ps(rows[r < kMR ? r : 0] + p) : _mm256_setzero_ps();
            transpose8x8(x);
            // x[q] = column p + q of the 8 rows: its first 6 lanes are the sliver's row p + q.
            // Full 8-float stores overlap the next row's first two floats, which the next store
            // rewrites; the last one is masked so nothing past the sliver is touched.
#pragma GCC unroll 8
            for (int q = 0; q < 7; ++q) _mm256_storeu_ps(dst + long(p + q) * kMR, x[q]);
            _mm256_maskstore_ps(dst + long(p + 7) * kMR, six, x[7]);
        }
        for (; p < kc; ++p)
            for (int r = 0; r < kMR; ++r) dst[long(p) * kMR + r] = r < mr ? rows[r][p] : 0.0f;
        dst += long(kMR) * kc;
    }
}

// Packing B stored n×k (Op::T, the dX = dY·Wᵀ product) into 16-column slivers is a transpose too:
// 8 stored rows (= columns of op(B)) × 8 floats are transposed in registers into 8 sliver rows
// of 8 columns, twice per sliver.
void pack_b_avx2(Op op, const float* B, int ldb, int p0, int j0, int kc, int nc, float* dst) {
    if (op == Op::N) {
        pack_rows<kNR>(B, ldb, p0, j0, kc, nc, dst);  // pack.hpp: a row of B crosses the slivers
        return;
    }
    for (int jr = 0; jr < nc; jr += kNR) {
        for (int half = 0; half < 2; ++half) {
            const int cols = nc - jr - 8 * half < 8 ? nc - jr - 8 * half : 8;  // may be ≤ 0
            float* d = dst + 8 * half;
            if (cols <= 0) {
                for (int p = 0; p < kc; ++p) _mm256_store_ps(d + long(p) * kNR, _mm256_setzero_ps());
                continue;
            }
            const float* rows[8];
            for (int c = 0; c < 8; ++c) rows[c] = B + long(j0 + jr + 8 * half + (c < cols ? c : 0)) * ldb + p0;
            int p = 0;
            for (; p + 8 <= kc; p += 8) {
                __m256 x[8];
#pragma GCC unroll 8
                for (int c = 0; c < 8; ++c) x[c] = c < cols ? _mm256_loadu_ps(rows[c] + p) : _mm256_setzero_ps();
                transpose8x8(x);
#pragma GCC unroll 8
                for (int q = 0; q < 8; ++q) _mm256_store_ps(d + long(p + q) * kNR, x[q]);
            }
            for (; p < kc; ++p)
                for (int c = 0; c < 8; ++c) d[long(p) * kNR + c] = c < cols ? rows[c][p] : 0.0f;
        }
        dst += long(kNR) * kc;
    }
}

// ---------------------------------------------------------------------------------------
// Skinny products, n ≤ 16: the MLP's output layer (batch×256 · 256×10, and its dW).
//
// With n = 10 the 6×16 tile computes 16 columns to keep 10, and packing all of A costs as
// much as the multiply. So op(B) (k×n) is packed once into k rows of 16 floats (zero-padded),
// which stays in L1 for the whole call, and A is read where it lies — no packing of A at all.
//
// Rows of C (op_a = N, A stored m×k): two ymm hold one row of C (16 lanes, masked to n), six
// rows give 12 accumulators, and each FMA broadcasts one element of A straight from memory.
template <int MR>
void small_n_rows(int k, const float* A, long a_row, long a_col, const float* Bp, float* C,
                  int ldc, float alpha, float beta, __m256i m0, __m256i m1) {
    __m256 acc[MR][2];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int p = 0; p < k; ++p) {
        const __m256 b0 = _mm256_load_ps(Bp + 16L * p), b1 = _mm256_load_ps(Bp + 16L * p + 8);
        const float* a = A + p * a_col;
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m256 ar = _mm256_broadcast_ss(a + r * a_row);
            acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
        float* c = C + long(r) * ldc;
        __m256 x0 = _mm256_mul_ps(acc[r][0], va), x1 = _mm256_mul_ps(acc[r][1], va);
        if (beta != 0.0f) {  // beta == 0: C is not read
            x0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m0), x0);
            x1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m1), x1);
        }
        _mm256_maskstore_ps(c, m0, x0);
        _mm256_maskstore_ps(c + 8, m1, x1);
    }
}

// Columns of C (op_a = T, A stored k×m, the dW = Xᵀ·dY product): a row of stored A is
// contiguous along m, so vectorise along m instead. One ymm holds 8 rows of one column of C;
// J ≤ 12 columns give J accumulators, every lane useful even for n = 10. The 8×J tile is then
// written through a small buffer, transposed, into the row-major C.
//
// J is a template argument, not a loop bound read at run time: with a run-time count every
// FMA of the k loop carries a compare and a branch beside it, and the 256×10, k = 128 product
// of the MLP's output layer took 22–28 µs instead of 14–18 µs (Intel Xeon, Golden Cove).
template <int J, bool kFullRows>
__attribute__((always_inline)) inline void accumulate_cols(int k, const float* A, int lda, const float* Bp,
                                                           __m256i rmask, __m256 (&acc)[J]) {
    for (int p = 0; p < k; ++p) {
        const __m256 a = kFullRows ? _mm256_loadu_ps(A + long(p) * lda) : _mm256_maskload_ps(A + long(p) * lda, rmask);
        const float* b = Bp + 16L * p;
#pragma GCC unroll 12
        for (int j = 0; j < J; ++j) acc[j] = _mm256_fmadd_ps(a, _mm256_broadcast_ss(b + j), acc[j]);
    }
}

// C[0:rows, 0:J] = alpha·(8×J tile)ᵀ + beta·C, for the `rows` (≤ 8) rows that exist.
template <int J>
void small_n_cols(int k, const float* A, int lda, const float* Bp, float* C, int ldc, float alpha, float beta,
                  int rows) {
    __m256 acc[J];
#pragma GCC unroll 12
    for (int j = 0; j < J; ++j) acc[j] = _mm256_setzero_ps();
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i rmask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), lane);
    if (rows == 8) accumulate_cols<J, true>(k, A, lda, Bp, rmask, acc);
    else accumulate_cols<J, false>(k, A, lda, Bp, rmask, acc);
    alignas(32) float tile[J][8];
#pragma GCC unroll 12
    for (int j = 0; j < J; ++j) _mm256_store_ps(tile[j], acc[j]);
    for (int i = 0; i < rows; ++i) {
        float* c = C + long(i) * ldc;
        for (int j = 0; j < J; ++j) c[j] = beta == 0.0f ? alpha * tile[j][i] : alpha * tile[j][i] + beta * c[j];
    }
}

// small_n_cols<1> … small_n_cols<12>, indexed by the column count minus one.
using ColsKernel = void (*)(int, const float*, int, const float*, float*, int, float, float, int);
template <int... I>
constexpr std::array<ColsKernel, sizeof...(I)> make_cols_kernels(std::integer_sequence<int, I...>) {
    return {small_n_cols<I + 1>...};
}
constexpr auto kColsKernels = make_cols_kernels(std::make_integer_sequence<int, 12>{});

}  // namespace

// The cache blocks come from this machine's caches (block_sizes.cpp; chapter 06 prints them).
const MicroKernel kAvx2Kernel = {"avx2-6x16", kMR, kNR, avx2_tile_6x16, pack_a_avx2, pack_b_avx2,
                                 avx2_small_n, avx2_tile_6x16_in_place};

void avx2_small_n(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, C, ldc);
        return;
    }
    thread_local PackBuffer buf_b;
    float* Bp = buf_b.get(16L * k);  // op(B) as k rows of 16, zero-padded past n
    for (int p = 0; p < k; ++p)
        for (int j = 0; j < 16; ++j)
            Bp[16L * p + j] = j < n ? (op_b == Op::N ? B[long(p) * ldb + j] : B[long(j) * ldb + p]) : 0.0f;
    if (op_a == Op::T) {  // A stored k×m: 8 rows of C per pass; n > 12 in two equal column groups
        const int first = n <= 12 ? n : (n + 1) / 2;
        for (int i = 0; i < m; i += 8) {
            const int rows = m - i < 8 ? m - i : 8;
            for (int j0 = 0; j0 < n; j0 += first) {
                const int cols = n - j0 < first ? n - j0 : first;
                kColsKernels[cols - 1](k, A + i, lda, Bp + j0, C + long(i) * ldc + j0, ldc, alpha, beta, rows);
            }
        }
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - 8), lane);
    int i = 0;
    for (; i + 6 <= m; i += 6)
        small_n_rows<6>(k, A + long(i) * lda, lda, 1, Bp, C + long(i) * ldc, ldc, alpha, beta, m0, m1);
    for (; i < m; ++i)
        small_n_rows<1>(k, A + long(i) * lda, lda, 1, Bp, C + long(i) * ldc, ldc, alpha, beta, m0, m1);
}

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
