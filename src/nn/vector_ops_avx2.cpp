// vector_ops_avx2.cpp — matvec / matvec_t / rank-1 update with AVX2 + FMA intrinsics.
//
// Compiled with -mavx2 -mfma (the Makefile's *_avx2.cpp rule) and only ever called after
// vector_ops.cpp has checked __builtin_cpu_supports("avx2") and ("fma").
//
// Three things make these fast (measured on the MNIST first layer, 784×100, in chapter 09):
//  1. Eight floats per FMA instruction.
//  2. The rows to visit (x[i] != 0) are collected first, eight pixels per step and without a
//     branch on the data (nonzero_rows). Testing x[i] == 0 inside the loop mispredicts at every
//     edge of the digit's strokes.
//  3. matvec_t keeps a block of up to 64 outputs in 8 registers while it runs down all rows,
//     instead of loading and storing y once per row; with fewer columns it interleaves rows
//     into several accumulator sets so FMA latency does not serialise the loop.
// Row tails that are not a multiple of 8 (H = 100, the output layer's 10) use masked LOADS but
// never masked stores: AMD's vmaskmovps store is slow enough to dominate a 100-wide row.
#include <immintrin.h>

#include <algorithm>

#include "handwritten/nn/vector_ops.hpp"

namespace hw::avx2 {

namespace {

float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// For each 8-bit mask, the positions of its set bits, packed to the front: kPack[0b10110000] =
// {4, 5, 7, 0, ...}. Built once at compile time.
struct PackTable {
    alignas(64) unsigned char lanes[256][8];
    constexpr PackTable() : lanes() {
        for (int mask = 0; mask < 256; ++mask) {
            int k = 0;
            for (int bit = 0; bit < 8; ++bit)
                if (mask & (1 << bit)) lanes[mask][k++] = static_cast<unsigned char>(bit);
        }
    }
};
constexpr PackTable kPack;

// The indices i in [begin, end) with x[i] != 0, written to idx; returns how many. idx must have
// room for (end − begin) + 8 entries: each block of 8 stores 8 indices, of which only the first
// popcount(mask) count.
// Eight pixels per step and no branch on the data: one compare gives an 8-bit mask of the
// non-zero lanes, the table turns the mask into the list of their positions, and all eight
// candidates are stored at once; `count` advances by the number of set bits. (A plain
// `if (x[i] != 0)` loop mispredicts at every edge of a stroke; peeling bits one by one
// mispredicts at the end of every block.)
int nonzero_rows(const float* x, int begin, int end, int* idx) {
    int count = 0;
    int i = begin;
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= end; i += 8) {
        const int mask =
            _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_NEQ_UQ));
        const __m128i lanes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kPack.lanes[mask]));
        const __m256i rows = _mm256_add_epi32(_mm256_cvtepu8_epi32(lanes), _mm256_set1_epi32(i));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + count), rows);
        count += __builtin_popcount(static_cast<unsigned>(mask));
    }
    for (; i < end; ++i) {
        idx[count] = i;
        count += x[i] != 0.0f;
    }
    return count;
}

// y[0..n) += a · w[0..n)
inline void axpy(float a, const float* w, float* y, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        _mm256_storeu_ps(y + j, _mm256_fmadd_ps(va, _mm256_loadu_ps(w + j), _mm256_loadu_ps(y + j)));
        _mm256_storeu_ps(y + j + 8,
                         _mm256_fmadd_ps(va, _mm256_loadu_ps(w + j + 8), _mm256_loadu_ps(y + j + 8)));
    }
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(y + j, _mm256_fmadd_ps(va, _mm256_loadu_ps(w + j), _mm256_loadu_ps(y + j)));
    for (; j < n; ++j) y[j] = __builtin_fmaf(a, w[j], y[j]);
}

// Lanes 0..r-1 on (r in 1..8): for the last, partial register of a row.
__m256i lane_mask(int r) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// y[c0 .. c0+8B) += Σ over the listed rows i of x[i]·W[i, c0 .. c0+8B), in B registers.
// The last register is loaded through `last` (a lane mask), so a block may end mid-register
// (the output layer's 10 columns are one full register and one with 2 lanes).
// An FMA's result is ready 4 cycles after it starts and two can start per cycle, so a chain of
// FMAs into one register runs at 1/8 of the peak: with few registers per row (B < 8), U rows
// are interleaved into U separate sets of accumulators, summed at the end.
template <int B, int U>
void column_block(const float* W, int n, const float* x, const int* rows, int count, int c0,
                  __m256i last, float* y) {
    __m256 acc[U][B];
    for (int u = 0; u < U; ++u)
        for (int b = 0; b < B; ++b) acc[u][b] = _mm256_setzero_ps();
    auto accumulate = [&](int u, int i) {
        const __m256 xi = _mm256_set1_ps(x[i]);
        const float* w = W + static_cast<long>(i) * n + c0;
        for (int b = 0; b < B - 1; ++b)
            acc[u][b] = _mm256_fmadd_ps(xi, _mm256_loadu_ps(w + 8 * b), acc[u][b]);
        acc[u][B - 1] = _mm256_fmadd_ps(xi, _mm256_maskload_ps(w + 8 * (B - 1), last), acc[u][B - 1]);
    };
    int k = 0;
    for (; k + U <= count; k += U)
        for (int u = 0; u < U; ++u) accumulate(u, rows[k + u]);
    for (; k < count; ++k) accumulate(0, rows[k]);
    for (int u = 1; u < U; ++u)
        for (int b = 0; b < B; ++b) acc[0][b] = _mm256_add_ps(acc[0][b], acc[u][b]);
    for (int b = 0; b < B - 1; ++b)
        _mm256_storeu_ps(y + c0 + 8 * b, _mm256_add_ps(_mm256_loadu_ps(y + c0 + 8 * b), acc[0][b]));
    // The partial register goes out through memory: AMD's masked store is slow, this is once.
    alignas(32) float tail[8];
    _mm256_store_ps(tail, acc[0][B - 1]);
    const int lanes = std::min(8, n - c0 - 8 * (B - 1));
    for (int j = 0; j < lanes; ++j) y[c0 + 8 * (B - 1) + j] += tail[j];
}

