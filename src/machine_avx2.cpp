// machine_avx2.cpp — FMA throughput with 8-lane vectors (compiled with the avx2 flags; called
// by machine_peak() only after __builtin_cpu_supports said yes).
//
// 12 independent accumulator chains: an FMA has 4-cycle latency, so 12 chains keep up to
// 3 FMAs per cycle in flight — more than any current core retires — and the loop measures
// throughput, not latency.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "handwritten/machine.hpp"

namespace hw {

double fma_rate_avx2_per_ns() {
    constexpr int kChains = 12;
    const long loops = 150000;  // × 12 FMAs ≈ 2e6 cycles, under a millisecond
    std::vector<double> rates;
    for (int rep = 0; rep < 5; ++rep) {
        __m256 acc[kChains];
        for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(0.001f * float(i));
        const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
        const auto t0 = std::chrono::steady_clock::now();
        for (long l = 0; l < loops; ++l) {
#pragma GCC unroll 12
            for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
            __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]),
                             "+v"(acc[4]), "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]),
                             "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
        }
        const double ns = std::chrono::duration<double, std::nano>(
                              std::chrono::steady_clock::now() - t0).count();
        rates.push_back(double(loops) * kChains / ns);
    }
    return *std::max_element(rates.begin(), rates.end());  // the least disturbed run
}

}  // namespace hw
