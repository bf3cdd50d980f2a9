// conv_direct_avx512.cpp — the register tiles of the implicit-GEMM convolution (conv_direct.hpp).
//
// Compiled with the AVX-512 flags (the Makefile's *_avx512.cpp rule) and only ever called after
// conv_direct.cpp has checked __builtin_cpu_supports("avx512f"). No standard-library templates
// here: an inline template instantiated under -mavx512f could become the copy the linker keeps
// for generic code.
//
// Both tiles keep MR × NV vectors of 16 channels in registers (up to 24 of the 32) and walk the
// padded image with the two address parts of conv_direct.hpp:
//   forward: MR consecutive output pixels × NV·16 output channels; per kernel entry k, NV loads
//            of the packed kernels and MR broadcasts of window values, MR·NV FMAs;
//   dW:      MR consecutive kernel entries × NV·16 output channels; per output pixel, NV loads
//            of dY and MR broadcasts of window values, MR·NV FMAs. The reduction runs over every
//            pixel of one image with the accumulators in registers; the images go through one
//            after the other (each image's padded copy and dY stay in L2 while every tile of
//            dW passes over them), so dW is summed image by image, pixel by pixel, on any thread.
// Channel counts that are not a multiple of 16 use masked loads and stores of the last vector.
#include <immintrin.h>

#include "handwritten/core/transpose_avx2.hpp"
#include "handwritten/nn/conv_direct.hpp"

namespace hw::avx512 {

namespace {

constexpr int kMaxVectors = 4;  // channels per tile: 64

// Rows of a tile: MR·NV accumulators, at most 24 (8 registers left for loads and broadcasts).
constexpr int rows_for(int nv) { return nv == 1 ? 12 : nv == 2 ? 12 : nv == 3 ? 8 : 6; }

int min_int(int a, int b) { return a < b ? a : b; }

// Lanes of the vector starting at channel `first` that hold one of `channels` channels.
__mmask16 channel_mask(int first, int channels) {
    const int left = channels - first;
    return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1u);
}

// One step of an MR × NV register tile: acc[i][v] += value(i) · b[v], value(i) broadcast to all
// lanes. The three products below differ only in where value(i) and b come from.
template <int MR, int NV, class Value>
__attribute__((always_inline)) inline void broadcast_fma(__m512 (&acc)[MR][NV], const __m512 (&b)[NV], Value value) {
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
        const __m512 x = _mm512_set1_ps(value(i));
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(x, b[v], acc[i][v]);
    }
}

// The tile kernels are templates, so that their accumulators are registers; the tile a shape
// needs is known only at run time. with_tile(mr, nv, body) runs body.template operator()<MR, NV>()
// for MR = mr (1 … rows_for(NV)) and NV = nv (1 … 4).
template <int NV, int MR = 1, class Body>
void with_rows(int mr, Body& body) {
    if constexpr (MR <= rows_for(NV)) {
        if (mr == MR) body.template operator()<MR, NV>();
        else with_rows<NV, MR + 1>(mr, body);
    }
}

template <class Body>
void with_tile(int mr, int nv, Body body) {
    switch (nv) {
        case 1: with_rows<1>(mr, body); break;
        case 2: with_rows<2>(mr, body); break;
        case 3: with_rows<3>(mr, body); break;
        default: with_rows<4>(mr, body); break;
    }
}

// ---------------------------------------------------------------- forward

