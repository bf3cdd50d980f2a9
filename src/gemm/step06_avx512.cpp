// step06_avx512.cpp — chapter 06: a 12×32 AVX-512 micro-kernel in the same loop nest.
//
// Compiled with the AVX-512 flags (the Makefile's *_avx512.cpp rule); its code runs only after
// hw::gemm_avx512 (below, compiled without SIMD) or the dispatcher has checked
// __builtin_cpu_supports for avx512f/vl/bw/dq.
//
// Why 12×32? Some AVX-512 cores execute a 512-bit FMA as two 256-bit halves ("double-pumped":
// Zen 4), so their peak is the same 32 FLOP/cycle as AVX2 (2 pipes × 8 lanes × 2); others have
// full-width pipes and double it (chapter 03's header measures which). Either way AVX-512 buys
// registers: 32 zmm of 16 floats instead of 16 ymm of 8 — four times the register file, so a
// bigger C tile and fewer loads per FMA:
//   C tile 12×32 = 12 rows × 2 zmm = 24 accumulators
//   + 2 zmm for a row of the B sliver + broadcasts folded into the FMA ({1to16} memory operand)
//   = 26 of 32 registers.
// Per k step: 2 loads of B + 12 broadcast loads for 24 FMAs (AVX2 6×16: 8 loads for 12 FMAs,
// i.e. 0.58 vs 0.67 loads per FMA), and C is loaded/stored once per 24·kc FMAs. An FMA has
// 4 cycles of latency, so ≥ 4 × (FMAs per cycle) independent chains are needed; 24 hide it
// with room to spare. BLIS's Zen 4 SGEMM kernel is 32×12 in column-major terms — the same tile.
#include <immintrin.h>

#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"
#include "handwritten/gemm/tile_avx512.hpp"

namespace hw::detail {
namespace {

constexpr int kMR = 12, kNV = 2, kNR = 16 * kNV;

// ---------------------------------------------------------------------------------------
// Skinny products, n ≤ 16: the MLP's output layer (batch×256 · 256×10, and its dW).
//
// With n = 10 the 12×32 tile (avx512_kernel<12, 2>) would compute 32 columns to keep 10 (31% useful), and
// packing all of A costs as much as the multiply. Instead: one zmm holds a whole row of C
// (16 lanes, masked to n), and a block of 24 rows gives 24 accumulators. B (k×n) is packed
// once into k rows of 16 floats (zero-padded), which sits in L1/L2 for the whole call; A is
// read in place — each FMA broadcasts one element of op(A) straight from memory, whatever the
// transpose (an N row or a T column is just a different stride). No A packing at all.
template <int MR>
void small_n_rows(int k, const float* A, long a_row, long a_col, const float* Bp, float* C,
                  int ldc, float alpha, float beta, __mmask16 mask) {
    __m512 acc[MR];
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_ps();
#pragma GCC unroll 2
    for (int p = 0; p < k; ++p) {
        const __m512 b = _mm512_load_ps(Bp + 16L * p);
        const float* a = A + p * a_col;
#pragma GCC unroll 32
        for (int r = 0; r < MR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * a_row]), b, acc[r]);
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) {
        float* c = C + long(r) * ldc;
        __m512 x = _mm512_mul_ps(acc[r], va);
        if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, c), x);
        _mm512_mask_storeu_ps(c, mask, x);
    }
}

// The skinny kernels' epilogue: acc[j][v] holds column j of C for rows 16·v … 16·v+15. Store
// the J×(16·NV) tile, then write its transpose into the first `rows` rows and `n` columns of C
// with alpha and beta (beta == 0: C is not read).
template <int J, int NV>
void write_transposed_tile(const __m512 (&acc)[J][NV], int n, int rows, float alpha, float beta,
                           float* C, int ldc) {
    alignas(64) float tile[J][16 * NV];
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j) {
        if (j >= n) break;
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) _mm512_store_ps(&tile[j][16 * v], acc[j][v]);
    }
    for (int i = 0; i < rows; ++i) {
        float* c = C + long(i) * ldc;
        for (int j = 0; j < n; ++j)
            c[j] = beta == 0.0f ? alpha * tile[j][i] : alpha * tile[j][i] + beta * c[j];
    }
}

