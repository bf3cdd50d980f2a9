// timer.hpp — a monotonic stopwatch, for epoch times and GFLOP/s.
#pragma once
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

}  // namespace hw