// out pixels [p0, p0 + MR) × channels [o0, o0 + 16·NV) of one image.
template <int MR, int NV>
void forward_tile(const ConvWindows& s, const float* in, const float* packed, const float* bias, int p0, int o0,
                  float* out) {
    const int C = s.channels, rs = s.in_w * C, row_floats = s.kernel_w * C, opad = s.padded_channels();
    const float* window[MR];
    int oy = p0 / s.out_w, ox = p0 - oy * s.out_w;  // one division per tile, then steps
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
        window[i] = in + std::size_t(oy) * s.stride * rs + std::size_t(ox) * s.stride * C;
        if (++ox == s.out_w) {
            ox = 0;
            ++oy;
        }
    }
    __mmask16 mask[NV];
    __m512 acc[MR][NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
        mask[v] = channel_mask(o0 + 16 * v, s.out_channels);
        const __m512 b = bias ? _mm512_maskz_loadu_ps(mask[v], bias + o0 + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 12
        for (int i = 0; i < MR; ++i) acc[i][v] = b;
    }
    for (int ky = 0; ky < s.kernel_h; ++ky) {
        const float* w = packed + std::size_t(ky) * row_floats * opad + o0;
        const float* row[MR];
#pragma GCC unroll 12
        for (int i = 0; i < MR; ++i) row[i] = window[i] + std::size_t(ky) * rs;
        // One kernel row of a window: KW·C consecutive floats of the padded image.
        for (int j = 0; j < row_floats; ++j, w += opad) {
            __m512 wv[NV];
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_ps(w + 16 * v);
            broadcast_fma<MR, NV>(acc, wv, [&](int i) { return row[i][j]; });
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
            _mm512_mask_storeu_ps(out + std::size_t(p0 + i) * s.out_channels + o0 + 16 * v, mask[v], acc[i][v]);
}

}  // namespace

void forward_image(const ConvWindows& s, const float* in, const float* packed, const float* bias, float* out) {
    const int P = s.out_h * s.out_w, opad = s.padded_channels();
    for (int o0 = 0; o0 < opad; o0 += 16 * kMaxVectors) {
        const int nv = min_int(kMaxVectors, (opad - o0) / 16), rows = rows_for(nv);
        for (int p0 = 0; p0 < P; p0 += rows) {
            const int mr = min_int(rows, P - p0);
            with_tile(mr, nv, [&]<int MR, int NV>() { forward_tile<MR, NV>(s, in, packed, bias, p0, o0, out); });
        }
    }
}

// ---------------------------------------------------------------- dW

// Channel blocks of up to 64, tiles of up to rows_for(nv) kernel entries (conv_direct.hpp).
WeightGradTiling weight_grad_tiling(const ConvWindows& s) {
    return hw::weight_grad_tiling(s, 16 * kMaxVectors, rows_for(min_int(kMaxVectors, s.padded_channels() / 16)));
}

namespace {

// dWᵀ rows [k0, k0 + MR) × channels [o0, o0 + 16·NV), over the pixels of one image: added to
// what dWt holds, or written when `first`. The MR entries are consecutive floats of the window
// from `entry` (their place in the window at the padded image's origin) on.
template <int MR, int NV>
void weight_grad_tile(const ConvWindows& s, const float* entry, const float* dy, int k0, int o0, bool first,
                      float* dWt) {
    const int opad = s.padded_channels();
    __mmask16 mask[NV];
    __m512 acc[MR][NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) mask[v] = channel_mask(o0 + 16 * v, s.out_channels);
    float* out = dWt + std::size_t(k0) * opad + o0;
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)  // the first image's sums overwrite what dWt held
            acc[i][v] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(out + std::size_t(i) * opad + 16 * v);
    // Pixel (oy, ox)'s window starts at oy·S·rs + ox·S·C: step S·C along a row, and at the
    // row's end jump to the next one. (Sizes in locals: the loop then reads no memory but x and g.)
    const std::size_t pixel_step = std::size_t(s.stride) * s.channels;
    const std::size_t row_jump = std::size_t(s.stride) * s.in_w * s.channels - std::size_t(s.out_w) * pixel_step;
    const std::size_t g_step = s.out_channels;
    const int out_w = s.out_w, out_h = s.out_h;
    const float* g = dy + o0;
    const float* x = entry;
    const int pixels = out_h * out_w;
    for (int p = 0, ox = 0; p < pixels; ++p) {
        __m512 gv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) gv[v] = _mm512_maskz_loadu_ps(mask[v], g + 16 * v);
        broadcast_fma<MR, NV>(acc, gv, [&](int i) { return x[i]; });
        g += g_step;
        x += pixel_step;
        if (++ox == out_w) {
            ox = 0;
            x += row_jump;
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) _mm512_storeu_ps(out + std::size_t(i) * opad + 16 * v, acc[i][v]);
}

void weight_grad_block(const ConvWindows& s, const WeightGradTiling& t, int b, const float* in, const float* dy,
                       bool first, float* dWt) {
    const WeightGradTile tile = weight_grad_tile_at(s, t, b);
    const int nv = min_int(kMaxVectors, (s.padded_channels() - tile.o0) / 16);
    const float* entry = in + std::size_t(tile.ky) * s.in_w * s.channels + tile.j0;
    with_tile(tile.mr, nv, [&]<int MR, int NV>() {
        weight_grad_tile<MR, NV>(s, entry, dy, tile.k0, tile.o0, first, dWt);
    });
}

// ---------------------------------------------------------------- dX

// dX is the adjoint of forward: every window gives back Σ_o dY[p][o] · W[o][k] to the padded
// pixel it read entry k from (col2im fused into the product). A tile is a column of MR output
// pixels (oy0 + i, ox) × NV vectors of 16 consecutive entries of one kernel row: their windows
// lie S·Wp·C floats apart, so the MR read-modify-writes of a tile never overlap each other.
// The MR pixels' dY rows are broadcast from where they lie, Wo·O floats apart (dy_px: pixel
// (oy0, ox)). Gathering them first into one O × MR block (gather_column, as the AVX2 tile does)
// made each broadcast one pointer plus a constant, but cost more than it saved: on Zen 4, LeNet-5's
// second-layer dX for a batch of 128 took 0.78–1.14 ms with the gather and 0.69–0.94 ms without
// (median of 10 paired runs 16% shorter), and cnn's 3–7% shorter.
template <int MR, int NV>
void input_grad_tile(const ConvWindows& s, const float* dy_px, const float* W, int ky, int j0, float* dst) {
    const int K = s.patch_size(), O = s.out_channels, row_floats = s.kernel_w * s.channels;
    const std::size_t pixel_gap = std::size_t(s.stride) * s.in_w * s.channels;
    __mmask16 mask[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) mask[v] = channel_mask(j0 + 16 * v, row_floats);
    __m512 acc[MR][NV];
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    const float* w = W + std::size_t(ky) * row_floats + j0;
    const std::size_t dy_row = std::size_t(s.out_w) * O;
    const float* px[MR];
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) px[i] = dy_px + i * dy_row;
    for (int o = 0; o < O; ++o, w += K) {
        __m512 wv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wv[v] = _mm512_maskz_loadu_ps(mask[v], w + 16 * v);
        broadcast_fma<MR, NV>(acc, wv, [&](int i) { return px[i][o]; });
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            float* to = dst + i * pixel_gap + 16 * v;
            _mm512_mask_storeu_ps(to, mask[v], _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], to), acc[i][v]));
        }
}

