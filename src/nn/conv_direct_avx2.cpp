// conv_direct_avx2.cpp — the implicit-GEMM convolution's register tiles for AVX2 + FMA.
//
// The same three products as conv_direct_avx512.cpp (whose comment explains the tiles), with
// vectors of 8 channels and the 16 ymm registers of AVX2: a tile keeps MR × NV accumulators,
// NV ≤ 2 vectors of 8 channels, MR·NV ≤ 12, so that the NV kernel vectors and a broadcast fit
// beside them. Channel counts that are not a multiple of 8 use masked loads and stores
// (vmaskmovps) of the last vector. The kernels' packed matrix is the same as on AVX-512
// (K × padded_channels(), zero columns up to a multiple of 16), so the portable code in
// conv_direct.cpp is shared. One-channel first layers with a channel count that is not a
// multiple of 8 (LeNet-5's 6) have row-wise kernels of their own, at the end of the file.
//
// Compiled with the AVX2 flags (the Makefile's *_avx2.cpp rule) and only called after
// conv_direct.cpp has checked __builtin_cpu_supports("avx2") and ("fma"). No standard-library
// templates here, for the reason conv_direct_avx512.cpp gives.
#include <immintrin.h>

#include "handwritten/core/transpose_avx2.hpp"
#include "handwritten/nn/conv_direct.hpp"

namespace hw::avx2 {

namespace {

constexpr int kMaxVectors = 2;  // channels per tile: 16

// Rows of a tile: MR·NV ≤ 12 accumulators.
constexpr int rows_for(int nv) { return nv == 1 ? 12 : 6; }

int min_int(int a, int b) { return a < b ? a : b; }

// All-ones lanes for the channels [first, first + 8) that are < channels.
__m256i channel_mask(int first, int channels) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(channels - first), lane);
}
bool full(int first, int channels) { return channels - first >= 8; }

__m256 load(const float* p, int first, int channels) {
    return full(first, channels) ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, channel_mask(first, channels));
}
void store(float* p, __m256 v, int first, int channels) {
    if (full(first, channels)) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, channel_mask(first, channels), v);
}

// acc[i][v] += value(i) · b[v], value(i) broadcast to all lanes.
template <int MR, int NV, class Value>
__attribute__((always_inline)) inline void broadcast_fma(__m256 (&acc)[MR][NV], const __m256 (&b)[NV], Value value) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        const __m256 x = _mm256_set1_ps(value(i));
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(x, b[v], acc[i][v]);
    }
}

// with_tile(mr, nv, body): body.template operator()<MR, NV>() for MR = mr, NV = nv.
template <int NV, int MR = 1, class Body>
void with_rows(int mr, Body& body) {
    if constexpr (MR <= rows_for(NV)) {
        if (mr == MR) body.template operator()<MR, NV>();
        else with_rows<NV, MR + 1>(mr, body);
    }
}
template <class Body>
void with_tile(int mr, int nv, Body body) {
    if (nv == 1) with_rows<1>(mr, body);
    else with_rows<2>(mr, body);
}

// ---------------------------------------------------------------- forward

// Output pixels [p0, p0 + MR) × channels [o0, o0 + 8·NV) of one image.
template <int MR, int NV>
void forward_tile(const ConvWindows& s, const float* in, const float* packed, const float* bias, int p0, int o0,
                  float* out) {
    const int C = s.channels, rs = s.in_w * C, row_floats = s.kernel_w * C, opad = s.padded_channels();
    const int O = s.out_channels;
    const float* window[MR];
    int oy = p0 / s.out_w, ox = p0 - oy * s.out_w;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        window[i] = in + std::size_t(oy) * s.stride * rs + std::size_t(ox) * s.stride * C;
        if (++ox == s.out_w) {
            ox = 0;
            ++oy;
        }
    }
    __m256 acc[MR][NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
        const int first = o0 + 8 * v;
        const __m256 b = bias && first < O ? load(bias + first, first, O) : _mm256_setzero_ps();
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) acc[i][v] = b;
    }
    for (int ky = 0; ky < s.kernel_h; ++ky) {
        const float* w = packed + std::size_t(ky) * row_floats * opad + o0;  // zero-padded: whole loads
        const float* row[MR];
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) row[i] = window[i] + std::size_t(ky) * rs;
        for (int j = 0; j < row_floats; ++j, w += opad) {
            __m256 wv[NV];
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) wv[v] = _mm256_loadu_ps(w + 8 * v);
            broadcast_fma<MR, NV>(acc, wv, [&](int i) { return row[i][j]; });
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v)
            if (o0 + 8 * v < O) store(out + std::size_t(p0 + i) * O + o0 + 8 * v, acc[i][v], o0 + 8 * v, O);
}

}  // namespace

