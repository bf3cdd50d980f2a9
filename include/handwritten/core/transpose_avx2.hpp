// transpose_avx2.hpp — an 8×8 block of floats transposed in AVX2 registers.
//
// Used where data must change between "a vector per row" and "a vector per column": packing
// A for the GEMM micro-kernel (step06_avx2.cpp) and turning a convolution tile whose lanes run
// along the image's x back into the NHWC layout (store_pixels_transposed, below). Three stages of 8
// shuffles: unpack pairs of rows, shuffle pairs of pairs, swap 128-bit halves.
//
// The function carries target("avx2"), so any translation unit may include this header; only
// code that has checked the CPU may call it. Internal linkage for the reason pack.hpp gives.
#pragma once
#include <immintrin.h>

namespace hw {
namespace {

// r[i] = row i of the block in; row i of its transpose out.
__attribute__((target("avx2"), always_inline)) inline void transpose8x8(__m256 (&r)[8]) {
    __m256 t[8], u[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
        r[i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x20);
        r[4 + i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x31);
    }
}

// The convolution tiles along x (conv_direct_avx2.cpp, conv_direct_avx512.cpp) back to NHWC:
// r[c] holds channel c of 8 consecutive pixels (zero for c ≥ channels, at most 8 of them).
// Transposed, row l is pixel l's channels, stored at dst + l·channels for the pixels that exist
// (`remaining` from this block on, in the tile). Each is stored 8 floats wide, its lanes past
// `channels` overwritten by the next pixel's store, except the tile's last pixel, which is
// stored masked (the next may be another image's).
__attribute__((target("avx2"), always_inline)) inline void store_pixels_transposed(__m256 (&r)[8], float* dst,
                                                                                   int channels, int remaining) {
    transpose8x8(r);
    const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(channels), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
#pragma GCC unroll 8
    for (int l = 0; l < 8; ++l) {
        if (l >= remaining) break;
        if (l + 1 < remaining) _mm256_storeu_ps(dst + l * channels, r[l]);
        else _mm256_maskstore_ps(dst + l * channels, lanes, r[l]);
    }
}

}  // namespace
}  // namespace hw
