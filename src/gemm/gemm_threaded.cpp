// gemm_threaded.cpp — step 5: the loop nest on several cores with OpenMP.
//
// The simplest split that scales: cut C into one slab per thread and let each thread run the
// whole serial loop nest (gemm_packed.cpp) on its slab, with its own packing buffers
// (thread_local). No shared writes (slabs of C are disjoint) and exactly one synchronisation,
// the join at the end of the parallel region.
//
//   n ≥ m: split the columns (the jc loop) in whole NR-wide slivers. Each thread packs only
//          its own columns of B, and all of A — duplicated work of m·k copies against
//          m·(n/T)·k multiply-adds, 0.2% for n = 1024 on 2 threads.
//   n < m: split the rows (the ic loop) in whole MR-tall slivers; each thread packs all of B.
//
// Why not share the packed blocks between threads, as BLIS does (pack B once, all threads,
// barrier, each thread its ic/jr range, barrier, ...)? On this 2-core machine, shared with
// other jobs, every barrier waits for the slowest thread's next time slice: we measured that
// variant at 5–17 GFLOP/s when other processes were running, against 37–45 for slabs side by
// side, and never faster than slabs otherwise. The slab version never waits mid-computation.
// (Chapter 07's exercises ask you to try it.)
//
// Skinny products (n ≤ 16, the AVX-512 path without packing of A) are always cut into row slabs.
#include <omp.h>

#include <algorithm>

#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/timer.hpp"
#include "microkernel.hpp"

namespace hw::detail {

void loop_nest_parallel(const MicroKernel& uk, int threads, Op op_a, Op op_b, int m, int n,
                        int k, float alpha, const float* A, int lda, const float* B, int ldb,
                        float beta, float* C, int ldc, JoinTiming* timing) {
    if (timing) *timing = {};
    if (m <= 0 || n <= 0) return;
    const bool skinny = uk.small_n && n <= kSmallNMax;
    const bool split_n = n >= m && !skinny;
    const int unit = skinny ? 8 : split_n ? uk.nr : uk.mr;
    const int units = ceil_div(split_n ? n : m, unit);
    const int T = std::min(threads, units);
    if (T <= 1 || k <= 0 || alpha == 0.0f) {
        loop_nest(uk, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const double t_start = omp_get_wtime();
    double t_master = 0, cpu_master = 0;  // when the calling thread finished its slab; its CPU time
    int team = 1;
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const double cpu_start = t == 0 && timing ? thread_cpu_seconds() : 0;
        const int lo = int(long(units) * t / nt) * unit;
        const int hi = std::min(split_n ? n : m, int(long(units) * (t + 1) / nt) * unit);
        if (hi > lo) {
            if (split_n) {  // columns [lo, hi) of op(B) and C
                const float* Bt = op_b == Op::N ? B + lo : B + long(lo) * ldb;
                loop_nest(uk, op_a, op_b, m, hi - lo, k, alpha, A, lda, Bt, ldb, beta, C + lo, ldc);
            } else {  // rows [lo, hi) of op(A) and C
                const float* At = op_a == Op::N ? A + long(lo) * lda : A + lo;
                loop_nest(uk, op_a, op_b, hi - lo, n, k, alpha, At, lda, B, ldb, beta,
                          C + long(lo) * ldc, ldc);
            }
        }
        if (t == 0) {
            t_master = omp_get_wtime();
            if (timing) cpu_master = thread_cpu_seconds() - cpu_start;
            team = nt;
        }
    }
    if (timing) *timing = {team, t_master - t_start, cpu_master, omp_get_wtime() - t_master};
}

}  // namespace hw::detail