void forward_image(const ConvWindows& s, const float* in, const float* packed, const float* bias, float* out) {
    const int P = s.out_h * s.out_w, O = s.out_channels;
    for (int o0 = 0; o0 < O; o0 += 8 * kMaxVectors) {
        const int nv = min_int(kMaxVectors, (O - o0 + 7) / 8), rows = rows_for(nv);
        for (int p0 = 0; p0 < P; p0 += rows) {
            const int mr = min_int(rows, P - p0);
            with_tile(mr, nv, [&]<int MR, int NV>() { forward_tile<MR, NV>(s, in, packed, bias, p0, o0, out); });
        }
    }
}

// ---------------------------------------------------------------- dW

// Channel blocks of 16, tiles of up to rows_for(nv) kernel entries (conv_direct.hpp).
WeightGradTiling weight_grad_tiling(const ConvWindows& s) {
    return hw::weight_grad_tiling(s, 8 * kMaxVectors, rows_for(min_int(kMaxVectors, (s.out_channels + 7) / 8)));
}

namespace {

// dWᵀ rows [k0, k0 + MR) × channels [o0, o0 + 8·NV), summed over one image's pixels, added to
// dWt or (first) written. dY is read masked past the last channel; dWt has padded columns.
template <int MR, int NV>
void weight_grad_tile(const ConvWindows& s, const float* entry, const float* dy, int k0, int o0, bool first,
                      float* dWt) {
    const int opad = s.padded_channels(), O = s.out_channels;
    __m256 acc[MR][NV];
    float* out = dWt + std::size_t(k0) * opad + o0;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v)
            acc[i][v] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(out + std::size_t(i) * opad + 8 * v);
    const std::size_t pixel_step = std::size_t(s.stride) * s.channels;
    const std::size_t row_jump = std::size_t(s.stride) * s.in_w * s.channels - std::size_t(s.out_w) * pixel_step;
    const int out_w = s.out_w, pixels = s.out_h * s.out_w;
    __m256i mask[NV];
    bool whole[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
        mask[v] = channel_mask(o0 + 8 * v, O);
        whole[v] = full(o0 + 8 * v, O);
    }
    const float* g = dy + o0;
    const float* x = entry;
    for (int p = 0, ox = 0; p < pixels; ++p) {
        __m256 gv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) gv[v] = whole[v] ? _mm256_loadu_ps(g + 8 * v) : _mm256_maskload_ps(g + 8 * v, mask[v]);
        broadcast_fma<MR, NV>(acc, gv, [&](int i) { return x[i]; });
        g += O;
        x += pixel_step;
        if (++ox == out_w) {
            ox = 0;
            x += row_jump;
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) _mm256_storeu_ps(out + std::size_t(i) * opad + 8 * v, acc[i][v]);
}

void weight_grad_block(const ConvWindows& s, const WeightGradTiling& t, int b, const float* in, const float* dy,
                       bool first, float* dWt) {
    const WeightGradTile tile = weight_grad_tile_at(s, t, b);
    const int nv = min_int(kMaxVectors, (s.out_channels - tile.o0 + 7) / 8);
    const float* entry = in + std::size_t(tile.ky) * s.in_w * s.channels + tile.j0;
    with_tile(tile.mr, nv, [&]<int MR, int NV>() {
        weight_grad_tile<MR, NV>(s, entry, dy, tile.k0, tile.o0, first, dWt);
    });
}

// db (+)= Σ over one image's pixels of dy (P × O), 16 channels at a time, in pixel order.
void add_bias_grad(const ConvWindows& s, const float* dy, bool first, float* db) {
    const int O = s.out_channels, pixels = s.out_h * s.out_w;
    for (int o0 = 0; o0 < O; o0 += 16) {
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        const bool two = o0 + 8 < O;
        for (int p = 0; p < pixels; ++p) {
            const float* g = dy + std::size_t(p) * O + o0;
            lo = _mm256_add_ps(lo, load(g, o0, O));
            if (two) hi = _mm256_add_ps(hi, load(g + 8, o0 + 8, O));
        }
        alignas(32) float lanes[16];
        _mm256_store_ps(lanes, lo);
        _mm256_store_ps(lanes + 8, hi);
        for (int o = o0; o < O && o < o0 + 16; ++o) db[o] = first ? lanes[o - o0] : db[o] + lanes[o - o0];
    }
}

