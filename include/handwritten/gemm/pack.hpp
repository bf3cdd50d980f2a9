// pack.hpp — packing op(A) and op(B) into micro-kernel slivers (for MicroKernel descriptors).
//
// Packing copies a block of A (or B) into the exact order the micro-kernel reads it: one
// contiguous, aligned stream. That buys three things: (1) the kernel's loads are unit-stride
// and never cross a page it did not need, (2) the transposes are absorbed here, once per
// block, instead of in the O(n³) loop, (3) edges are zero-padded, so the kernel's k loop has
// no edge cases. The cost is O(m·k + k·n) copies per block against O(m·n·k) FMAs.
//
// These are templates with internal linkage (anonymous namespace) on purpose: each
// instruction-set file (step05_packed.cpp, step06_avx2.cpp, step06_avx512.cpp, an exercise) instantiates its own
// copy, compiled with its own flags. With external linkage the linker would keep one copy of,
// say, pack_a<12> — possibly the AVX-512 one — and call it on a CPU without AVX-512.
#pragma once
#include <cstddef>
#include <cstring>

#include "handwritten/gemm/gemm.hpp"

namespace hw::detail {
namespace {

// A block op(A)[i0 : i0+mc, p0 : p0+kc] → ceil(mc/MR) slivers of kc×MR floats.
template <int MR>
void pack_a(Op op, const float* A, int lda, int i0, int p0, int mc, int kc, float* dst) {
    // BEGIN SOLUTION 05 packing A: MR-row slivers, zero-padded at the edge
    for (int ir = 0; ir < mc; ir += MR) {
        const int mr = mc - ir < MR ? mc - ir : MR;
        if (op == Op::T) {
            // Stored k×m: for a fixed p the MR values are contiguous in memory.
            for (int p = 0; p < kc; ++p) {
                const float* src = A + std::size_t(p0 + p) * lda + (i0 + ir);
                float* d = dst + std::size_t(p) * MR;
                if (mr == MR) {
                    for (int r = 0; r < MR; ++r) d[r] = src[r];
                } else {
                    for (int r = 0; r < mr; ++r) d[r] = src[r];
                    for (int r = mr; r < MR; ++r) d[r] = 0.0f;
                }
            }
        } else {
            // Stored m×k: MR row streams, each read left to right, written MR apart.
            const float* rows[MR];
            for (int r = 0; r < MR; ++r)
                rows[r] = A + std::size_t(i0 + ir + (r < mr ? r : 0)) * lda + p0;
            if (mr == MR) {
                for (int p = 0; p < kc; ++p)
                    for (int r = 0; r < MR; ++r) dst[std::size_t(p) * MR + r] = rows[r][p];
            } else {
                for (int p = 0; p < kc; ++p)
                    for (int r = 0; r < MR; ++r)
                        dst[std::size_t(p) * MR + r] = r < mr ? rows[r][p] : 0.0f;
            }
        }
        dst += std::size_t(MR) * kc;
    }
    // END SOLUTION
}

// A block op(B)[p0 : p0+kc, j0 : j0+nc] → ceil(nc/NR) slivers of kc×NR floats.
template <int NR>
void pack_b(Op op, const float* B, int ldb, int p0, int j0, int kc, int nc, float* dst) {
    // BEGIN SOLUTION 05 packing B: NR-column slivers, zero-padded at the edge
    for (int jr = 0; jr < nc; jr += NR) {
        const int nr = nc - jr < NR ? nc - jr : NR;
        if (op == Op::N) {
            // Stored k×n: a sliver row is NR contiguous floats, a straight copy.
            for (int p = 0; p < kc; ++p) {
                const float* src = B + std::size_t(p0 + p) * ldb + (j0 + jr);
                float* d = dst + std::size_t(p) * NR;
                if (nr == NR) {
                    for (int c = 0; c < NR; ++c) d[c] = src[c];
                } else {
                    for (int c = 0; c < nr; ++c) d[c] = src[c];
                    for (int c = nr; c < NR; ++c) d[c] = 0.0f;
                }
            }
        } else {
            // Stored n×k: NR column streams (rows of the stored B), a transpose.
            for (int c = 0; c < NR; ++c) {
                float* d = dst + c;
                if (c < nr) {
                    const float* src = B + std::size_t(j0 + jr + c) * ldb + p0;
                    for (int p = 0; p < kc; ++p) d[std::size_t(p) * NR] = src[p];
                } else {
                    for (int p = 0; p < kc; ++p) d[std::size_t(p) * NR] = 0.0f;
                }
            }
        }
        dst += std::size_t(NR) * kc;
    }
    // END SOLUTION
}

// Packing in row order, for the two cases where a stored row runs across the slivers: op(A) = Aᵀ
// (A stored k×m: stored row p holds the p-th MR values of every A sliver, side by side) and
// op(B) = B (stored k×n: row p holds row p of every B sliver). pack_a and pack_b above go
// sliver by sliver: W floats from each of kc rows a row stride apart, a new page every row or
// two, and back to the same lines for the next sliver. Row order reads each row once, left to
// right — a stream the hardware prefetchers follow, helped by a software prefetch 8 rows
// ahead — and drops its W-float pieces into the slivers, which sit in L2. The instruction-set
// files (chapter 06) pack with it; for the dW = Xᵀ·dY shape on AVX2 it made packing A 2× faster.
//   stored rows p0 .. p0+kc−1, columns c0 .. c0+width−1  →  ⌈width/W⌉ slivers of kc×W floats
template <int W>
void pack_rows(const float* M, long ld, int p0, int c0, int kc, int width, float* dst) {
    const int full = width / W * W, rest = width - full;
    const long sliver = long(W) * kc;
    for (int p = 0; p < kc; ++p) {
        const float* src = M + long(p0 + p) * ld + c0;
        if (p + 8 < kc)
            for (int c = 0; c < width; c += 16) __builtin_prefetch(src + 8 * ld + c);
        float* d = dst + long(p) * W;
        for (int c = 0; c < full; c += W, d += sliver) std::memcpy(d, src + c, W * sizeof(float));
        if (rest)  // the last sliver: the valid values, then zeros
            for (int r = 0; r < W; ++r) d[r] = r < rest ? src[full + r] : 0.0f;
    }
}

}  // namespace
}  // namespace hw::detail