// When A is stored k×m (op_a = T, the dW = Xᵀ·dY product), a row of stored A is contiguous
// along m, so vectorise along m instead: the accumulators are columns of C (NV·16 rows i ×
// one column j each, n ≤ 16 of them), every lane useful even for n = 10. The tile is then
// written through a small buffer, transposed, to the row-major C.
template <int NV>
void small_n_cols(int k, int n, const float* A, int lda, const float* Bp, float* C, int ldc,
                  float alpha, float beta, int rows) {
    __m512 acc[16][NV];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_setzero_ps();
    const __mmask16 last = rows - 16 * (NV - 1) >= 16 ? __mmask16(0xFFFF)
                                                      : __mmask16((1u << (rows - 16 * (NV - 1))) - 1);
    for (int p = 0; p < k; ++p) {
        const float* a = A + long(p) * lda;
        __m512 av[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v)
            av[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(last, a + 16 * v) : _mm512_loadu_ps(a + 16 * v);
        const float* b = Bp + 16L * p;
        // Only the first n columns matter; the padded ones multiply zeros. Branching on n
        // per column keeps the loop short for n = 10 (10·NV FMAs per p instead of 16·NV).
        // Unlike AVX2's small_n_cols, the count stays a run-time value: one instance per
        // count measured slower on an Intel Xeon (18–22 µs against 11–14 µs for the 256×10 dW).
#pragma GCC unroll 16
        for (int j = 0; j < 16; ++j) {
            if (j >= n) break;
            const __m512 bj = _mm512_set1_ps(b[j]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(av[v], bj, acc[j][v]);
        }
    }
    write_transposed_tile(acc, n, rows, alpha, beta, C, ldc);
}

// ---------------------------------------------------------------------------------------
// Packing with in-register transposes. pack.hpp's generic packers copy element by element when
// the layout has to be transposed (A stored m×k going into k×MR slivers; B stored n×k going
// into k×NR slivers). Here a 16×16 block is loaded as 16 rows, transposed in registers in
// 4 shuffle stages (64 shuffles for 256 floats), and stored as 16 rows: ~4× faster, which
// matters for the MLP's shapes where packing is 5–10% of the work.
//
// GCC 12's own intrinsic headers pass _mm512_undefined_ps() as the unused merge operand of the
// unpack/shuffle builtins, and -O3 -Wextra then flags "‘__Y’ may be used uninitialized" inside
// those headers. It is a known false positive; silence it for this section only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16], v[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {  // 2×2 blocks of single floats
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {  // pairs of floats (as doubles)
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]),
                      c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h)  // 128-bit lanes
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
            v[8 * h + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0x88);
            v[8 * h + 4 + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0xdd);
        }
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {  // 256-bit halves
        r[i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0x88);
        r[8 + i] = _mm512_shuffle_f32x4(v[i], v[8 + i], 0xdd);
    }
}

// op(A) block → 12-row slivers. A stored m×k (Op::N) needs the transpose.
void pack_a_avx512(Op op, const float* A, int lda, int i0, int p0, int mc, int kc, float* dst) {
    if (op == Op::T) {
        pack_rows<kMR>(A, lda, p0, i0, kc, mc, dst);  // pack.hpp: a row of stored A crosses the slivers
        return;
    }
    for (int ir = 0; ir < mc; ir += kMR) {
        const int mr = mc - ir < kMR ? mc - ir : kMR;
        const float* rows[kMR];
        for (int r = 0; r < kMR; ++r) rows[r] = A + long(i0 + ir + (r < mr ? r : 0)) * lda + p0;
        int p = 0;
        for (; p + 16 <= kc; p += 16) {
            __m512 x[16];
#pragma GCC unroll 16
            for (int r = 0; r < 16; ++r)
                x[r] = r < mr ? _mm512_loadu_ps(rows[r < kMR ? r : 0] + p) : _mm512_setzero_ps();
            transpose16(x);
#pragma GCC unroll 16
            for (int q = 0; q < 16; ++q) _mm512_mask_storeu_ps(dst + long(p + q) * kMR, 0x0FFF, x[q]);
        }
        for (; p < kc; ++p)
            for (int r = 0; r < kMR; ++r) dst[long(p) * kMR + r] = r < mr ? rows[r][p] : 0.0f;
        dst += long(kMR) * kc;
    }
}