// ---------------------------------------------------------------- dX

// A column of MR output pixels (oy0 + i, ox) × NV vectors of 8 entries of kernel row ky,
// added onto the padded gradient (the MR windows lie S·Wp·C floats apart: no overlap).
template <int MR, int NV>
void input_grad_tile(const ConvWindows& s, const float* dy_col, const float* W, int ky, int j0, float* dst) {
    const int K = s.patch_size(), O = s.out_channels, row_floats = s.kernel_w * s.channels;
    const std::size_t pixel_gap = std::size_t(s.stride) * s.in_w * s.channels;
    __m256 acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
    const float* w = W + std::size_t(ky) * row_floats + j0;
    for (int o = 0; o < O; ++o, w += K, dy_col += MR) {
        __m256 wv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) wv[v] = load(w + 8 * v, j0 + 8 * v, row_floats);
        broadcast_fma<MR, NV>(acc, wv, [&](int i) { return dy_col[i]; });
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            const int first = j0 + 8 * v;
            if (first >= row_floats) continue;
            float* to = dst + i * pixel_gap + 8 * v;
            store(to, _mm256_add_ps(load(to, first, row_floats), acc[i][v]), first, row_floats);
        }
}

}  // namespace

void input_grad_image(const ConvWindows& s, const float* dy, const float* W, float* dy_col, float* dxp) {
    const int row_floats = s.kernel_w * s.channels;
    const int nv = min_int(kMaxVectors, (row_floats + 7) / 8), rows = rows_for(nv);
    const int blocks = (s.out_h + rows - 1) / rows;  // balanced blocks of a column
    const std::size_t rs = std::size_t(s.in_w) * s.channels;
    for (std::size_t i = 0; i < s.in_size(); ++i) dxp[i] = 0.0f;
    for (int ox = 0; ox < s.out_w; ++ox)
        for (int b = 0; b < blocks; ++b) {
            const Span column = balanced_part(s.out_h, blocks, b);
            gather_column(s, dy, ox, column.first, column.count, dy_col);
            for (int ky = 0; ky < s.kernel_h; ++ky)
                for (int j0 = 0; j0 < row_floats; j0 += 8 * nv) {
                    float* dst = dxp + std::size_t(column.first) * s.stride * rs + ky * rs + std::size_t(ox) * s.stride * s.channels + j0;
                    with_tile(column.count, nv, [&]<int MR, int NV>() { input_grad_tile<MR, NV>(s, dy_col, W, ky, j0, dst); });
                }
        }
}

void weight_grad_image(const ConvWindows& s, const WeightGradTiling& t, const float* in, const float* dy, int b0,
                       int b1, bool first, float* dWt, float* db) {
    for (int b = b0; b < b1; ++b) weight_grad_block(s, t, b, in, dy, first, dWt);
    if (db) add_bias_grad(s, dy, first, db);
}

}  // namespace hw::avx2

