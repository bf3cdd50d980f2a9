// parallel.hpp — element-wise loops split over the GEMM threads, and a batch's images dealt to them.
//
// The batched MLP spends most of an epoch in sgemm, which splits each product over the GEMM
// threads. What is left — the Adam update, gathering a mini-batch — is element-wise: each
// element's result comes from the same formula whichever thread computes it, so these loops
// can be split too without changing a single bit of the result. The convolutional layers
// work image by image, and deal the images (parallel_dealt below). All of them ask the same
// thread policy as sgemm (thread_policy.hpp) whether to split now, and report their joins to it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "handwritten/core/thread_policy.hpp"

namespace hw {

// Runs body(t, nt) on each thread t of a team of nt, or body(0, 1) alone when work <
// min_parallel or one thread is all there is; the join is reported to the thread policy.
template <class Body>
void parallel_team(std::size_t work, std::size_t min_parallel, Body body) {
    const int threads = thread_policy::threads_for(double(work), double(min_parallel));
    if (threads <= 1) {
        body(std::size_t{0}, std::size_t{1});
        return;
    }
    JoinClock clock;
#pragma omp parallel num_threads(threads)
    {
        clock.share_begins();
        // The team may be smaller than asked for (OMP_DYNAMIC, thread limits): split by its size.
        body(std::size_t(omp_get_thread_num()), std::size_t(omp_get_num_threads()));
        clock.share_ends();
    }
    thread_policy::report(clock.timing());
}

// Runs body(begin, end) over [0, n): in one call when n < min_parallel or one thread is all
// there is, else in one slice per thread. Slice bounds are multiples of `grain` (e.g. 16 floats,
// so SIMD loops group elements the same way whatever the split).
template <class Body>
void parallel_slices(std::size_t n, std::size_t min_parallel, std::size_t grain, Body body) {
    parallel_team(n, min_parallel, [&](std::size_t t, std::size_t nt) {
        if (nt == 1) return body(std::size_t{0}, n);  // one call, even for n = 0
        const std::size_t slice = ((n + nt - 1) / nt + grain - 1) / grain * grain;
        const std::size_t begin = std::min(n, slice * t), end = std::min(n, begin + slice);
        if (begin < end) body(begin, end);
    });
}

// The images of a batch, dealt to a fixed number of parts by their index in the batch: image n
// goes to part n mod kBatchParts, and part p to thread p mod (the team's size), so on two
// threads the even images go to one and the odd to the other, whatever range of the batch is
// dealt. parallel_dealt(n0, n1, min_parallel, body) calls body(p, n) for the images n of
// [n0, n1), each part's images in increasing order on one thread; on one thread when fewer
// than min_parallel images. Two uses follow from it:
//   - a sum kept per part and added up part by part at the end comes out the same on any
//     thread count, and whatever ranges [n0, n1) the batch is visited in (a layer's groups);
//   - every pass that deals the same batch works on image n on the same thread, so an image's
//     maps stay in that core's cache from one pass to the next (the convolutional layers).
inline constexpr std::size_t kBatchParts = 8;

template <class Body>
void parallel_dealt(std::size_t n0, std::size_t n1, std::size_t min_parallel, Body body) {
    if (n1 <= n0) return;
    parallel_team(n1 - n0, min_parallel, [&](std::size_t t, std::size_t nt) {
        for (std::size_t p = t; p < kBatchParts; p += nt)
            for (std::size_t n = n0 + (p + kBatchParts - n0 % kBatchParts) % kBatchParts; n < n1; n += kBatchParts)
                body(p, n);
    });
}

}  // namespace hw