// op(B) block → 32-column slivers. B stored n×k (Op::T) needs the transpose: two 16×16 per step.
void pack_b_avx512(Op op, const float* B, int ldb, int p0, int j0, int kc, int nc, float* dst) {
    if (op == Op::N) {
        pack_rows<kNR>(B, ldb, p0, j0, kc, nc, dst);  // pack.hpp: a row of B crosses the slivers
        return;
    }
    for (int jr = 0; jr < nc; jr += kNR) {
        for (int half = 0; half < 2; ++half) {
            const int cols = nc - jr - 16 * half < 16 ? nc - jr - 16 * half : 16;  // may be ≤ 0
            float* d = dst + 16 * half;
            if (cols <= 0) {
                for (int p = 0; p < kc; ++p) _mm512_store_ps(d + long(p) * kNR, _mm512_setzero_ps());
                continue;
            }
            const float* rows[16];
            for (int c = 0; c < 16; ++c)
                rows[c] = B + long(j0 + jr + 16 * half + (c < cols ? c : 0)) * ldb + p0;
            int p = 0;
            for (; p + 16 <= kc; p += 16) {
                __m512 x[16];
#pragma GCC unroll 16
                for (int c = 0; c < 16; ++c)
                    x[c] = c < cols ? _mm512_loadu_ps(rows[c] + p) : _mm512_setzero_ps();
                transpose16(x);
#pragma GCC unroll 16
                for (int q = 0; q < 16; ++q) _mm512_store_ps(d + long(p + q) * kNR, x[q]);
            }
            for (; p < kc; ++p)
                for (int c = 0; c < 16; ++c) d[long(p) * kNR + c] = c < cols ? rows[c][p] : 0.0f;
        }
        dst += long(kNR) * kc;
    }
}

// Skinny products with A stored m×k (Op::N, the forward pass Y = X·W with W 256×10): rows of A
// are contiguous along k, not m. Transpose 16×16 blocks of A on the fly (transpose16) into a small
// L1 buffer, then run the same column scheme as small_n_cols: 16 rows of C per pass, one zmm
// accumulator per output column j, every lane useful for any n ≤ 16.
template <int NV>
void small_n_cols_from_rows(int k, int n, const float* A, int lda, const float* Bp, float* C,
                            int ldc, float alpha, float beta, int rows) {
    __m512 acc[12][NV];  // n ≤ 12 columns × NV·16 rows
#pragma GCC unroll 12
    for (int j = 0; j < 12; ++j)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_setzero_ps();
    alignas(64) float at[NV][16][16];  // at[v][q][r] = A[16·v + r][p0 + q]
    for (int p0 = 0; p0 < k; p0 += 16) {
        const int kk = k - p0 < 16 ? k - p0 : 16;
        const __mmask16 pmask = kk == 16 ? __mmask16(0xFFFF) : __mmask16((1u << kk) - 1);
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            __m512 x[16];
#pragma GCC unroll 16
            for (int r = 0; r < 16; ++r)
                x[r] = 16 * v + r < rows ? _mm512_maskz_loadu_ps(pmask, A + long(16 * v + r) * lda + p0)
                                         : _mm512_setzero_ps();
            transpose16(x);
#pragma GCC unroll 16
            for (int q = 0; q < 16; ++q) _mm512_store_ps(at[v][q], x[q]);
        }
        for (int q = 0; q < kk; ++q) {
            __m512 a[NV];
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) a[v] = _mm512_load_ps(at[v][q]);
            const float* b = Bp + 16L * (p0 + q);
#pragma GCC unroll 12
            for (int j = 0; j < 12; ++j) {
                if (j >= n) break;
                const __m512 bj = _mm512_set1_ps(b[j]);
#pragma GCC unroll 2
                for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(a[v], bj, acc[j][v]);
            }
        }
    }
    write_transposed_tile(acc, n, rows, alpha, beta, C, ldc);
}
#pragma GCC diagnostic pop

}  // namespace