// Vectors per tile for kernel rows of `vectors` vectors: a divisor of it when one is ≤ 4 and > 1.
int input_grad_vectors(int vectors) {
    if (vectors <= kMaxVectors) return vectors;
    for (int nv = kMaxVectors; nv > 1; --nv)
        if (vectors % nv == 0) return nv;
    return kMaxVectors;  // the last tile of a row then masks its spare vectors off
}

}  // namespace

void input_grad_image(const ConvWindows& s, const float* dy, const float* W, float* dxp) {
    const int row_floats = s.kernel_w * s.channels;
    const int vectors = (row_floats + 15) / 16, nv = input_grad_vectors(vectors), rows = rows_for(nv);
    const int blocks = (s.out_h + rows - 1) / rows;  // balanced blocks of a column
    const std::size_t rs = std::size_t(s.in_w) * s.channels;
    for (std::size_t i = 0; i < s.in_size(); ++i) dxp[i] = 0.0f;
    for (int ox = 0; ox < s.out_w; ++ox)
        for (int b = 0; b < blocks; ++b) {
            const Span column = balanced_part(s.out_h, blocks, b);
            const float* dy_px = dy + (std::size_t(column.first) * s.out_w + ox) * s.out_channels;
            for (int ky = 0; ky < s.kernel_h; ++ky)
                for (int j0 = 0; j0 < row_floats; j0 += 16 * nv) {
                    float* dst = dxp + std::size_t(column.first) * s.stride * rs + ky * rs + std::size_t(ox) * s.stride * s.channels + j0;
                    with_tile(column.count, nv, [&]<int MR, int NV>() { input_grad_tile<MR, NV>(s, dy_px, W, ky, j0, dst); });
                }
        }
}

