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

// Channel blocks of 16, and within each, tiles of consecutive entries of one kernel row.
struct WeightGradTiling {
    int channel_blocks, tiles_per_row, kernel_rows;
    int tiles_per_block() const { return tiles_per_row * kernel_rows; }
};
WeightGradTiling weight_grad_tiling(const ConvWindows& s) {
    const int O = s.out_channels, row_floats = s.kernel_w * s.channels;
    const int rows = rows_for(min_int(kMaxVectors, (O + 7) / 8));
    return {(O + 8 * kMaxVectors - 1) / (8 * kMaxVectors), (row_floats + rows - 1) / rows, s.kernel_h};
}

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
    const int O = s.out_channels, row_floats = s.kernel_w * s.channels;
    const int o0 = (b / t.tiles_per_block()) * 8 * kMaxVectors, in_block = b % t.tiles_per_block();
    const int ky = in_block / t.tiles_per_row, tile = in_block % t.tiles_per_row;
    const int nv = min_int(kMaxVectors, (O - o0 + 7) / 8);
    const int base = row_floats / t.tiles_per_row, extra = row_floats % t.tiles_per_row;
    const int j0 = tile * base + min_int(tile, extra), mr = base + (tile < extra ? 1 : 0);
    const int k0 = ky * row_floats + j0;
    const float* entry = in + std::size_t(ky) * s.in_w * s.channels + j0;
    with_tile(mr, nv, [&]<int MR, int NV>() { weight_grad_tile<MR, NV>(s, entry, dy, k0, o0, first, dWt); });
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

void input_grad_image(const ConvWindows& s, const float* dy, const float* W, float* dy_col, float* dxp) {
    const int O = s.out_channels, row_floats = s.kernel_w * s.channels;
    const int nv = min_int(kMaxVectors, (row_floats + 7) / 8), rows = rows_for(nv);
    const int blocks = (s.out_h + rows - 1) / rows;
    const std::size_t rs = std::size_t(s.in_w) * s.channels;
    for (std::size_t i = 0; i < s.in_size(); ++i) dxp[i] = 0.0f;
    for (int ox = 0; ox < s.out_w; ++ox)
        for (int b = 0; b < blocks; ++b) {
            const int base = s.out_h / blocks, extra = s.out_h % blocks;
            const int oy0 = b * base + min_int(b, extra), mr = base + (b < extra ? 1 : 0);
            for (int i = 0; i < mr; ++i) {  // the column's dY rows, o-major
                const float* from = dy + (std::size_t(oy0 + i) * s.out_w + ox) * O;
                for (int o = 0; o < O; ++o) dy_col[o * mr + i] = from[o];
            }
            for (int ky = 0; ky < s.kernel_h; ++ky)
                for (int j0 = 0; j0 < row_floats; j0 += 8 * nv) {
                    float* dst = dxp + std::size_t(oy0) * s.stride * rs + ky * rs + std::size_t(ox) * s.stride * s.channels + j0;
                    with_tile(mr, nv, [&]<int MR, int NV>() { input_grad_tile<MR, NV>(s, dy_col, W, ky, j0, dst); });
                }
        }
}

}  // namespace

void conv_forward_images(const ConvWindows& s, const float* padded, int n0, int n1, const float* packed,
                         const float* bias, float* out) {
    for (int n = n0; n < n1; ++n)
        forward_image(s, padded + std::size_t(n) * s.in_size(), packed, bias, out + std::size_t(n) * s.out_size());
}

int weight_grad_blocks(const ConvWindows& s) {
    const WeightGradTiling t = weight_grad_tiling(s);
    return t.channel_blocks * t.tiles_per_block();
}

void weight_grad_blocks(const ConvWindows& s, const float* padded, int count, const float* dY, int b0, int b1,
                        bool first, float* dWt, float* db) {
    const WeightGradTiling t = weight_grad_tiling(s);
    for (int n = 0; n < count; ++n) {
        const float* in = padded + std::size_t(n) * s.in_size();
        const float* dy = dY + std::size_t(n) * s.out_size();
        for (int b = b0; b < b1; ++b) weight_grad_block(s, t, b, in, dy, first && n == 0, dWt);
        if (db) add_bias_grad(s, dy, first && n == 0, db);
    }
}

void conv_input_grad_images(const ConvWindows& s, const float* dY, const float* W, int n0, int n1, float* dy_col,
                            float* padded_dx) {
    for (int n = n0; n < n1; ++n)
        input_grad_image(s, dY + std::size_t(n) * s.out_size(), W, dy_col, padded_dx + std::size_t(n) * s.in_size());
}

}  // namespace hw::avx2
