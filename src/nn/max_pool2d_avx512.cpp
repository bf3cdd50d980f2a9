// max_pool2d_avx512.cpp — max pooling of one NHWC image, 16 channels per instruction.
//
// Compiled with the AVX-512 flags (the Makefile's *_avx512.cpp rule) and only called when
// conv_direct.hpp's method is "direct" (which needs AVX-512F). The same rule as the plain loop
// of max_pool2d.cpp: the window's top-left pixel starts the running maxima, every later pixel
// (row-major) replaces them only where strictly greater, so the first maximum wins ties. A
// pixel's C channels are one vector per 16 (masked for the rest), which for LeNet-5's 6
// channels replaces a 6-iteration scalar loop per window pixel by one instruction.
//
// Lambdas here are local to this file's functions; no standard-library template is used.
#include <immintrin.h>

#include "handwritten/nn/max_pool2d.hpp"

namespace hw::avx512 {

namespace {

// The first maximum of two candidates (a before b in the window's scan): b only where strictly greater.
inline void keep_first_max(__m512& best, __m512i& where, __m512 v, __m512i at) {
    const __mmask16 greater = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, greater, v);
    where = _mm512_mask_mov_epi32(where, greater, at);
}

// With the ReLU fused (MaxPool2D::set_relu_after): max(best, 0) as Relu::forward writes it,
// best > 0 ? best : 0 (a −0 or a NaN becomes +0).
inline __m512 relu_if(bool relu, __m512 best) {
    return relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(best, _mm512_setzero_ps(), _CMP_GT_OQ), best) : best;
}

// 2×2 windows, the common case, as a tree: (a, b) and (c, d) of the two rows, then the two
// winners. The first maximum in the scan a, b, c, d still wins: a tie between the rows keeps
// the top row's, and within a row the left one.
void max_pool_image_2x2(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out, bool relu) {
    const int C = in.channels, row = in.width * C;
    const std::int32_t limit = static_cast<std::int32_t>(in.size());
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    auto load = [&](std::int32_t p, __mmask16 mask) {  // whole vectors inside the image: lanes past C are never stored
        return p + 16 <= limit ? _mm512_loadu_ps(x + p) : _mm512_maskz_loadu_ps(mask, x + p);
    };
    for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox) {
            const std::size_t at = (std::size_t(oy) * out.width + ox) * C;
            const std::int32_t top = 2 * oy * row + 2 * ox * C;
            for (int c0 = 0; c0 < C; c0 += 16) {
                const int left = C - c0;
                const __mmask16 mask = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1u);
                const std::int32_t a = top + c0, b = a + C, c = a + row, d = c + C;
                __m512 upper = load(a, mask), lower = load(c, mask);
                __m512i upper_at = _mm512_add_epi32(_mm512_set1_epi32(a), lanes);
                __m512i lower_at = _mm512_add_epi32(_mm512_set1_epi32(c), lanes);
                keep_first_max(upper, upper_at, load(b, mask), _mm512_add_epi32(_mm512_set1_epi32(b), lanes));
                keep_first_max(lower, lower_at, load(d, mask), _mm512_add_epi32(_mm512_set1_epi32(d), lanes));
                keep_first_max(upper, upper_at, lower, lower_at);
                _mm512_mask_storeu_ps(y + at + c0, mask, relu_if(relu, upper));
                _mm512_mask_storeu_epi32(arg + at + c0, mask, upper_at);
            }
        }
}

// The same tree for C ≤ 16 channels, one vector per pixel, with the bookkeeping of the loop
// above taken out of it: positions advance by vector adds, and the outputs are whole stores
// in address order (a window's lanes past C land on the next windows' channels, which those
// windows then overwrite). Only the windows whose vector would pass the image's last output
// store C lanes, as the next image's output may be another thread's.
void max_pool_image_2x2_narrow(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out,
                               bool relu) {
    const int C = in.channels, row = in.width * C;
    const std::int32_t limit = static_cast<std::int32_t>(in.size());
    const __mmask16 mask = C >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << C) - 1u);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i next_pixel = _mm512_set1_epi32(C), next_row = _mm512_set1_epi32(row);
    const __m512i next_window = _mm512_set1_epi32(2 * C);
    auto load = [&](std::int32_t p) {  // a whole vector unless it would leave the image
        return p + 16 <= limit ? _mm512_loadu_ps(x + p) : _mm512_maskz_loadu_ps(mask, x + p);
    };
    const std::size_t out_floats = out.size();
    std::size_t at = 0;  // output (oy, ox)'s first float
    for (int oy = 0; oy < out.height; ++oy) {
        std::int32_t a = 2 * oy * row;  // window's top-left pixel
        __m512i a_at = _mm512_add_epi32(_mm512_set1_epi32(a), lanes);
        for (int ox = 0; ox < out.width; ++ox, a += 2 * C, at += C) {
            const __m512i b_at = _mm512_add_epi32(a_at, next_pixel), c_at = _mm512_add_epi32(a_at, next_row);
            __m512 upper = load(a), lower = load(a + row);
            __m512i upper_at = a_at, lower_at = c_at;
            keep_first_max(upper, upper_at, load(a + C), b_at);
            keep_first_max(lower, lower_at, load(a + row + C), _mm512_add_epi32(c_at, next_pixel));
            keep_first_max(upper, upper_at, lower, lower_at);
            upper = relu_if(relu, upper);
            if (at + 16 <= out_floats) {
                _mm512_storeu_ps(y + at, upper);
                _mm512_storeu_si512(arg + at, upper_at);
            } else {
                _mm512_mask_storeu_ps(y + at, mask, upper);
                _mm512_mask_storeu_epi32(arg + at, mask, upper_at);
            }
            a_at = _mm512_add_epi32(a_at, next_window);
        }
    }
}

}  // namespace