namespace {

// db (+)= Σ over one image's pixels of dy (P × O); `first` overwrites db. Run right after the
// image's dW tiles, while dy is in cache. The image's P·O floats are read as one flat array in
// pieces of L = lcm(O, 16) floats: lane l of a piece always belongs to channel l mod O, so L/16
// vector sums cover every pixel (3 vectors per 8 pixels for LeNet-5's 6 channels, where a
// vector per pixel would use 6 lanes of 16), and the lanes are folded into the O sums at the
// end. A fixed order per image, so the result does not depend on how images are grouped.
void add_bias_grad(const ConvWindows& s, const float* dy, bool first, float* db) {
    constexpr int kMaxPieceVectors = 8;
    const int O = s.out_channels, L = expanded_phases(O, 16) * 16, nv = L / 16;
    alignas(64) float lanes[16 * kMaxPieceVectors];
    if (nv <= kMaxPieceVectors) {
        __m512 acc[kMaxPieceVectors];
        for (int v = 0; v < nv; ++v) acc[v] = _mm512_setzero_ps();
        const int total = s.out_h * s.out_w * O;
        int i = 0;
        for (; i + L <= total; i += L)
            for (int v = 0; v < nv; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_loadu_ps(dy + i + 16 * v));
        for (int v = 0; v < nv && i + 16 * v < total; ++v)  // the last, partial piece
            acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(channel_mask(i + 16 * v, total), dy + i + 16 * v));
        for (int v = 0; v < nv; ++v) _mm512_store_ps(lanes + 16 * v, acc[v]);
        for (int o = 0; o < O; ++o) {
            float sum = 0.0f;
            for (int l = o; l < L; l += O) sum += lanes[l];
            db[o] = first ? sum : db[o] + sum;
        }
        return;
    }
    for (int o0 = 0; o0 < O; o0 += 16) {  // wide, odd channel counts: one vector per pixel
        const __mmask16 mask = channel_mask(o0, O);
        __m512 acc = _mm512_setzero_ps();
        for (int p = 0; p < s.out_h * s.out_w; ++p) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, dy + std::size_t(p) * O + o0));
        _mm512_store_ps(lanes, acc);
        for (int o = o0; o < O && o < o0 + 16; ++o) db[o] = first ? lanes[o - o0] : db[o] + lanes[o - o0];
    }
}

}  // namespace

void weight_grad_image(const ConvWindows& s, const WeightGradTiling& t, const float* in, const float* dy, int b0,
                       int b1, bool first, float* dWt, float* db) {
    for (int b = b0; b < b1; ++b) weight_grad_block(s, t, b, in, dy, first, dWt);
    if (db) add_bias_grad(s, dy, first, db);
}

}  // namespace hw::avx512

