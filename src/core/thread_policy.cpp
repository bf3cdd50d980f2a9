// thread_policy.cpp — the busy-machine back-off (see thread_policy.hpp for the reasoning).
#include "handwritten/core/thread_policy.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "handwritten/core/timer.hpp"

namespace hw {

namespace {

constexpr double kWindowSeconds = 0.05, kFirstBackoff = 0.25, kMaxBackoff = 4.0;

int g_threads = 0;  // 0: not set, use OpenMP's default
std::atomic<double> g_solo_until{0.0};  // omp_get_wtime() before which regions stay on one thread
std::atomic<long> g_parallel_calls{0}, g_solo_calls{0}, g_backoffs{0};

struct ContentionWindow {
    std::mutex mutex;
    double parallel = 0;  // Σ wall time of the parallel regions (caller's share + wait at the join)
    double serial = 0;    // Σ T × CPU time of the caller's share: the same regions on one thread
    double backoff = kFirstBackoff;
    double own_total = 0, wait_total = 0;  // over all regions, for stats()
};
ContentionWindow g_window;

bool backing_off() { return omp_get_wtime() < g_solo_until.load(std::memory_order_relaxed); }

}  // namespace

void set_parallel_threads(int threads) { g_threads = threads > 0 ? threads : 0; }
int parallel_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

namespace thread_policy {

int threads_for(double work, double min_parallel_work) {
    const int threads = parallel_threads();
    if (threads <= 1 || work < min_parallel_work || omp_in_parallel()) return 1;
    if (backing_off()) {
        g_solo_calls.fetch_add(1, std::memory_order_relaxed);
        return 1;
    }
    return threads;
}

void report(const JoinTiming& join) {
    if (join.threads <= 1) return;
    g_parallel_calls.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(g_window.mutex);
    g_window.parallel += join.own_seconds + join.wait_seconds;
    g_window.own_total += join.own_seconds;
    g_window.wait_total += join.wait_seconds;
    g_window.serial += join.threads * join.own_cpu_seconds;
    if (g_window.parallel < kWindowSeconds) return;
    if (g_window.parallel > g_window.serial) {
        g_solo_until.store(omp_get_wtime() + g_window.backoff, std::memory_order_relaxed);
        g_window.backoff = std::min(2 * g_window.backoff, kMaxBackoff);
        g_backoffs.fetch_add(1, std::memory_order_relaxed);
    } else {
        g_window.backoff = kFirstBackoff;
    }
    g_window.parallel = g_window.serial = 0;
}

BackoffStats stats() {
    std::lock_guard<std::mutex> lock(g_window.mutex);
    return {g_parallel_calls.load(), g_solo_calls.load(), g_backoffs.load(), g_window.own_total,
            g_window.wait_total};
}

}  // namespace thread_policy

JoinClock::JoinClock() : start_(omp_get_wtime()) {}

void JoinClock::share_begins() {
    if (omp_get_thread_num() == 0) cpu_start_ = thread_cpu_seconds();
}

void JoinClock::share_ends() {
    if (omp_get_thread_num() != 0) return;
    own_done_ = omp_get_wtime();
    own_cpu_ = thread_cpu_seconds() - cpu_start_;
    team_ = omp_get_num_threads();
}

JoinTiming JoinClock::timing() const {
    if (team_ <= 1) return {};
    return {team_, own_done_ - start_, own_cpu_, omp_get_wtime() - own_done_};
}

}  // namespace hw
