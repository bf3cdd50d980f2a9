// loop_nest.cpp — the Goto/BLIS loop nest every packed step runs (chapters 05–07), its block
// sizes for one call, and the per-thread packing buffers.
//
// The nest is written once against the MicroKernel descriptor (microkernel.hpp): chapter 05
// runs it with the portable kernel, chapter 06 with the AVX2 and AVX-512 ones, and chapter 07
// runs one copy of it per thread on a slab of C (step07_threaded.cpp).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>

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

// Operands read in place. A sliver of op(A) is MR floats per k step, of op(B) NR floats. When
// op_a = T (A stored k×m) those MR floats already lie side by side in row p of A, lda floats
// after row p − 1; when op_b = N, the NR floats of B do, ldb apart. The kernel can then read the
// sliver where it lies, stepping lda or ldb instead of MR or NR, and the copy is saved.
//
// The copy buys two things: a one-time cost spread over every tile that re-reads it, and rows
// that sit side by side in the cache. Each A sliver is re-read by ⌈n/NR⌉ B slivers from L1, and
// read in place it takes a line per k step where the packed one takes 4·MR bytes; each B sliver
// is re-read by ⌈m/MR⌉ A slivers as it streams from L2. When few re-read them, the copies are a
// large share of the work. Measured on Zen 4, operands arriving from L3 as in training:
//   A in place (k = 128): AVX-512 +2 to 6% at 8 B slivers, +1 to 2% at 16, −3% at 32;
//                         AVX2 +9% at 8 (n = 120), 0 to −2% at 16 and 32;
//   B in place (k = 784): AVX-512 +4 to 10% at 11–32 A slivers, −4% at 43; AVX2 +6% at 22;
// and −2 to −8% on the squares of 512–2048. Hence kInPlaceMaxBSlivers and kInPlaceMaxASlivers.
//
// The rows of the stored operand must also spread over L1's sets. An x86 L1d has 64 sets with
// 4 KiB per way, so rows whose distance is a multiple of 4 KiB all land in one set. The A sliver
// must stay in L1 for the whole jr loop (kc ≈ 128–160 rows, a line each): it needs the rows to
// cycle through at least 32 sets. B's rows only stream past, but the prefetched rows ahead must
// not evict each other: at least 8 sets. (AVX2 tile, Zen 4: B in place at ldb = 1024 ran at
// 0.60× the packed speed, A in place at lda = 1024 at 0.83×.) B's rows must also start on a
// cache line (B and ldb multiples of 64 bytes): the kernels load B with aligned loads.
namespace {

// How many of L1's 64 sets rows `ld` floats apart cycle through.
int l1_sets_cycled(int ld) { return std::min(64, 4096 / std::gcd(4 * ld, 4096)); }

}  // namespace

InPlace choose_in_place(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int lda, const float* B,
                        int ldb) {
    InPlace in;
    const char* forced = std::getenv("HW_GEMM_IN_PLACE");  // per call: tests and benches flip it
    if (!uk.in_place || (forced && forced[0] == '0')) return in;
    const bool a_few_readers = ceil_div(n, uk.nr) <= kInPlaceMaxBSlivers;
    const bool b_few_readers = ceil_div(m, uk.mr) <= kInPlaceMaxASlivers;
    const bool b_rows_on_lines = ldb % 16 == 0 && reinterpret_cast<std::uintptr_t>(B) % 64 == 0;
    in.a = op_a == Op::T && m >= uk.mr && a_few_readers && l1_sets_cycled(lda) >= 32;
    in.b = op_b == Op::N && n >= uk.nr && b_few_readers && l1_sets_cycled(ldb) >= 8 && b_rows_on_lines;
    return in;
}

namespace {

// The slivers of op(A) rows [i0, i0 + mc) × k [p0, p0 + kc), read from A itself (op_a = T): the
// whole ones in place, a partial last one packed into `edge_buffer`.
Slivers a_in_place(const MicroKernel& uk, Op op_a, const float* A, int lda, int i0, int p0, int mc, int kc,
                   float* edge_buffer) {
    Slivers s{A + long(p0) * lda + i0, uk.mr, lda, true, mc / uk.mr};
    if (mc % uk.mr) {
        uk.pack_a(op_a, A, lda, i0 + s.full * uk.mr, p0, mc % uk.mr, kc, edge_buffer);
        s.edge = edge_buffer;
        s.edge_step = uk.mr;
    }
    return s;
}

// The same for op(B) k [p0, p0 + kc) × columns [j0, j0 + nc), read from B itself (op_b = N).
Slivers b_in_place(const MicroKernel& uk, Op op_b, const float* B, int ldb, int p0, int j0, int kc, int nc,
                   float* edge_buffer) {
    Slivers s{B + long(p0) * ldb + j0, uk.nr, ldb, true, nc / uk.nr};
    if (nc % uk.nr) {
        uk.pack_b(op_b, B, ldb, p0, j0 + s.full * uk.nr, kc, nc % uk.nr, edge_buffer);
        s.edge = edge_buffer;
        s.edge_step = uk.nr;
    }
    return s;
}

}  // namespace

// The nest, outermost first (chapter 05 draws it):
//   i3 (MP rows of A)  pc (KC)  jc (NC: pack B, L2)  ic (MC: pack A on the first jc, L2)
//   then macro_kernel: ir (MR: an A sliver in L1)  jr (NR: B slivers from L2).
// With one NC block (n ≤ NC) this is the plain Goto nest: B packed once per KC step, each MC
// block of A packed into the same buffer and used at once. With several, the later B blocks
// re-read the A panel (L3) instead of packing A again: for n = 2048 and NC = 448 that is one
// packing of A instead of five. An operand read in place (choose_in_place) skips its packing.
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
    const InPlace in_place = choose_in_place(uk, op_a, op_b, m, n, lda, B, ldb);
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
                Slivers b_slivers = packed_slivers(Bp, uk.nr, kc);
                if (in_place.b) b_slivers = b_in_place(uk, op_b, B, ldb, pc, jc, kc, nc, Bp);
                else uk.pack_b(op_b, B, ldb, pc, jc, kc, nc, Bp);
                for (int ic = i3; ic < i3 + m3; ic += MC) {
                    const int mc = std::min(MC, i3 + m3 - ic);
                    float* a_block = blocks.keep_a ? Ap + long(ic - i3) * kc : Ap;
                    Slivers a_slivers = packed_slivers(a_block, uk.mr, kc);
                    if (in_place.a) a_slivers = a_in_place(uk, op_a, A, lda, ic, pc, mc, kc, a_block);
                    else if (jc == 0) uk.pack_a(op_a, A, lda, ic, pc, mc, kc, a_block);  // later jc: kept
                    macro_kernel(uk, mc, nc, kc, alpha, beta_pc, a_slivers, b_slivers, C + long(ic) * ldc + jc, ldc);
                }
            }
        }
    }
}

}  // namespace hw::detail
