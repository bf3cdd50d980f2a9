// microkernel.hpp — what the packed loop nest needs from an instruction set.
//
// The kernel writer's interface, below hw::sgemm: chapters 05–06 and their exercises build
// their own MicroKernel descriptors from it (with pack.hpp and the tile templates in
// tile_avx2.hpp / tile_avx512.hpp) and run them through detail::loop_nest. Users of hw::sgemm
// never need it; hence namespace hw::detail.
//
// A micro-kernel computes one MR×NR tile of C from a packed MR×kc sliver of A and a packed
// kc×NR sliver of B, keeping the whole tile in registers for the kc rank-1 updates:
//
//     C[0:m_eff, 0:n_eff] = alpha · Ap · Bp + beta · C        (beta == 0: C is not read)
//
// Packed layouts (zero-padded up to MR / NR, so the kernel never branches on edges inside
// its k loop):
//     Ap: for p in [0,kc): MR floats  op(A)[i0 + r, p0 + p],  r = 0..MR-1
//     Bp: for p in [0,kc): NR floats  op(B)[p0 + p, j0 + c],  c = 0..NR-1
// The pack functions write ceil(mc/MR) (resp. ceil(nc/NR)) such slivers back to back; they
// absorb the transpose flags, so the kernel only ever sees one layout.
//
// Each instruction set provides one `MicroKernel` descriptor (plain data, no code runs to build
// it), defined in a file compiled with that instruction set's flags. The loop nest in
// loop_nest.cpp (serial) and step07_threaded.cpp (one nest per thread) calls through these
// pointers: one call per MR×NR×kc tile, thousands of FMAs, so the indirect call costs nothing
// measurable. The cache blocks MC, KC, NC are not part of the descriptor: they follow from the
// caches of the machine the program runs on (block_sizes.cpp).
#pragma once
#include "handwritten/core/thread_policy.hpp"
#include "handwritten/gemm/block_sizes.hpp"
#include "handwritten/gemm/gemm.hpp"

