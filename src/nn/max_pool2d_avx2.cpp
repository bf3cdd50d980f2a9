// max_pool2d_avx2.cpp — max pooling of one NHWC image, 8 channels per instruction.
//
// Compiled with the AVX2 flags (the Makefile's *_avx2.cpp rule) and only called when
// conv_direct.hpp's method is "direct-avx2" (which needs AVX2 and FMA). The rule of the plain
// loop in max_pool2d.cpp and of max_pool2d_avx512.cpp: the window's top-left pixel starts the
// running maxima, every later pixel (row-major) replaces them only where strictly greater, so
// the first maximum wins ties. A pixel's C channels are one vector per 8.
//
// AVX2 has no cheap masked store (AMD runs vmaskmovps stores in microcode), so a pixel whose
// last vector is partial is stored whole: its extra lanes land on the next pixel's first
// channels, which that pixel then overwrites. Only the image's last pixel, whose extra lanes
// would land in the next image (perhaps another thread's), copies its lanes one by one.
//
// Lambdas here are local to this file's functions; no standard-library template is used.
#include <immintrin.h>

#include "handwritten/nn/max_pool2d.hpp"

namespace hw::avx2 {

namespace {

// b replaces best (and its position) only where strictly greater: the first maximum wins.
inline void keep_first_max(__m256& best, __m256i& where, __m256 v, __m256i at) {
    const __m256 greater = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
    best = _mm256_blendv_ps(best, v, greater);
    where = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(where), _mm256_castsi256_ps(at), greater));
}

// Mask of the first `left` lanes (left ≥ 8: all), for _mm256_maskload_ps.
inline __m256i first_lanes(int left) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
}

// The 8 channels from float p on: a whole load where it stays inside the image (limit floats),
// else only the lanes inside it (the rest are zero and never stored).
inline __m256 load_channels(const float* x, std::int32_t p, std::int32_t limit) {
    return p + 8 <= limit ? _mm256_loadu_ps(x + p) : _mm256_maskload_ps(x + p, first_lanes(limit - p));
}

// Stores `left` of the 8 lanes at y + at (and arg + at): whole vectors unless this is the
// image's last output vector and it is partial.
inline void store_channels(float* y, std::int32_t* arg, std::size_t at, int left, bool last_in_image, __m256 best,
                           __m256i where) {
    if (left >= 8 || !last_in_image) {
        _mm256_storeu_ps(y + at, best);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(arg + at), where);
        return;
    }
    alignas(32) float b[8];
    alignas(32) std::int32_t w[8];
    _mm256_store_ps(b, best);
    _mm256_store_si256(reinterpret_cast<__m256i*>(w), where);
    for (int l = 0; l < left; ++l) {
        y[at + l] = b[l];
        arg[at + l] = w[l];
    }
}

}  // namespace

void max_pool_image(const float* x, float* y, std::int32_t* arg, ImageShape in, ImageShape out, int size) {
    const int C = in.channels, W = in.width, row = W * C;
    const std::int32_t limit = static_cast<std::int32_t>(in.size());
    const std::size_t out_floats = out.size();
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    auto at_of = [&](std::int32_t p) { return _mm256_add_epi32(_mm256_set1_epi32(p), lanes); };
    for (int oy = 0; oy < out.height; ++oy)
        for (int ox = 0; ox < out.width; ++ox) {
            const std::size_t at = (std::size_t(oy) * out.width + ox) * C;
            const std::int32_t top = (oy * size * W + ox * size) * C;
            for (int c0 = 0; c0 < C; c0 += 8) {
                const bool last = at + c0 + 8 > out_floats;
                __m256 best;
                __m256i where;
                if (size == 2) {
                    // 2×2, the common case, as a tree: (a, b) and (c, d) of the two rows, then
                    // the two winners. A tie between the rows keeps the top row's, within a row
                    // the left one: the scan order's first maximum still wins.
                    const std::int32_t a = top + c0, b = a + C, c = a + row, d = c + C;
                    __m256 lower = load_channels(x, c, limit);
                    __m256i lower_at = at_of(c);
                    best = load_channels(x, a, limit);
                    where = at_of(a);
                    keep_first_max(best, where, load_channels(x, b, limit), at_of(b));
                    keep_first_max(lower, lower_at, load_channels(x, d, limit), at_of(d));
                    keep_first_max(best, where, lower, lower_at);
                } else {
                    best = load_channels(x, top + c0, limit);
                    where = at_of(top + c0);
                    for (int ky = 0; ky < size; ++ky)
                        for (int kx = ky == 0 ? 1 : 0; kx < size; ++kx) {
                            const std::int32_t p = ((oy * size + ky) * W + (ox * size + kx)) * C + c0;
                            keep_first_max(best, where, load_channels(x, p, limit), at_of(p));
                        }
                }
                store_channels(y, arg, at + c0, C - c0, last, best, where);
            }
        }
}

}  // namespace hw::avx2
