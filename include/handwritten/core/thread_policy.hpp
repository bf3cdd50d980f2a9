// thread_policy.hpp — how many threads a parallel region may use right now, and what it learns
// from each join. Every parallel region of the library (hw::sgemm's slabs of C, the element-wise
// loops of parallel.hpp) asks threads_for() before it starts and report()s its join after.
//
// Why a policy at all: on a machine shared with other processes a helper thread may not be
// running when the region starts, or the caller may lose its core halfway through its share.
// Either way the caller then waits at the join for whole scheduler time slices (measured: 14 ms
// instead of 0.13 ms for an MLP product beside one busy loop). One thread would have had a core
// to itself. So each join is judged: on one thread the region would have taken about
// T × (the caller's CPU time for its share); in parallel it took the share's wall time plus the
// wait. Summed over a window of at least 50 ms of parallel regions: when the parallel regions
// took longer than serial ones would have, threads_for() answers 1 for a while (250 ms,
// doubling while it keeps happening, at most 4 s), then tries again. A window rather than one
// join, because a helper preempted once for a few milliseconds happens on any shared machine;
// backing off for it would cost half the speed for 250 ms.
// Results never depend on the answer: every caller computes each element identically on any
// number of threads, so the policy changes speed only.
#pragma once

namespace hw {

// The thread count parallel regions use when nothing holds them back: set_threads(t) with
// t > 0, else OpenMP's default (OMP_NUM_THREADS, else all cores). hw::set_gemm_threads and
// hw::gemm_threads (gemm.hpp) are these two under the GEMM's name.
void set_parallel_threads(int threads);
int parallel_threads();

// How one parallel region went for the calling thread (thread 0 of the team): the wall time
// and CPU time of its own share, and how long it then waited at the join for the others.
struct JoinTiming {
    int threads = 1;  // the team that ran: 1 when the region stayed serial
    double own_seconds = 0, own_cpu_seconds = 0, wait_seconds = 0;
};

// What the policy has done so far: parallel regions that ran on a team (parallel_calls), regions
// that would have split but ran on one thread because a back-off was in force (solo_calls), and
// back-offs started. A slow two-thread figure with solo_calls > 0 measured the machine's load.
// For the parallel regions, also the caller's time in its own share and at the join: the wait
// share wait / (own + wait) is what a second thread costs beyond its work.
struct BackoffStats {
    long parallel_calls = 0, solo_calls = 0, backoffs = 0;
    double own_seconds = 0, wait_seconds = 0;
};

namespace thread_policy {

// Threads for a region of `work` (flops, elements: the caller's unit) when splitting pays only
// from `min_parallel_work` on: 1 below it, inside an OpenMP parallel region, or during a
// back-off; else parallel_threads().
int threads_for(double work, double min_parallel_work);
// Feeds one join into the window (a serial region, threads == 1, is ignored).
void report(const JoinTiming& join);
BackoffStats stats();

}  // namespace thread_policy

// Times the calling thread's share and its wait inside `#pragma omp parallel`:
//     JoinClock clock;
//     #pragma omp parallel
//     { clock.share_begins(); ...this thread's share...; clock.share_ends(); }
//     thread_policy::report(clock.timing());
// Only thread 0 (the caller) records; the others' calls do nothing.
class JoinClock {
public:
    JoinClock();
    void share_begins();
    void share_ends();
    JoinTiming timing() const;  // call after the region

private:
    double start_, cpu_start_ = 0, own_done_ = 0, own_cpu_ = 0;
    int team_ = 1;
};

}  // namespace hw
