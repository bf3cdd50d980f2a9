// step07_threaded.cpp — chapter 07: the loop nest on several cores with OpenMP.
//
// The simplest split that scales: cut C into one slab per thread and let each thread run the
// whole serial loop nest (loop_nest.cpp) on its slab, with its own packing buffers
// (thread_local). No shared writes (slabs of C are disjoint) and exactly one synchronisation,
// the join at the end of the parallel region.
//
//   n ≥ m: split the columns (the jc loop) in whole NR-wide slivers. Each thread packs only
//          its own columns of B, and all of A — duplicated work of m·k copies against
//          m·(n/T)·k multiply-adds, 0.2% for n = 1024 on 2 threads.
//   n < m: split the rows (the ic loop) in whole MR-tall slivers; each thread packs all of B.
//
// Why not share the packed blocks between threads, as BLIS does (pack B once, all threads,
// barrier, each thread its ic/jr range, barrier, ...)? On a 2-core machine shared with other
// jobs, every barrier waits for the slowest thread's next time slice: that variant measured
// 5–17 GFLOP/s when other processes were running, against 37–45 for slabs side by side, and
// never faster than slabs otherwise. The slab version never waits mid-computation.
// (Chapter 07's exercises ask you to try it.)
//
// Skinny products (n ≤ 16, the paths without packing of A) are always cut into row slabs.
// HW_GEMM_SPLIT=m or =n forces the direction for the others (exercise 07-3 measures both).
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"

namespace hw::detail {

namespace {

// One thread's slab of C: columns [lo, hi) of op(B) and C, or rows [lo, hi) of op(A) and C.
// A column slab only exists for a product too wide for the skinny path, and takes the packed
// nest even when the slab itself is 16 columns or fewer: the serial call would have summed
// those columns in KC-deep blocks too, so the bits do not depend on the thread count.
void run_slab(const MicroKernel& uk, bool split_n, int lo, int hi, Op op_a, Op op_b, int m, int n,
              int k, float alpha, const float* A, int lda, const float* B, int ldb, float beta,
              float* C, int ldc) {
    if (split_n) {
        const float* Bt = op_b == Op::N ? B + lo : B + long(lo) * ldb;
        packed_loop_nest(uk, op_a, op_b, m, hi - lo, k, alpha, A, lda, Bt, ldb, beta, C + lo, ldc);
    } else {
        const float* At = op_a == Op::N ? A + long(lo) * lda : A + lo;
        loop_nest(uk, op_a, op_b, hi - lo, n, k, alpha, At, lda, B, ldb, beta, C + long(lo) * ldc, ldc);
    }
}

}  // namespace

JoinTiming loop_nest_parallel(const MicroKernel& uk, int threads, Op op_a, Op op_b, int m, int n,
                              int k, float alpha, const float* A, int lda, const float* B,
                              int ldb, float beta, float* C, int ldc) {
    if (m <= 0 || n <= 0) return {};
    const bool skinny = uk.small_n && n <= kSmallNMax;
    const char* forced = std::getenv("HW_GEMM_SPLIT");  // read per call: exercise 07-3 flips it
    const bool split_n = !skinny && (forced && !std::strcmp(forced, "n")   ? true
                                     : forced && !std::strcmp(forced, "m") ? false
                                                                           : n >= m);
    const int unit = skinny ? 8 : split_n ? uk.nr : uk.mr;  // slabs in whole slivers
    const int extent = split_n ? n : m, units = ceil_div(extent, unit);
    if (std::min(threads, units) <= 1 || k <= 0 || alpha == 0.0f) {
        loop_nest(uk, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return {};
    }
    JoinClock clock;
#pragma omp parallel num_threads(std::min(threads, units))
    {
        clock.share_begins();
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();  // nt may be < asked
        // BEGIN SOLUTION 07 the thread split: thread t of nt gets slivers [units*t/nt, units*(t+1)/nt)
        const int lo = int(long(units) * t / nt) * unit;
        const int hi = std::min(extent, int(long(units) * (t + 1) / nt) * unit);
        // ELSE
        // const int lo = 0, hi = 0;  // each thread's slab [lo, hi) of the extent, in whole units
        // (void)t, (void)nt, (void)units;
        // END SOLUTION
        if (hi > lo) run_slab(uk, split_n, lo, hi, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        clock.share_ends();
    }
    return clock.timing();
}

}  // namespace hw::detail

namespace hw {

void gemm_threaded(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                   const float* B, int ldb, float beta, float* C, int ldc) {
    detail::loop_nest_parallel(detail::sgemm_microkernel(), gemm_threads(), op_a, op_b, m, n, k,
                               alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace hw