// ---------------------------------------------------------------- one input channel, stride 1
//
// A first layer (C = 1) with few kernels leaves most lanes of a 16-channel vector idle (6 of 16
// for LeNet-5's six). So for C = 1 and stride 1 the vectors run along an output ROW instead: its
// Wo·O floats (pixel-major, channel-minor: NHWC) in 16-lane pieces. Lane l of piece t is pixel
// x = (16t + l) / O, channel o = (16t + l) % O, and needs, for kernel entry (ky, kx), the padded
// pixel (y + ky, x + kx). An expanded copy of each padded row, E[x·O + o] = row[x] (every pixel
// repeated O times), makes that ONE contiguous load: E[16t + l + kx·O]. The kernel values a
// piece needs depend only on the channel pattern of its lanes, i.e. on t mod NPH with
// NPH = O / gcd(O, 16) (3 for O = 6, 1 for O = 8), so they are packed once as NPH vectors per
// entry. Every lane then does useful work, and the output pieces are already in NHWC order.
namespace hw::avx512 {

namespace {

// expanded_phases(channels, 16) (conv_direct.hpp), written here so that the tiles, whose O is
// a template argument, get it folded to a constant (the call measured 1% of LeNet-5's loop).
constexpr int phases(int channels) {
    int a = channels, b = 16;
    while (b != 0) {
        const int r = a % b;
        a = b;
        b = r;
    }
    return channels / a;
}
int row_floats_out(const ConvWindows& s) { return s.out_w * s.out_channels; }
int row_pieces(const ConvWindows& s) { return (row_floats_out(s) + 15) / 16; }
std::size_t expanded_row(const ConvWindows& s) { return std::size_t(s.in_w) * s.out_channels; }

// E for one padded image (in_h rows of in_w pixels) → expanded (in_h rows of in_w·O floats).
void expand_image(const ConvWindows& s, const float* in, float* expanded) {
    const int O = s.out_channels, nph = phases(O);
    const int len = static_cast<int>(expanded_row(s));
    // For phase q: idx[q][l], which pixel after the piece's first one lane l repeats, and
    // step[q], how many pixels the next piece's first one lies further on.
    alignas(64) int idx[16][16];
    int step[16];
    for (int q = 0; q < nph; ++q) {
        for (int l = 0; l < 16; ++l) idx[q][l] = ((16 * q) % O + l) / O;
        step[q] = ((16 * q) % O + 16) / O;
    }
    const int pixels_in_image = s.in_h * s.in_w;
    for (int y = 0; y < s.in_h; ++y) {
        const float* row = in + std::size_t(y) * s.in_w;
        float* out = expanded + std::size_t(y) * len;
        const int left_in_image = pixels_in_image - y * s.in_w;
        for (int t = 0, q = 0, first = 0; 16 * t < len; ++t) {
            // Whole loads and stores except at the image's and the row's end: the lanes a piece
            // takes past its row's pixels are never used.
            const __m512 pixels = first + 16 <= left_in_image
                                      ? _mm512_loadu_ps(row + first)
                                      : _mm512_maskz_loadu_ps(channel_mask(first, left_in_image), row + first);
            const __m512i lanes = _mm512_load_si512(idx[q]);
            // (the maskz form: GCC 12 warns about the undefined source of the plain one)
            const __m512 piece = _mm512_maskz_permutexvar_ps(0xFFFF, lanes, pixels);
            if (16 * t + 16 <= len) _mm512_storeu_ps(out + 16 * t, piece);
            else _mm512_mask_storeu_ps(out + 16 * t, channel_mask(16 * t, len), piece);
            first += step[q];
            if (++q == nph) q = 0;
        }
    }
}

// A forward tile is Y = 3 output rows × NB = 6 pieces. Input row r serves output row y with
// kernel row r − y, so each load of an expanded row piece feeds the FMAs of up to 3 output
// rows: 18 accumulators and Y·NPH ≤ 9 kernel vectors in registers, of 32. A load at kx·O floats
// straddles two cache lines for most kx, and such loads go at one per cycle against two FMAs;
// with one row per tile they bound the FMAs to under half the peak, with three rows they no
// longer do. NB is a multiple of NPH (1 or 3: odd for any O that is not a multiple of 16), so
// that every tile starts at phase 0.
constexpr int kForwardTileRows = 3, kForwardTilePieces = 6;

// One input row (d rows below the tile's first) against kernel column kx for the tile's
// output rows I0 … I1 (those for which kernel row d − i exists): acc[i][b] += E · W[d − i][kx].
template <int NPH, int KW, int Y, int NB, int I0, int I1>
__attribute__((always_inline)) inline void forward_row_step(const float* e, const float* w_d, int O,
                                                            __m512 (&acc)[Y][NB]) {
    constexpr int per_kernel_row = KW * NPH * 16;
#pragma GCC unroll 7
    for (int kx = 0; kx < KW; ++kx) {
        __m512 wv[Y][NPH];
#pragma GCC unroll 3
        for (int i = I0; i <= I1; ++i)
#pragma GCC unroll 4
            for (int q = 0; q < NPH; ++q) {
                wv[i][q] = _mm512_loadu_ps(w_d - i * per_kernel_row + (kx * NPH + q) * 16);
                // Keep it in a register: GCC would otherwise fold this load into every FMA
                // that uses it, one more load per FMA.
                asm("" : "+v"(wv[i][q]));
            }
        // The column's pointer first, so that each load is it plus a constant, and each loaded
        // vector in a register (the barriers stop GCC from keeping 30 precomputed offsets
        // instead, and from loading the vector again for each of its FMAs).
        const float* e_kx = e + std::ptrdiff_t(kx) * O;
        asm("" : "+r"(e_kx));
#pragma GCC unroll 8
        for (int b = 0; b < NB; ++b) {
            __m512 v = _mm512_loadu_ps(e_kx + 16 * b);
            asm("" : "+v"(v));
#pragma GCC unroll 3
            for (int i = I0; i <= I1; ++i) acc[i][b] = _mm512_fmadd_ps(v, wv[i][b % NPH], acc[i][b]);
        }
    }
}

template <int NPH, int KW, int Y, int NB, int I0 = 0, int I1 = 0>
__attribute__((always_inline)) inline void forward_row_rows(int i0, int i1, const float* e, const float* w_d, int O,
                                                            __m512 (&acc)[Y][NB]) {
    if (i0 == I0 && i1 == I1) return forward_row_step<NPH, KW, Y, NB, I0, I1>(e, w_d, O, acc);
    if constexpr (I1 + 1 < Y) forward_row_rows<NPH, KW, Y, NB, I0, I1 + 1>(i0, i1, e, w_d, O, acc);
    else if constexpr (I0 + 1 < Y) forward_row_rows<NPH, KW, Y, NB, I0 + 1, I0 + 1>(i0, i1, e, w_d, O, acc);
}

// Output rows [y0, y0 + Y) × pieces [t0, t0 + NB) of one image.
template <int NPH, int KW, int Y>
void expanded_forward_tile(const ConvWindows& s, const float* expanded, const float* packed, int y0, int t0,
                           float* out) {
    constexpr int NB = kForwardTilePieces;
    const int pieces = row_pieces(s), len_out = row_floats_out(s), KH = s.kernel_h;
    const std::size_t len = expanded_row(s);
    const float* bias = packed + std::size_t(KH) * KW * NPH * 16;
    __m512 acc[Y][NB];
#pragma GCC unroll 3
    for (int i = 0; i < Y; ++i)
#pragma GCC unroll 8
        for (int b = 0; b < NB; ++b) acc[i][b] = _mm512_loadu_ps(bias + (b % NPH) * 16);
    for (int d = 0; d < Y + KH - 1; ++d) {  // input row y0 + d
        const float* e = expanded + (std::size_t(y0) + d) * len + 16 * t0;
        const int i0 = d - KH + 1 > 0 ? d - KH + 1 : 0, i1 = min_int(Y - 1, d);
        forward_row_rows<NPH, KW, Y, NB>(i0, i1, e, packed + std::size_t(d) * KW * NPH * 16, s.out_channels, acc);
    }
#pragma GCC unroll 3
    for (int i = 0; i < Y; ++i)
#pragma GCC unroll 8
        for (int b = 0; b < NB; ++b)
            if (t0 + b < pieces)
                _mm512_mask_storeu_ps(out + std::size_t(y0 + i) * len_out + 16 * (t0 + b),
                                      channel_mask(16 * (t0 + b), len_out), acc[i][b]);
}

template <int NPH, int KW>
void expanded_forward_image(const ConvWindows& s, const float* expanded, const float* packed, float* out) {
    constexpr int Y = kForwardTileRows, NB = kForwardTilePieces;
    const int pieces = row_pieces(s);
    for (int t0 = 0; t0 < pieces; t0 += NB) {
        int y0 = 0;
        for (; y0 + Y <= s.out_h; y0 += Y) expanded_forward_tile<NPH, KW, Y>(s, expanded, packed, y0, t0, out);
        if (s.out_h - y0 == 2) expanded_forward_tile<NPH, KW, 2>(s, expanded, packed, y0, t0, out);
        else if (s.out_h - y0 == 1) expanded_forward_tile<NPH, KW, 1>(s, expanded, packed, y0, t0, out);
    }
}

// Lanes along x, for O = 4 or 6 (as avx2::along_x_forward_tile, in 16-lane vectors): output row
// y, pixels [x0, x0 + 32) ∩ [0, out_w), all O channels, in 2·O ≤ 12 accumulators. Per kernel
// entry it loads 2 vectors of input pixels straight from the padded row and broadcasts O kernel
// values, each used twice: 2 + O loads per 2·O FMAs, none straddling for the broadcasts, and no
// expanded copy. The pieces' tile above makes 1 load, most of them straddling two cache lines,
// per 3 FMAs on LeNet-5's first layer; on Zen 4, whose 512-bit loads and FMAs are each two
// 256-bit halves, this tile measured faster. The price is a transpose back to NHWC (8×8 blocks
// of the vectors' halves) and the lanes past the row's end (28 pixels of 32). The kernel value
// (k, o) and the bias come from the expanded packing's phase 0, packed[k·NPH·16 + o], and the
// sums run in the pieces' order (bias, then ky, kx): the results are the same bits.
template <int O, int KW>
void along_x_forward_tile(const ConvWindows& s, const float* in, const float* packed, int y, int x0, float* out) {
    const int K = s.kernel_h * KW, valid = min_int(32, s.out_w - x0);
    const std::size_t entry = std::size_t(phases(O)) * 16;
    // Lanes past the row are masked out of the loads: they would read the next row, or past
    // the last image.
    const __mmask16 m0 = channel_mask(0, valid), m1 = channel_mask(16, valid);
    __m512 acc[O][2];
#pragma GCC unroll 6
    for (int o = 0; o < O; ++o) acc[o][0] = acc[o][1] = _mm512_set1_ps(packed[K * entry + o]);
    for (int ky = 0; ky < s.kernel_h; ++ky) {
        const float* row = in + std::size_t(y + ky) * s.in_w + x0;
        const float* w = packed + std::size_t(ky) * KW * entry;
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) {
            const __m512 p0 = valid >= 16 ? _mm512_loadu_ps(row + kx) : _mm512_maskz_loadu_ps(m0, row + kx);
            const __m512 p1 = valid == 32 ? _mm512_loadu_ps(row + kx + 16) : _mm512_maskz_loadu_ps(m1, row + kx + 16);
#pragma GCC unroll 6
            for (int o = 0; o < O; ++o) {
                const __m512 wv = _mm512_set1_ps(w[kx * entry + o]);
                acc[o][0] = _mm512_fmadd_ps(wv, p0, acc[o][0]);
                acc[o][1] = _mm512_fmadd_ps(wv, p1, acc[o][1]);
            }
        }
    }
    // Back to NHWC, 8 pixels at a time: the 8-lane quarter h of the tile (pixels 8h … 8h + 7),
    // through store_pixels_transposed (core/transpose_avx2.hpp).
    float* dst = out + (std::size_t(y) * s.out_w + x0) * O;
#pragma GCC unroll 4
    for (int h = 0; h < 4; ++h) {
        if (8 * h >= valid) break;
        __m256 r[8];
#pragma GCC unroll 8
        for (int o = 0; o < 8; ++o) {
            const __m512 v = acc[o < O ? o : 0][h / 2];
            // (GCC's vector shuffle: GCC 12 warns about the undefined source inside
            // _mm512_castps512_ps256 and _mm512_extractf64x4_pd)
            const __m256 half = h % 2 == 0 ? __m256(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7))
                                           : __m256(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
            r[o] = o < O ? half : _mm256_setzero_ps();
        }
        store_pixels_transposed(r, dst + 8 * h * O, O, valid - 8 * h);
    }
}

template <int O, int KW>
void along_x_forward_image(const ConvWindows& s, const float* in, const float* packed, float* out) {
    for (int y = 0; y < s.out_h; ++y)
        for (int x0 = 0; x0 < s.out_w; x0 += 32) along_x_forward_tile<O, KW>(s, in, packed, y, x0, out);
}

template <int O>
void along_x_forward_kw(const ConvWindows& s, const float* in, const float* packed, float* out) {
    if (s.kernel_w == 3) along_x_forward_image<O, 3>(s, in, packed, out);
    else along_x_forward_image<O, 5>(s, in, packed, out);
}

// dW for a group of J ≤ 5 kernel rows [k0, k0 + J) and one phase q: acc[j][kx] sums, over the
// image's pixels, dY[y] · E[y + k0 + j] at column offset kx·O, for the pieces t ≡ q (mod NPH)
// whose kernel values the lanes of phase q hold. It runs over input rows r: the KW pieces of
// row r (loaded once, mostly straddling two cache lines) meet the dY rows r − k0 − j of every
// kernel row of the group, KW·J FMAs for KW + J loads (one pass per kernel row would need
// KW + 1 loads for KW FMAs). For each (j, kx) the terms still come in the order y, then t.
template <int KW, int J, int J0, int J1>
__attribute__((always_inline)) inline void weight_grad_piece(const float* e, const float* g_r, std::ptrdiff_t dy_row,
                                                             __mmask16 lanes, int O, __m512 (&acc)[J][KW]) {
    __m512 ev[KW];
    // One load per kernel column, kept in a register for its J FMAs; the pointer steps by O
    // (the barriers stop GCC from keeping KW offsets in spilled registers instead).
#pragma GCC unroll 7
    for (int kx = 0; kx < KW; ++kx, e += O) {
        asm("" : "+r"(e));
        ev[kx] = _mm512_loadu_ps(e);
        asm("" : "+v"(ev[kx]));
    }
#pragma GCC unroll 5
    for (int j = J0; j <= J1; ++j) {
        // Lanes past the row's end are masked off: they would be the next row's dY.
        __m512 g = _mm512_maskz_loadu_ps(lanes, g_r - j * dy_row);
        asm("" : "+v"(g));
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) acc[j][kx] = _mm512_fmadd_ps(g, ev[kx], acc[j][kx]);
    }
}

