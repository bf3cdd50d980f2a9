// parallel.hpp — element-wise loops over the GEMM threads, under sgemm's busy-machine back-off.
//
// The batched MLP spends most of an epoch in sgemm, which splits each product over the GEMM
// threads. What is left — the Adam update, gathering a mini-batch — is element-wise: each
// element's result comes from the same formula whichever thread computes it, so these loops
// can be split too without changing a single bit of the result.
//
// The hazard of a short parallel region is a busy machine: when another process holds a core,
// the calling thread waits at the join for a helper that is not running (we measured 8 ms for a
// 0.1 ms update). sgemm already watches for that (sgemm.cpp: the contention window and back-off),
// so these loops ask it whether to go parallel now and report their own joins back to it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "handwritten/core/timer.hpp"

namespace hw {

// Threads a parallel loop may use right now: gemm_threads(), or 1 inside an OpenMP parallel
// region or while sgemm's back-off is in force.
int parallel_threads_now();

// Reports one parallel region to the back-off: the wall and CPU time of the calling thread's own
// share, and how long it then waited for the others.
void record_parallel_join(int threads, double own_seconds, double own_cpu_seconds,
                          double wait_seconds);

// Runs body(begin, end) over [0, n): in one call when n < min_parallel or one thread is all
// there is, else in one slice per thread. Slice bounds are multiples of `grain` (e.g. 16 floats,
// so SIMD loops group elements the same way whatever the split).
template <class Body>
void parallel_slices(std::size_t n, std::size_t min_parallel, std::size_t grain, Body body) {
    const int threads = n < min_parallel ? 1 : parallel_threads_now();
    if (threads <= 1) {
        body(std::size_t{0}, n);
        return;
    }
    const double start = omp_get_wtime();
    double own_done = 0, own_cpu = 0;
    int team = 1;
#pragma omp parallel num_threads(threads)
    {
        // The team may be smaller than asked for (OMP_DYNAMIC, thread limits): split by its size.
        const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
        const std::size_t nt = static_cast<std::size_t>(omp_get_num_threads());
        const double cpu_start = t == 0 ? thread_cpu_seconds() : 0;
        const std::size_t slice = ((n + nt - 1) / nt + grain - 1) / grain * grain;
        const std::size_t begin = std::min(n, slice * t), end = std::min(n, begin + slice);
        if (begin < end) body(begin, end);
        if (t == 0) {
            own_done = omp_get_wtime();
            own_cpu = thread_cpu_seconds() - cpu_start;
            team = static_cast<int>(nt);
        }
    }
    if (team > 1) record_parallel_join(team, own_done - start, own_cpu, omp_get_wtime() - own_done);
}

}  // namespace hw
