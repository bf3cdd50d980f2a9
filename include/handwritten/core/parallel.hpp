// parallel.hpp — element-wise loops split over the GEMM threads.
//
// The batched MLP spends most of an epoch in sgemm, which splits each product over the GEMM
// threads. What is left — the Adam update, gathering a mini-batch — is element-wise: each
// element's result comes from the same formula whichever thread computes it, so these loops
// can be split too without changing a single bit of the result. They ask the same thread
// policy as sgemm (thread_policy.hpp) whether to split now, and report their joins to it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "handwritten/core/thread_policy.hpp"

namespace hw {

// Runs body(begin, end) over [0, n): in one call when n < min_parallel or one thread is all
// there is, else in one slice per thread. Slice bounds are multiples of `grain` (e.g. 16 floats,
// so SIMD loops group elements the same way whatever the split).
template <class Body>
void parallel_slices(std::size_t n, std::size_t min_parallel, std::size_t grain, Body body) {
    const int threads = thread_policy::threads_for(double(n), double(min_parallel));
    if (threads <= 1) {
        body(std::size_t{0}, n);
        return;
    }
    JoinClock clock;
#pragma omp parallel num_threads(threads)
    {
        clock.share_begins();
        // The team may be smaller than asked for (OMP_DYNAMIC, thread limits): split by its size.
        const std::size_t t = std::size_t(omp_get_thread_num()), nt = std::size_t(omp_get_num_threads());
        const std::size_t slice = ((n + nt - 1) / nt + grain - 1) / grain * grain;
        const std::size_t begin = std::min(n, slice * t), end = std::min(n, begin + slice);
        if (begin < end) body(begin, end);
        clock.share_ends();
    }
    thread_policy::report(clock.timing());
}

}  // namespace hw
