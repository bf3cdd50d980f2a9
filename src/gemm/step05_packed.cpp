// step05_packed.cpp — chapter 05: the Goto/BLIS loop nest with packed panels and a register tile.
//
// Blocking (chapter 04) keeps tiles in cache, but the inner loop still loads and stores C on every
// multiply-add and reads A and B with strides. The Goto/BLIS design fixes all three:
//
//   for jc in n step NC            B block kc×NC stays in L2 across the ic loop
//     for pc in k step KC          ─ pack op(B)[pc:pc+kc, jc:jc+nc] into NR-wide slivers
//       for ic in m step MC
//         pack op(A)[ic:ic+mc, pc:pc+kc] into MR-tall slivers
//         for ir in mc step MR     one MR×kc sliver of A stays in L1
//           for jr in nc step NR   kc×NR slivers of B stream from L2
//             micro-kernel: C[MR×NR] += A sliver · B sliver, the tile held in registers
//
// The micro-kernel is where the flops happen: MR·NR accumulators live in registers for all kc
// rank-1 updates, so each loaded A value is used NR times and each B value MR times, and C is
// touched once per kc updates instead of once per update. The loop nest itself is in loop_nest.cpp (chapters 06 and 07 reuse it); this file holds a
// portable micro-kernel in plain C++ (4×8: the compiler vectorises the 8 columns with whatever
// SIMD the baseline target has — SSE2 on any x86-64, 2 registers of 4 floats per row, so the
// tile is 8 of the 16 xmm registers; 4×16 would need all 16 and spills, measured 4× slower).
// step06_avx2.cpp and step06_avx512.cpp keep the loop nest and swap in hand-vectorised kernels.
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"

namespace hw::detail {

namespace {

constexpr int kPMR = 4, kPNR = 8;

void portable_kernel(int kc, const float* __restrict Ap, const float* __restrict Bp, float* C,
                     int ldc, float alpha, float beta, int m_eff, int n_eff) {
    float acc[kPMR][kPNR] = {};
    // BEGIN SOLUTION 05 the portable micro-kernel: kc rank-1 updates of the 4x8 tile in registers
    for (int p = 0; p < kc; ++p) {
        for (int r = 0; r < kPMR; ++r) {
            const float a = Ap[r];
            for (int c = 0; c < kPNR; ++c) acc[r][c] += a * Bp[c];  // one rank-1 update
        }
        Ap += kPMR;
        Bp += kPNR;
    }
    // END SOLUTION
    for (int r = 0; r < m_eff; ++r) {
        float* c = C + long(r) * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < n_eff; ++j) c[j] = alpha * acc[r][j];
        else
            for (int j = 0; j < n_eff; ++j) c[j] = alpha * acc[r][j] + beta * c[j];
    }
}

}  // namespace

// The cache blocks for the 4×8 tile come from this machine's caches (block_sizes.cpp).
const MicroKernel kPortableKernel = {"portable-4x8", kPMR, kPNR, portable_kernel, pack_a<kPMR>,
                                     pack_b<kPNR>, nullptr};

}  // namespace hw::detail

namespace hw {

void gemm_packed(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
    detail::loop_nest(detail::kPortableKernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta,
                      C, ldc);
}

}  // namespace hw
