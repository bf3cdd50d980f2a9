// gemm_packed.cpp — step 3: the Goto/BLIS loop nest with packed panels and a register tile.
//
// Blocking (step 2) keeps tiles in cache, but the inner loop still loads and stores C on every
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
// touched once per kc updates instead of once per update. This file holds the loop nest and a
// portable micro-kernel in plain C++ (4×8: the compiler vectorises the 8 columns with whatever
// SIMD the baseline target has — SSE2 on any x86-64, 2 registers of 4 floats per row, so the
// tile is 8 of the 16 xmm registers; 4×16 would need all 16 and spills, measured 4× slower).
// gemm_avx2.cpp and gemm_avx512.cpp keep this loop nest and swap in hand-vectorised kernels.
#include <algorithm>
#include <cstdlib>
#include <new>

#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/matrix.hpp"
#include "microkernel.hpp"
#include "pack.hpp"

namespace hw::detail {

PackBuffer::~PackBuffer() { aligned_free_floats(data_); }

float* PackBuffer::get(long count) {
    if (count > size_) {
        aligned_free_floats(data_);
        data_ = nullptr;
        size_ = 0;
        data_ = aligned_alloc_floats(std::size_t(count));
        size_ = count;
    }
    return data_;
}

namespace {

constexpr int kPMR = 4, kPNR = 8;

void portable_kernel(int kc, const float* __restrict Ap, const float* __restrict Bp, float* C,
                     int ldc, float alpha, float beta, int m_eff, int n_eff) {
    float acc[kPMR][kPNR] = {};
    for (int p = 0; p < kc; ++p) {
        for (int r = 0; r < kPMR; ++r) {
            const float a = Ap[r];
            for (int c = 0; c < kPNR; ++c) acc[r][c] += a * Bp[c];  // one rank-1 update
        }
        Ap += kPMR;
        Bp += kPNR;
    }
    for (int r = 0; r < m_eff; ++r) {
        float* c = C + long(r) * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < n_eff; ++j) c[j] = alpha * acc[r][j];
        else
            for (int j = 0; j < n_eff; ++j) c[j] = alpha * acc[r][j] + beta * c[j];
    }
}

}  // namespace

// MC·KC·4 B = 128·256·4 = 128 KiB of packed A; KC·NC·4 B = 256·1024·4 = 1 MiB of packed B.
const MicroKernel kPortableKernel = {"portable-4x8", kPMR, kPNR, 128, 256, 1024,
                                     portable_kernel, pack_a<kPMR>, pack_b<kPNR>, nullptr};

// Block sizes for this call: at most uk.{mc,kc,nc}, but split evenly so the last block is not a
// sliver (k = 300 with KC = 256 gives 150 + 150, not 256 + 44), rounded to whole MR/NR slivers.
void choose_blocks(const MicroKernel& uk, int m, int n, int k, int& MC, int& NC, int& KC) {
    KC = ceil_div(k, ceil_div(k, uk.kc));
    MC = round_up(ceil_div(m, ceil_div(m, uk.mc)), uk.mr);
    NC = round_up(ceil_div(n, ceil_div(n, uk.nc)), uk.nr);
}

void loop_nest(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float alpha,
               const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {  // nothing to multiply: C = beta·C
        scale_c(m, n, beta, C, ldc);
        return;
    }
    if (uk.small_n && n <= kSmallNMax) {  // skinny C: a row per register, no packing of A
        uk.small_n(op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    int MC, NC, KC;
    choose_blocks(uk, m, n, k, MC, NC, KC);
    // One pair of buffers per thread: sgemm may be called from many threads at once.
    thread_local PackBuffer buf_a, buf_b;
    float* Ap = buf_a.get(long(MC) * KC);
    float* Bp = buf_b.get(long(NC) * KC);

    for (int jc = 0; jc < n; jc += NC) {
        const int nc = std::min(NC, n - jc);
        for (int pc = 0; pc < k; pc += KC) {
            const int kc = std::min(KC, k - pc);
            const float beta_pc = pc == 0 ? beta : 1.0f;  // later k blocks accumulate
            uk.pack_b(op_b, B, ldb, pc, jc, kc, nc, Bp);
            for (int ic = 0; ic < m; ic += MC) {
                const int mc = std::min(MC, m - ic);
                uk.pack_a(op_a, A, lda, ic, pc, mc, kc, Ap);
                macro_kernel(uk, mc, nc, kc, alpha, beta_pc, Ap, Bp, C + long(ic) * ldc + jc, ldc);
            }
        }
    }
}

}  // namespace hw::detail

namespace hw {

void gemm_packed(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
    detail::loop_nest(detail::kPortableKernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta,
                      C, ldc);
}

}  // namespace hw
