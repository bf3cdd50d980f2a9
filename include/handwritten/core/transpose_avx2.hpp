// transpose_avx2.hpp — an 8×8 block of floats transposed in AVX2 registers.
//
// Used where data must change between "a vector per row" and "a vector per column": packing
// A for the GEMM micro-kernel (step06_avx2.cpp) and turning a convolution tile whose lanes run
// along the image's x back into the NHWC layout (conv_direct_avx2.cpp). Three stages of 8
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

}  // namespace
}  // namespace hw