// ---------------------------------------------------------------- one input channel, stride 1
//
// The row-wise kernels of conv_direct_avx512.cpp (whose comment explains the expanded rows and
// the channel patterns), in 8-lane pieces: NPH = O / gcd(O, 8) patterns (3 for LeNet-5's 6,
// whose output row of 28·6 floats is 21 whole pieces). With 16 registers the forward tile is
// one output row × 12 pieces (12 accumulators and the NPH kernel vectors: loads at 1.25 per FMA),
// and dW sums 2 kernel rows at a time (10 accumulators, the 5 pieces of a row, one dY vector).
//
// For 4 or 6 output channels the forward pass has a better tile, which needs no expanded copy:
// lanes along x. Two vectors of 8 consecutive output pixels of one row, times O channels, are
// 2·O ≤ 12 accumulators. Per kernel entry it loads the 2 input vectors straight from the padded
// image and broadcasts O kernel values, each used twice: 2 + O loads per 2·O FMAs (0.67 for
// O = 6, against 1.25 for the pieces, about 30% of which straddle cache lines). The tile's price is
// an 8×8 transpose per vector back to NHWC, and lanes wasted past the row's end (28 = 16 + 12).
namespace hw::avx2 {

namespace {

// expanded_phases(channels, 8) (conv_direct.hpp), written here so that the tiles, whose O is
// a template argument, get it folded to a constant (the call measured 1% of LeNet-5's loop).
constexpr int phases(int channels) {
    int a = channels, b = 8;
    while (b != 0) {
        const int r = a % b;
        a = b;
        b = r;
    }
    return channels / a;
}
int row_floats_out(const ConvWindows& s) { return s.out_w * s.out_channels; }
int row_pieces(const ConvWindows& s) { return (row_floats_out(s) + 7) / 8; }
std::size_t expanded_row(const ConvWindows& s) { return std::size_t(s.in_w) * s.out_channels; }
constexpr int kForwardTilePieces = 12;  // a multiple of NPH (1 or 3)

// E for one padded image (in_h rows of in_w pixels) → expanded (in_h rows of in_w·O floats):
// lane l of piece t repeats pixel (8t + l) / O of its row.
void expand_image(const ConvWindows& s, const float* in, float* expanded) {
    const int O = s.out_channels, nph = phases(O);
    const int len = static_cast<int>(expanded_row(s));
    // For phase q: idx[q][l], which pixel after the piece's first one lane l repeats, and
    // step[q], how many pixels the next piece's first one lies further on.
    alignas(32) int idx[8][8];
    int step[8];
    for (int q = 0; q < nph; ++q) {
        for (int l = 0; l < 8; ++l) idx[q][l] = ((8 * q) % O + l) / O;
        step[q] = ((8 * q) % O + 8) / O;
    }
    const int pixels_in_image = s.in_h * s.in_w;
    for (int y = 0; y < s.in_h; ++y) {
        const float* row = in + std::size_t(y) * s.in_w;
        float* out = expanded + std::size_t(y) * len;
        const int left_in_image = pixels_in_image - y * s.in_w;
        for (int t = 0, q = 0, first = 0; 8 * t < len; ++t) {
            // Whole loads except at the image's end: the lanes a piece takes past its row's
            // pixels are never used, and the rows are the expanded buffer's (stored whole).
            const __m256 pixels = first + 8 <= left_in_image
                                      ? _mm256_loadu_ps(row + first)
                                      : _mm256_maskload_ps(row + first, channel_mask(first, left_in_image));
            const __m256i lanes = _mm256_load_si256(reinterpret_cast<const __m256i*>(idx[q]));
            _mm256_storeu_ps(out + 8 * t, _mm256_permutevar8x32_ps(pixels, lanes));
            first += step[q];
            if (++q == nph) q = 0;
        }
    }
}

// Output row y, pieces [t0, t0 + NB) of one image. Pieces past the row are computed and dropped.
template <int NPH, int KW, int NB>
void expanded_forward_tile(const ConvWindows& s, const float* expanded, const float* packed, int y, int t0,
                           float* out) {
    const int pieces = row_pieces(s), len_out = row_floats_out(s), KH = s.kernel_h, O = s.out_channels;
    const std::size_t len = expanded_row(s);
    const float* bias = packed + std::size_t(KH) * KW * NPH * 8;
    __m256 acc[NB];
#pragma GCC unroll 12
    for (int b = 0; b < NB; ++b) acc[b] = _mm256_loadu_ps(bias + (b % NPH) * 8);
    for (int ky = 0; ky < KH; ++ky) {
        const float* e = expanded + (std::size_t(y) + ky) * len + 8 * t0;
        const float* w = packed + std::size_t(ky) * KW * NPH * 8;
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) {
            __m256 wv[NPH];
#pragma GCC unroll 3
            for (int q = 0; q < NPH; ++q) {
                wv[q] = _mm256_loadu_ps(w + (kx * NPH + q) * 8);
                asm("" : "+x"(wv[q]));  // in a register for its NB / NPH FMAs
            }
            // The column's pointer, so that each load is it plus a constant (the barrier stops
            // GCC from keeping NB·KW precomputed offsets instead).
            const float* e_kx = e + std::ptrdiff_t(kx) * O;
            asm("" : "+r"(e_kx));
#pragma GCC unroll 12
            for (int b = 0; b < NB; ++b) acc[b] = _mm256_fmadd_ps(_mm256_loadu_ps(e_kx + 8 * b), wv[b % NPH], acc[b]);
        }
    }
    // A piece that runs past the row is stored whole (its extra lanes land on the next row,
    // which is computed later), except in the image's last row: those would land on the next
    // image, perhaps another thread's.
    float* out_row = out + std::size_t(y) * len_out;
    const bool last_row = y + 1 == s.out_h;
#pragma GCC unroll 12
    for (int b = 0; b < NB; ++b) {
        const int t = t0 + b;
        if (t >= pieces) break;
        if (!last_row || 8 * t + 8 <= len_out) _mm256_storeu_ps(out_row + 8 * t, acc[b]);
        else _mm256_maskstore_ps(out_row + 8 * t, channel_mask(8 * t, len_out), acc[b]);
    }
}

template <int NPH, int KW>
void expanded_forward_image(const ConvWindows& s, const float* expanded, const float* packed, float* out) {
    constexpr int NB = kForwardTilePieces;
    const int pieces = row_pieces(s);
    for (int y = 0; y < s.out_h; ++y) {
        int t0 = 0;
        for (; t0 + NB <= pieces; t0 += NB) expanded_forward_tile<NPH, KW, NB>(s, expanded, packed, y, t0, out);
        // The rest (1 to 11 pieces) in a tile of 3, 6, 9 or 12: a multiple of NPH, so that it
        // starts at phase 0.
        switch ((pieces - t0 + 2) / 3) {
            case 0: break;
            case 1: expanded_forward_tile<NPH, KW, 3>(s, expanded, packed, y, t0, out); break;
            case 2: expanded_forward_tile<NPH, KW, 6>(s, expanded, packed, y, t0, out); break;
            case 3: expanded_forward_tile<NPH, KW, 9>(s, expanded, packed, y, t0, out); break;
            default: expanded_forward_tile<NPH, KW, 12>(s, expanded, packed, y, t0, out); break;
        }
    }
}

// Lanes along x: output row y, pixels [x0, x0 + 16) ∩ [0, out_w), all O channels (O = 4 or 6:
// at least 4, so that a pixel's 8-float store reaches only into the next pixel's channels). The kernel
// value (k, o) and the bias are read from the expanded packing's phase 0: packed[k·NPH·8 + o].
// The sums run in the order of the pieces' tile (bias, then ky, kx): the results are the same.
template <int O, int KW>
void along_x_forward_tile(const ConvWindows& s, const float* in, const float* packed, int y, int x0, float* out) {
    const int K = s.kernel_h * KW, valid = min_int(16, s.out_w - x0);
    const std::size_t entry = std::size_t(phases(O)) * 8;
    // Lanes past the row are masked out of the loads: they would read the next row, or past
    // the last image.
    const __m256i m0 = channel_mask(0, valid), m1 = channel_mask(8, valid);
    __m256 acc[O][2];
#pragma GCC unroll 6
    for (int o = 0; o < O; ++o) acc[o][0] = acc[o][1] = _mm256_broadcast_ss(packed + K * entry + o);
    for (int ky = 0; ky < s.kernel_h; ++ky) {
        const float* row = in + std::size_t(y + ky) * s.in_w + x0;
        const float* w = packed + std::size_t(ky) * KW * entry;
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) {
            const __m256 p0 = valid >= 8 ? _mm256_loadu_ps(row + kx) : _mm256_maskload_ps(row + kx, m0);
            const __m256 p1 = valid == 16 ? _mm256_loadu_ps(row + kx + 8) : _mm256_maskload_ps(row + kx + 8, m1);
#pragma GCC unroll 6
            for (int o = 0; o < O; ++o) {
                const __m256 wv = _mm256_broadcast_ss(w + kx * entry + o);
                acc[o][0] = _mm256_fmadd_ps(wv, p0, acc[o][0]);
                acc[o][1] = _mm256_fmadd_ps(wv, p1, acc[o][1]);
            }
        }
    }
    // Back to NHWC, 8 pixels at a time (store_pixels_transposed, core/transpose_avx2.hpp).
    float* dst = out + (std::size_t(y) * s.out_w + x0) * O;
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
        if (8 * v >= valid) break;
        __m256 r[8];
#pragma GCC unroll 8
        for (int o = 0; o < 8; ++o) r[o] = o < O ? acc[o < O ? o : 0][v] : _mm256_setzero_ps();
        store_pixels_transposed(r, dst + 8 * v * O, O, valid - 8 * v);
    }
}