// Input row r's pieces of phase q, for the group's kernel rows J0 … J1 (those whose dY row
// r − k0 − j exists); j0, j1 pick the instance at run time.
template <int NPH, int KW, int J, int J0 = 0, int J1 = 0>
__attribute__((always_inline)) inline void weight_grad_input_row(int j0, int j1, const ConvWindows& s, const float* e_r,
                                                                 const float* g_r, int q, __m512 (&acc)[J][KW]) {
    if (j0 == J0 && j1 == J1) {
        const int pieces = row_pieces(s), len_out = row_floats_out(s);
        for (int t = q; t < pieces; t += NPH)
            weight_grad_piece<KW, J, J0, J1>(e_r + 16 * t, g_r + 16 * t, len_out, channel_mask(16 * t, len_out),
                                             s.out_channels, acc);
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
    __m512 acc[J][KW];
#pragma GCC unroll 5
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) acc[j][kx] = _mm512_setzero_ps();
    for (int r = k0; r < k0 + J - 1 + s.out_h; ++r) {  // kernel row k0 + j meets dY row r − k0 − j
        const int j0 = r - k0 - s.out_h + 1 > 0 ? r - k0 - s.out_h + 1 : 0, j1 = min_int(J - 1, r - k0);
        weight_grad_input_row<NPH, KW, J>(j0, j1, s, expanded + std::size_t(r) * len,
                                          dy + std::ptrdiff_t(r - k0) * len_out, q, acc);
    }
#pragma GCC unroll 5
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 7
        for (int kx = 0; kx < KW; ++kx) {
            float* to = sums + ((std::size_t(k0 + j) * NPH + q) * KW + kx) * 16;
            _mm512_storeu_ps(to, first ? acc[j][kx] : _mm512_add_ps(_mm512_loadu_ps(to), acc[j][kx]));
        }
}