// One block of `regs` registers (1..8) starting at column c0.
void column_block_any(const float* W, int n, const float* x, const int* rows, int count, int c0,
                      int regs, float* y) {
    const __m256i last = lane_mask(std::min(8, n - c0 - 8 * (regs - 1)));
    switch (regs) {
        case 1: return column_block<1, 8>(W, n, x, rows, count, c0, last, y);
        case 2: return column_block<2, 4>(W, n, x, rows, count, c0, last, y);
        case 3: return column_block<3, 2>(W, n, x, rows, count, c0, last, y);
        case 4: return column_block<4, 2>(W, n, x, rows, count, c0, last, y);
        case 5: return column_block<5, 1>(W, n, x, rows, count, c0, last, y);
        case 6: return column_block<6, 1>(W, n, x, rows, count, c0, last, y);
        case 7: return column_block<7, 1>(W, n, x, rows, count, c0, last, y);
        default: return column_block<8, 1>(W, n, x, rows, count, c0, last, y);
    }
}

}  // namespace

void matvec(const float* W, int m, int n, const float* x, float* y) {
    const int body = n - n % 8;
    for (int i = 0; i < m; ++i) {
        const float* w = W + static_cast<long>(i) * n;
        // Two accumulators: an FMA takes 4 cycles and two can start per cycle.
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        int j = 0;
        for (; j + 16 <= body; j += 16) {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + j), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j + 8), _mm256_loadu_ps(x + j + 8), acc1);
        }
        for (; j < body; j += 8)
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + j), acc0);
        float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
        for (; j < n; ++j) sum = __builtin_fmaf(w[j], x[j], sum);
        y[i] = sum;
    }
}

void matvec_t(const float* W, int m, int n, const float* x, float* y) {
    for (int j = 0; j < n; ++j) y[j] = 0.0f;
    constexpr int kChunk = 256;  // rows gathered at a time (a 1 KiB index buffer on the stack)
    int rows[kChunk + 8];
    const int regs_total = (n + 7) / 8;
    for (int r0 = 0; r0 < m; r0 += kChunk) {
        const int count = nonzero_rows(x, r0, std::min(m, r0 + kChunk), rows);
        if (count == 0) continue;
        // Columns in blocks of up to 64 (8 registers of accumulators).
        for (int reg = 0; reg < regs_total; reg += 8)
            column_block_any(W, n, x, rows, count, 8 * reg, std::min(8, regs_total - reg), y);
    }
}

void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v) {
    constexpr int kChunk = 256;
    int rows[kChunk + 8];
    for (int r0 = 0; r0 < m; r0 += kChunk) {
        const int count = nonzero_rows(u, r0, std::min(m, r0 + kChunk), rows);
        // Row i of W += (alpha·u[i]) · v: an axpy with W's row as the destination.
        for (int k = 0; k < count; ++k) {
            const int i = rows[k];
            axpy(alpha * u[i], v, W + static_cast<long>(i) * n, n);
        }
    }
}

namespace {

// e^x for eight floats: the classic range reduction x = k·ln2 + r with |r| ≤ ln2/2, so
// e^x = 2^k · e^r; e^r from its degree-6 Taylor-like polynomial (minimax coefficients as in
// Cephes' expf), and 2^k by writing k straight into the exponent bits.
// Inputs are clamped to [-87, 88], where the result is a normal float.
__m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // r = x − k·ln2, with ln2 split in two so k·ln2_hi is exact.
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^k: k + 127 in the exponent field of a float.
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

}  // namespace

void sigmoid_inplace(float* v, int n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    int i = 0;
    // σ(z) = 1 / (1 + e^(−z)); the clamp inside exp8 keeps e^(−z) finite for any z.
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp8(_mm256_xor_ps(_mm256_loadu_ps(v + i), sign));
        _mm256_storeu_ps(v + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
    }
    if (i < n) {  // the last few through a small buffer (no masked stores, see above)
        alignas(32) float buf[8] = {};
        for (int j = i; j < n; ++j) buf[j - i] = v[j];
        const __m256 e = exp8(_mm256_xor_ps(_mm256_load_ps(buf), sign));
        _mm256_store_ps(buf, _mm256_div_ps(one, _mm256_add_ps(one, e)));
        for (int j = i; j < n; ++j) v[j] = buf[j - i];
    }
}

}  // namespace hw::avx2