template <int O, int KW>
void along_x_forward_image(const ConvWindows& s, const float* in, const float* packed, float* out) {
    for (int y = 0; y < s.out_h; ++y)
        for (int x0 = 0; x0 < s.out_w; x0 += 16) along_x_forward_tile<O, KW>(s, in, packed, y, x0, out);
}

template <int O>
void along_x_forward_kw(const ConvWindows& s, const float* in, const float* packed, float* out) {
    if (s.kernel_w == 3) along_x_forward_image<O, 3>(s, in, packed, out);
    else along_x_forward_image<O, 5>(s, in, packed, out);
}

// dW for kernel rows [k0, k0 + J) and phase q, as in conv_direct_avx512.cpp: over input rows r,
// the KW pieces of row r (loaded once) meet the dY rows r − k0 − j of the group's kernel rows.
template <int KW, int J, int J0, int J1>
__attribute__((always_inline)) inline void weight_grad_piece(const float* e, const float* g_r, std::ptrdiff_t dy_row,
                                                             int first, int len_out, int O, __m256 (&acc)[J][KW]) {
    __m256 ev[KW];
    // One load per kernel column, kept in a register for its J FMAs; the pointer steps by O
    // (the barriers stop GCC from keeping KW offsets in spilled registers instead).
#pragma GCC unroll 7
    for (int kx = 0; kx < KW; ++kx, e += O) {
        asm("" : "+r"(e));
        ev[kx] = _mm256_loadu_ps(e);
        asm("" : "+x"(ev[kx]));
    }
#pragma GCC unroll 4
    for (int j = J0; j <= J1; ++j) {
        // Lanes past the row's end are left out: they would be the next row's dY.
        // (The mask is made only then: all 16 registers are taken.)
        const float* g = g_r - j * dy_row;
        const __m256 gv =
            first + 8 > len_out ? _mm256_maskload_ps(g, channel_mask(first, len_out)) : _mm256_loadu_ps(g);
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) acc[j][kx] = _mm256_fmadd_ps(gv, ev[kx], acc[j][kx]);
    }
}

