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
// rounded to whole MR/NR slivers, and the A panel to whole MC blocks.
CallBlocks choose_blocks(const MicroKernel& uk, int m, int n, int k) {
    const GemmBlocks& most = kernel_blocks(uk);
    CallBlocks b;
    b.mc = round_up(ceil_div(m, ceil_div(m, most.mc)), uk.mr);
    b.kc = ceil_div(k, ceil_div(k, most.kc));
    b.nc = round_up(ceil_div(n, ceil_div(n, most.nc)), uk.nr);
    b.keep_a = n > b.nc;
    const int panel_blocks = std::max(1, most.mp / b.mc), blocks = ceil_div(m, b.mc);
    b.mp = b.keep_a ? b.mc * ceil_div(blocks, ceil_div(blocks, panel_blocks)) : m;
    return b;
}

// The nest, outermost first (chapter 05 draws it):
//   i3 (MP rows of A)  pc (KC)  jc (NC: pack B, L2)  ic (MC: pack A on the first jc, L2)
//   then macro_kernel: ir (MR: an A sliver in L1)  jr (NR: B slivers from L2).
// With one NC block (n ≤ NC) this is the plain Goto nest: B packed once per KC step, each MC
// block of A packed into the same buffer and used at once. With several, the later B blocks
// re-read the A panel (L3) instead of packing A again: for n = 2048 and NC = 448 that is one
// packing of A instead of five.
void loop_nest(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float alpha,
               const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    // Both paths handle empty C and nothing to multiply (k = 0 or alpha = 0: C = beta·C) themselves.
    if (uk.small_n && n <= kSmallNMax)  // skinny C: a row per register, no packing of A
        uk.small_n(op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        packed_loop_nest(uk, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

void packed_loop_nest(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A,
                      int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {  // nothing to multiply: C = beta·C
        scale_c(m, n, beta, C, ldc);
        return;
    }
    const CallBlocks blocks = choose_blocks(uk, m, n, k);
    const int MC = blocks.mc, KC = blocks.kc, NC = blocks.nc, MP = blocks.mp;
    // One pair of buffers per thread: sgemm may be called from many threads at once.
    thread_local PackBuffer buf_a, buf_b;
    float* Ap = buf_a.get(long(blocks.keep_a ? MP : MC) * KC);
    float* Bp = buf_b.get(long(NC) * KC);

    for (int i3 = 0; i3 < m; i3 += MP) {
        const int m3 = std::min(MP, m - i3);
        for (int pc = 0; pc < k; pc += KC) {
            const int kc = std::min(KC, k - pc);
            const float beta_pc = pc == 0 ? beta : 1.0f;  // later k blocks accumulate
            for (int jc = 0; jc < n; jc += NC) {
                const int nc = std::min(NC, n - jc);
                uk.pack_b(op_b, B, ldb, pc, jc, kc, nc, Bp);
                for (int ic = i3; ic < i3 + m3; ic += MC) {
                    const int mc = std::min(MC, i3 + m3 - ic);
                    float* a_block = blocks.keep_a ? Ap + long(ic - i3) * kc : Ap;
                    if (jc == 0) uk.pack_a(op_a, A, lda, ic, pc, mc, kc, a_block);  // later jc: kept
                    macro_kernel(uk, mc, nc, kc, alpha, beta_pc, a_block, Bp, C + long(ic) * ldc + jc, ldc);
                }
            }
        }
    }
}

}  // namespace hw::detail