// Units [u0, u1) of one image (unit u: phase u / KH, kernel row u % KH), in groups of up to 5
// kernel rows of one phase.
template <int NPH, int KW>
void expanded_weight_grad_units(const ConvWindows& s, const float* expanded, const float* dy, int u0, int u1,
                                bool first, float* sums) {
    const int KH = s.kernel_h;
    for (int u = u0; u < u1;) {
        const int q = u / KH, k0 = u % KH;
        const int J = min_int(min_int(5, KH - k0), u1 - u);
        switch (J) {
            case 1: expanded_weight_grad_group<NPH, KW, 1>(s, expanded, dy, q, k0, first, sums); break;
            case 2: expanded_weight_grad_group<NPH, KW, 2>(s, expanded, dy, q, k0, first, sums); break;
            case 3: expanded_weight_grad_group<NPH, KW, 3>(s, expanded, dy, q, k0, first, sums); break;
            case 4: expanded_weight_grad_group<NPH, KW, 4>(s, expanded, dy, q, k0, first, sums); break;
            default: expanded_weight_grad_group<NPH, KW, 5>(s, expanded, dy, q, k0, first, sums); break;
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
    // Channel counts that fill whole vectors (16, 32, 64) waste no lanes on the channel tiles,
    // which measured faster for them (no expanded copy to write and read).
    return s.channels == 1 && s.stride == 1 && (s.kernel_w == 3 || s.kernel_w == 5) && s.out_channels % 16 != 0 &&
           phases(s.out_channels) <= 3;
}

std::size_t expanded_floats(const ConvWindows& s) {
    // The rows, plus what the last tile of the last row reads past them (a whole tile of
    // pieces and the kernel's width), rounded up.
    return std::size_t(s.in_h) * expanded_row(s) + 16 * 12 + std::size_t(s.kernel_w) * s.out_channels + 64;
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
        switch (phases(s.out_channels)) {
            case 1: expanded_forward_kw<1>(s, expanded, packed, y); break;
            default: expanded_forward_kw<3>(s, expanded, packed, y); break;
        }
    }
}

void expanded_weight_grad(const ConvWindows& s, const float* padded, int count, const float* dY, int u0, int u1,
                          bool first, float* expanded, float* sums, float* db) {
    for (int n = 0; n < count; ++n) {
        expand_image(s, padded + std::size_t(n) * s.in_size(), expanded);
        const float* dy = dY + std::size_t(n) * s.out_size();
        const bool overwrite = first && n == 0;
        switch (phases(s.out_channels)) {
            case 1: expanded_weight_grad_kw<1>(s, expanded, dy, u0, u1, overwrite, sums); break;
            default: expanded_weight_grad_kw<3>(s, expanded, dy, u0, u1, overwrite, sums); break;
        }
        if (db) add_bias_grad(s, dy, overwrite, db);
    }
}

bool along_x_path_ok(const ConvWindows& s) {
    return expanded_path_ok(s) && (s.out_channels == 4 || s.out_channels == 6);
}

}  // namespace hw::avx512