template <int NPH, int KW, int J, int J0 = 0, int J1 = 0>
__attribute__((always_inline)) inline void weight_grad_input_row(int j0, int j1, const ConvWindows& s, const float* e_r,
                                                                 const float* g_r, int q, __m256 (&acc)[J][KW]) {
    if (j0 == J0 && j1 == J1) {
        const int pieces = row_pieces(s), len_out = row_floats_out(s);
        for (int t = q; t < pieces; t += NPH)
            weight_grad_piece<KW, J, J0, J1>(e_r + 8 * t, g_r + 8 * t, len_out, 8 * t, len_out, s.out_channels, acc);
        return;
    }
    if constexpr (J1 + 1 < J) weight_grad_input_row<NPH, KW, J, J0, J1 + 1>(j0, j1, s, e_r, g_r, q, acc);
    else if constexpr (J0 + 1 < J) weight_grad_input_row<NPH, KW, J, J0 + 1, J0 + 1>(j0, j1, s, e_r, g_r, q, acc);
}

// Kernel rows [k0, k0 + J) of one image, phase q, into sums ((ky·NPH + q)·KW + kx pieces):
// first ? = : +=.
template <int NPH, int KW, int J>
void expanded_weight_grad_group(const ConvWindows& s, const float* expanded, const float* dy, int q, int k0,
                                bool first, float* sums) {
    const int len_out = row_floats_out(s);
    const std::size_t len = expanded_row(s);
    __m256 acc[J][KW];
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) acc[j][kx] = _mm256_setzero_ps();
    for (int r = k0; r < k0 + J - 1 + s.out_h; ++r) {  // kernel row k0 + j meets dY row r − k0 − j
        const int j0 = r - k0 - s.out_h + 1 > 0 ? r - k0 - s.out_h + 1 : 0, j1 = min_int(J - 1, r - k0);
        weight_grad_input_row<NPH, KW, J>(j0, j1, s, expanded + std::size_t(r) * len,
                                          dy + std::ptrdiff_t(r - k0) * len_out, q, acc);
    }
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) {
            float* to = sums + ((std::size_t(k0 + j) * NPH + q) * KW + kx) * 8;
            _mm256_storeu_ps(to, first ? acc[j][kx] : _mm256_add_ps(_mm256_loadu_ps(to), acc[j][kx]));
        }
}

