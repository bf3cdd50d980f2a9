// timer.hpp — a monotonic stopwatch, for epoch times and GFLOP/s; and the calling thread's CPU
// time, which stops while the scheduler runs someone else on the core.
#pragma once
#include <time.h>

#include <chrono>

namespace hw {

class Stopwatch {
public:
    Stopwatch() : start_(Clock::now()) {}
    void restart() { start_ = Clock::now(); }
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point start_;
};

// Seconds of CPU time the calling thread has used. Against wall time it shows how long the
// thread was runnable but not running (another process had the core).
inline double thread_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace hw
