// loop_nest.cpp — the Goto/BLIS loop nest every packed step runs (chapters 05–07), its block
// sizes for one call, and the per-thread packing buffers.
//
// The nest is written once against the MicroKernel descriptor (microkernel.hpp): chapter 05
// runs it with the portable kernel, chapter 06 with the AVX2 and AVX-512 ones, and chapter 07
// runs one copy of it per thread on a slab of C (step07_threaded.cpp).
#include <algorithm>

#include "common.hpp"
#include "handwritten/core/matrix.hpp"
#include "handwritten/gemm/microkernel.hpp"

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

// Block sizes for this call: at most the machine's blocks (block_sizes.cpp), but split evenly
// so the last block is not a sliver (k = 300 with KC = 256 gives 150 + 150, not 256 + 44),
// rounded to whole MR/NR slivers.
CallBlocks choose_blocks(const MicroKernel& uk, int m, int n, int k) {
    const GemmBlocks& most = kernel_blocks(uk);
    return {round_up(ceil_div(m, ceil_div(m, most.mc)), uk.mr), ceil_div(k, ceil_div(k, most.kc)),
            round_up(ceil_div(n, ceil_div(n, most.nc)), uk.nr)};
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
    const CallBlocks blocks = choose_blocks(uk, m, n, k);
    const int MC = blocks.mc, KC = blocks.kc, NC = blocks.nc;
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
