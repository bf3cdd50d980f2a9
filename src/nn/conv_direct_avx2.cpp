// conv_direct_avx2.cpp — the implicit-GEMM convolution's register tiles for AVX2 + FMA.
//
// The same three products as conv_direct_avx512.cpp (whose comment explains the tiles), with
// vectors of 8 channels and the 16 ymm registers of AVX2: a tile keeps MR × NV accumulators,
// NV ≤ 2 vectors of 8 channels, MR·NV ≤ 12, so that the NV kernel vectors and a broadcast fit
// beside them. There is no row-wise kernel for one-channel first layers here: with 8 lanes,
// LeNet-5's 6 kernels already fill three quarters of a vector. Channel counts that are not a
// multiple of 8 use masked loads and stores (vmaskmovps) of the last vector. The kernels'
// packed matrix is the same as on AVX-512 (K × padded_channels(), zero columns up to a multiple
// of 16), so the portable code in conv_direct.cpp is shared.
//
// Compiled with the AVX2 flags (the Makefile's *_avx2.cpp rule) and only called after
// conv_direct.cpp has checked __builtin_cpu_supports("avx2") and ("fma"). No standard-library
// templates here, for the reason conv_direct_avx512.cpp gives.
#include <immintrin.h>

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