void max_pool_image(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out, int size, bool relu) {
    if (size == 2 && in.channels <= 16) return max_pool_image_2x2_narrow(x, y, arg, in, out, relu);
    if (size == 2) return max_pool_image_2x2(x, y, arg, in, out, relu);
    const int C = in.channels, W = in.width;
    const std::int32_t limit = static_cast<std::int32_t>(in.size());
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox) {
            const std::size_t at = (std::size_t(oy) * out.width + ox) * C;
            for (int c0 = 0; c0 < C; c0 += 16) {
                const int left = C - c0;
                const __mmask16 mask = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1u);
                const std::int32_t first = (oy * size * W + ox * size) * C + c0;
                __m512 best = first + 16 <= limit ? _mm512_loadu_ps(x + first) : _mm512_maskz_loadu_ps(mask, x + first);
                __m512i where = _mm512_add_epi32(_mm512_set1_epi32(first), lanes);
                for (int ky = 0; ky < size; ++ky)
                    for (int kx = ky == 0 ? 1 : 0; kx < size; ++kx) {
                        const std::int32_t p = ((oy * size + ky) * W + (ox * size + kx)) * C + c0;
                        // A whole vector where it stays inside the image (the lanes past C are
                        // never stored): measured faster than a masked load on Zen 5.
                        const __m512 v = p + 16 <= limit ? _mm512_loadu_ps(x + p) : _mm512_maskz_loadu_ps(mask, x + p);
                        const __mmask16 greater = _mm512_mask_cmp_ps_mask(mask, v, best, _CMP_GT_OQ);
                        best = _mm512_mask_mov_ps(best, greater, v);
                        where = _mm512_mask_mov_epi32(where, greater, _mm512_add_epi32(_mm512_set1_epi32(p), lanes));
                    }
                _mm512_mask_storeu_ps(y + at + c0, mask, relu_if(relu, best));
                _mm512_mask_storeu_epi32(arg + at + c0, mask, where);
            }
        }
}

bool route_gradient_image_ok(ImageShape in, int size) {
    return size == 2 && in.channels <= 16 && in.height % 2 == 0 && in.width % 2 == 0;
}

// Backward of the 2×2 pool for C ≤ 16 and even sizes, where the windows tile the image: every
// input pixel is written once by its window, with dY on the lanes whose argmax it is and 0
// elsewhere, so dX needs no clearing first. As in the forward, whole stores in address order:
// the lanes past C (zeros) land on pixels written later. Hence the two passes per window row,
// its top pixels (a, b of every window), then its bottom ones (c, d), since the top row's last
// store reaches into the bottom row. dY + 0 turns a −0 into +0, as the plain loop's 0 + dY does.
// With the ReLU fused, y (the layer's outputs) keeps the gradient only where y > 0, as
// Relu::backward does before the pool's backward: elsewhere the window's pixels all get 0.
void route_gradient_image(const float* dy, const std::int32_t* arg, const float* y, float* dx, ImageShape in,
                          ImageShape out) {
    const int C = in.channels, row = in.width * C;
    const __mmask16 mask = C >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << C) - 1u);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i next_pixel = _mm512_set1_epi32(C), next_window = _mm512_set1_epi32(2 * C);
    const __m512 zero = _mm512_setzero_ps();
    const std::size_t out_floats = out.size(), in_floats = in.size();
    // The gradient and argmax of output at (its first float): a whole vector unless it would
    // read past the image's outputs.
    auto gradient = [&](std::size_t at) {
        return at + 16 <= out_floats ? _mm512_loadu_ps(dy + at) : _mm512_maskz_loadu_ps(mask, dy + at);
    };
    auto argmax = [&](std::size_t at) {
        return at + 16 <= out_floats ? _mm512_loadu_si512(arg + at) : _mm512_maskz_loadu_epi32(mask, arg + at);
    };
    // The lanes whose gradient passes: all of the C, or with the ReLU those whose output is > 0.
    auto passing = [&](std::size_t at) {
        if (!y) return mask;
        const __m512 v = at + 16 <= out_floats ? _mm512_loadu_ps(y + at) : _mm512_maskz_loadu_ps(mask, y + at);
        return __mmask16(mask & _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ));
    };
    // Pixel p's C lanes: g where its position p + lane is the window's argmax (and passes), else 0.
    auto route = [&](std::int32_t p, __m512i p_at, __m512 g, __m512i where, __mmask16 pass) {
        const __m512 v = _mm512_maskz_add_ps(_mm512_mask_cmpeq_epi32_mask(pass, where, p_at), g, zero);
        if (std::size_t(p) + 16 <= in_floats) _mm512_storeu_ps(dx + p, v);
        else _mm512_mask_storeu_ps(dx + p, mask, v);
    };
    for (int oy = 0; oy < out.height; ++oy) {
        const std::size_t first_out = std::size_t(oy) * out.width * C;
        for (int half = 0; half < 2; ++half) {  // the window row's top pixels, then its bottom ones
            std::int32_t p = (2 * oy + half) * row;
            __m512i p_at = _mm512_add_epi32(_mm512_set1_epi32(p), lanes);
            for (int ox = 0; ox < out.width; ++ox, p += 2 * C) {
                const std::size_t at = first_out + std::size_t(ox) * C;
                const __m512 g = gradient(at);
                const __m512i where = argmax(at);
                const __mmask16 pass = passing(at);
                route(p, p_at, g, where, pass);
                route(p + C, _mm512_add_epi32(p_at, next_pixel), g, where, pass);
                p_at = _mm512_add_epi32(p_at, next_window);
            }
        }
    }
}

}  // namespace hw::avx512