// Units [u0, u1) of one image (unit u: phase u / KH, kernel row u % KH), in groups of up to
// 16 / KW − 1 kernel rows of one phase (2 for kernels 5 wide, 4 for 3 wide: the accumulators,
// the KW pieces and one dY vector fill the 16 registers).
template <int NPH, int KW>
void expanded_weight_grad_units(const ConvWindows& s, const float* expanded, const float* dy, int u0, int u1,
                                bool first, float* sums) {
    constexpr int max_rows = KW == 3 ? 4 : 2;
    const int KH = s.kernel_h;
    for (int u = u0; u < u1;) {
        const int q = u / KH, k0 = u % KH;
        const int J = min_int(min_int(max_rows, KH - k0), u1 - u);
        switch (J) {
            case 1: expanded_weight_grad_group<NPH, KW, 1>(s, expanded, dy, q, k0, first, sums); break;
            case 2: expanded_weight_grad_group<NPH, KW, 2>(s, expanded, dy, q, k0, first, sums); break;
            case 3:
                if constexpr (max_rows >= 3) expanded_weight_grad_group<NPH, KW, 3>(s, expanded, dy, q, k0, first, sums);
                break;
            default:
                if constexpr (max_rows >= 4) expanded_weight_grad_group<NPH, KW, 4>(s, expanded, dy, q, k0, first, sums);
                break;
        }
        u += J;
    }
}

template <int NPH>
void expanded_forward_kw(const ConvWindows& s, const float* e, const float* packed, float* out) {
    if (s.kernel_w == 3) expanded_forward_image<NPH, 3>(s, e, packed, out);
    else expanded_forward_image<NPH, 5>(s, e, packed, out);
}
template <int NPH>
void expanded_weight_grad_kw(const ConvWindows& s, const float* e, const float* dy, int u0, int u1, bool first,
                             float* sums) {
    if (s.kernel_w == 3) expanded_weight_grad_units<NPH, 3>(s, e, dy, u0, u1, first, sums);
    else expanded_weight_grad_units<NPH, 5>(s, e, dy, u0, u1, first, sums);
}

}  // namespace

bool expanded_path_ok(const ConvWindows& s) {
    // Channel counts that fill whole vectors waste no lanes on the channel tiles.
    return s.channels == 1 && s.stride == 1 && (s.kernel_w == 3 || s.kernel_w == 5) && s.out_channels % 8 != 0 &&
           phases(s.out_channels) <= 3;
}

std::size_t expanded_floats(const ConvWindows& s) {
    // The rows, plus what the last tile of the last row reads past them (a whole tile of
    // pieces and the kernel's width), rounded up.
    return std::size_t(s.in_h) * expanded_row(s) + 8 * kForwardTilePieces + std::size_t(s.kernel_w) * s.out_channels + 64;
}

void expanded_forward_images(const ConvWindows& s, const float* padded, int n0, int n1, const float* packed,
                             float* expanded, float* out) {
    for (int n = n0; n < n1; ++n) {
        const float* in = padded + std::size_t(n) * s.in_size();
        float* y = out + std::size_t(n) * s.out_size();
        if (along_x_path_ok(s)) {  // no expanded copy (the phase-0 packing covers O)
            if (s.out_channels == 4) along_x_forward_kw<4>(s, in, packed, y);
            else along_x_forward_kw<6>(s, in, packed, y);
            continue;
        }
        expand_image(s, in, expanded);
        if (phases(s.out_channels) == 1) expanded_forward_kw<1>(s, expanded, packed, y);
        else expanded_forward_kw<3>(s, expanded, packed, y);
    }
}

void expanded_weight_grad(const ConvWindows& s, const float* padded, int count, const float* dY, int u0, int u1,
                          bool first, float* expanded, float* sums, float* db) {
    for (int n = 0; n < count; ++n) {
        expand_image(s, padded + std::size_t(n) * s.in_size(), expanded);
        const float* dy = dY + std::size_t(n) * s.out_size();
        const bool overwrite = first && n == 0;
        if (phases(s.out_channels) == 1) expanded_weight_grad_kw<1>(s, expanded, dy, u0, u1, overwrite, sums);
        else expanded_weight_grad_kw<3>(s, expanded, dy, u0, u1, overwrite, sums);
        if (db) add_bias_grad(s, dy, overwrite, db);
    }
}

bool along_x_path_ok(const ConvWindows& s) {
    return expanded_path_ok(s) && (s.out_channels == 4 || s.out_channels == 6);
}

}  // namespace hw::avx2