namespace hw::detail {

using MicroKernelFn = void (*)(int kc, const float* Ap, const float* Bp, float* C, int ldc,
                               float alpha, float beta, int m_eff, int n_eff);
// The same tile with each sliver's k steps a_step and b_step floats apart (packed: MR and NR),
// so a sliver can be read where it lies in a stored operand (loop_nest.cpp, choose_in_place).
using MicroKernelInPlaceFn = void (*)(int kc, const float* Ap, long a_step, const float* Bp, long b_step,
                                      float* C, int ldc, float alpha, float beta, int m_eff, int n_eff);
using PackAFn = void (*)(Op op, const float* A, int lda, int i0, int p0, int mc, int kc,
                         float* dst);
using PackBFn = void (*)(Op op, const float* B, int ldb, int p0, int j0, int kc, int nc,
                         float* dst);

struct MicroKernel {
    const char* name;  // "avx512-12x32", ...
    int mr, nr;        // register tile
    MicroKernelFn kernel;
    PackAFn pack_a;
    PackBFn pack_b;
    // Optional path for skinny products, n ≤ kSmallNMax (null: use the loop nest).
    void (*small_n)(Op, Op, int, int, int, float, const float*, int, const float*, int, float,
                    float*, int);
    // Optional: the kernel with run-time sliver steps (null: every sliver is packed).
    MicroKernelInPlaceFn in_place = nullptr;
};

extern const MicroKernel kPortableKernel;  // step05_packed.cpp, plain C++
extern const MicroKernel kAvx2Kernel;      // step06_avx2.cpp, AVX2 + FMA
extern const MicroKernel kAvx512Kernel;    // step06_avx512.cpp, AVX-512F

// The descriptor hw::sgemm runs (sgemm.cpp): the best this CPU has, or HW_SGEMM_KERNEL's.
const MicroKernel& sgemm_microkernel();

// Skinny products (n ≤ kSmallNMax): a row or a column of C per register, A read in place
// (step06_avx2.cpp, step06_avx512.cpp).
constexpr int kSmallNMax = 16;
void avx2_small_n(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc);
void avx512_small_n(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

bool cpu_has_avx2_fma();
bool cpu_has_avx512();
// Throws std::runtime_error("<step>: this CPU lacks <what>") (registry.cpp, compiled without
// SIMD flags, so the message is built by code any x86-64 runs).
[[noreturn]] void throw_cpu_lacks(const char* step, const char* what);

// The machine's blocks for one micro-tile (block_sizes.cpp): derived once per MR×NR shape, so
// an exercise's own descriptor gets blocks for its own tile.
const GemmBlocks& kernel_blocks(const MicroKernel& uk);
// Block sizes for one call of the nest (loop_nest.cpp): at most kernel_blocks(uk), split
// evenly, whole slivers. keep_a: n needs several NC blocks, so each MP-row panel of packed A
// is kept for all of them (mp is a multiple of mc); otherwise mp = m and each MC block is
// packed into the same buffer.
struct CallBlocks {
    int mc, kc, nc, mp;
    bool keep_a;
};
CallBlocks choose_blocks(const MicroKernel& uk, int m, int n, int k);

// Which operands one call of the nest reads in place instead of packing (loop_nest.cpp has the
// rule and its measurements). HW_GEMM_IN_PLACE=0 packs everything, for comparison.
struct InPlace {
    bool a = false, b = false;
};
constexpr int kInPlaceMaxBSlivers = 8;   // A in place only when ⌈n/NR⌉ ≤ this: few re-reads
constexpr int kInPlaceMaxASlivers = 32;  // B in place only when ⌈m/MR⌉ ≤ this
InPlace choose_in_place(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int lda, const float* B, int ldb);

// The serial Goto/BLIS loop nest (loop_nest.cpp): the kernel's skinny path when it has one and
// n ≤ kSmallNMax, else the packed nest.
void loop_nest(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float alpha,
               const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);
// The packed nest alone, whatever n is. A column slab of a wider product runs this one: the
// skinny path sums all of k at once, the nest in KC-deep blocks, and the two round differently.
void packed_loop_nest(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float alpha,
                      const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);
// The nest on `threads` threads, one slab of C each (step07_threaded.cpp). Returns how the
// join went for the calling thread (thread_policy.hpp; threads == 1 when it stayed serial).
JoinTiming loop_nest_parallel(const MicroKernel& uk, int threads, Op op_a, Op op_b, int m,
                              int n, int k, float alpha, const float* A, int lda, const float* B,
                              int ldb, float beta, float* C, int ldc);

// A growable 64-byte-aligned scratch buffer; one per thread (thread_local) keeps sgemm
// reentrant without allocating on every call.
class PackBuffer {
public:
    PackBuffer() = default;
    PackBuffer(const PackBuffer&) = delete;
    PackBuffer& operator=(const PackBuffer&) = delete;
    ~PackBuffer();
    float* get(long count);  // at least `count` floats, contents unspecified

private:
    float* data_ = nullptr;
    long size_ = 0;
};

}  // namespace hw::detail

namespace hw::detail {

// Where the macro-kernel finds the slivers of one block: sliver s starts at first + s·stride
// and its k steps are `step` floats apart. Packed: stride MR·kc (or NR·kc), step MR (or NR).
// Read in place: stride MR (or NR) floats along a stored row, step lda (or ldb); then only the
// `full` whole slivers come from the operand, and a partial last one from `edge`, a packed copy
// (MR floats read past the matrix's last column could leave its memory).
struct Slivers {
    const float* first;
    long stride, step;
    bool in_place = false;
    int full = 0;                 // in place: the whole slivers, read at first + s·stride
    const float* edge = nullptr;  // in place: the packed partial sliver after them
    long edge_step = 0;           //           and its step (MR or NR)

    const float* at(int s, long& k_step) const {
        const bool from_edge = in_place && s >= full;
        k_step = from_edge ? edge_step : step;
        return from_edge ? edge : first + s * stride;
    }
};

// A packed block: slivers of `tile` (MR or NR) floats per k step, back to back.
inline Slivers packed_slivers(const float* block, int tile, int kc) { return Slivers{block, long(tile) * kc, tile}; }

// The two innermost loops of the nest (the "macro-kernel"): all MR×NR tiles of one mc×nc block
// of C, from the slivers of an mc×kc block of A and a kc×nc block of B. ir is the outer loop so
// one MR×kc sliver of A stays in L1 while the kc×NR slivers of B stream past it from L2.
inline void macro_kernel(const MicroKernel& uk, int mc, int nc, int kc, float alpha, float beta,
                         const Slivers& a_slivers, const Slivers& b_slivers, float* C, int ldc) {
    const int MR = uk.mr, NR = uk.nr;
    const bool packed = !a_slivers.in_place && !b_slivers.in_place;
    for (int ir = 0; ir < mc; ir += MR) {
        const int mr = mc - ir < MR ? mc - ir : MR;
        long a_step;
        const float* a = a_slivers.at(ir / MR, a_step);
        for (int jr = 0; jr < nc; jr += NR) {
            const int nr = nc - jr < NR ? nc - jr : NR;
            long b_step;
            const float* b = b_slivers.at(jr / NR, b_step);
            float* c = C + long(ir) * ldc + jr;
            if (packed) uk.kernel(kc, a, b, c, ldc, alpha, beta, mr, nr);
            else uk.in_place(kc, a, a_step, b, b_step, c, ldc, alpha, beta, mr, nr);
        }
    }
}

}  // namespace hw::detail