// The cache blocks come from this machine's caches (block_sizes.cpp; chapter 06 prints them).
const MicroKernel kAvx512Kernel = {"avx512-12x32", kMR, kNR, avx512_kernel<kMR, kNV>,
                                   pack_a_avx512, pack_b_avx512, avx512_small_n,
                                   avx512_kernel_in_place<kMR, kNV>};

}  // namespace hw::detail

namespace hw::detail {

void avx512_small_n(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc) {
    if (m <= 0 || n <= 0) return;
    const __mmask16 mask = __mmask16((1u << n) - 1);
    if (k <= 0 || alpha == 0.0f) {
        for (int i = 0; i < m; ++i) {
            float* c = C + long(i) * ldc;
            const __m512 x = beta == 0.0f ? _mm512_setzero_ps()
                                          : _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c));
            _mm512_mask_storeu_ps(c, mask, x);
        }
        return;
    }
    thread_local PackBuffer buf_b;
    float* Bp = buf_b.get(16L * k);
    if (op_b == Op::N) {  // rows of B are contiguous: one masked load per row
        for (int p = 0; p < k; ++p)
            _mm512_store_ps(Bp + 16L * p, _mm512_maskz_loadu_ps(mask, B + long(p) * ldb));
    } else {
        for (int p = 0; p < k; ++p)
            for (int j = 0; j < 16; ++j) Bp[16L * p + j] = j < n ? B[long(j) * ldb + p] : 0.0f;
    }
    if (op_a == Op::T) {  // A stored k×m: vectorise along m instead (see small_n_cols)
        int i = 0;
        for (; i + 32 <= m; i += 32)
            small_n_cols<2>(k, n, A + i, lda, Bp, C + long(i) * ldc, ldc, alpha, beta, 32);
        for (; i < m; i += 16)
            small_n_cols<1>(k, n, A + i, lda, Bp, C + long(i) * ldc, ldc, alpha, beta,
                            m - i < 16 ? m - i : 16);
        return;
    }
    if (n <= 12) {  // few columns: transposing A on the fly beats wasting 16 − n lanes per FMA
        int i = 0;
        for (; i + 32 <= m; i += 32)
            small_n_cols_from_rows<2>(k, n, A + long(i) * lda, lda, Bp, C + long(i) * ldc, ldc,
                                      alpha, beta, 32);
        for (; i < m; i += 16)
            small_n_cols_from_rows<1>(k, n, A + long(i) * lda, lda, Bp, C + long(i) * ldc, ldc,
                                      alpha, beta, m - i < 16 ? m - i : 16);
        return;
    }
    // op(A)[i, p] = A[i·a_row + p·a_col]
    const long a_row = op_a == Op::N ? lda : 1, a_col = op_a == Op::N ? 1 : lda;
    int i = 0;
    for (; i + 24 <= m; i += 24)
        small_n_rows<24>(k, A + i * a_row, a_row, a_col, Bp, C + long(i) * ldc, ldc, alpha, beta, mask);
    for (; i + 8 <= m; i += 8)
        small_n_rows<8>(k, A + i * a_row, a_row, a_col, Bp, C + long(i) * ldc, ldc, alpha, beta, mask);
    for (; i < m; ++i)
        small_n_rows<1>(k, A + i * a_row, a_row, a_col, Bp, C + long(i) * ldc, ldc, alpha, beta, mask);
}

}  // namespace hw::detail

namespace hw {

// The step's entry point. target("no-avx") keeps this one function free of AVX instructions
// (argument moves included), so the CPU check itself runs on any x86-64.
__attribute__((target("no-avx"))) void gemm_avx512(Op op_a, Op op_b, int m, int n, int k,
                                                   float alpha, const float* A, int lda,
                                                   const float* B, int ldb, float beta, float* C,
                                                   int ldc) {
    if (!detail::cpu_has_avx512()) detail::throw_cpu_lacks("gemm_avx512", "AVX-512");
    detail::loop_nest(detail::kAvx512Kernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta,
                      C, ldc);
}

}  // namespace hw
