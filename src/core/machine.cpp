// machine.cpp — cache sizes, clock and peak FLOP/s of this machine (see machine.hpp).
#include "handwritten/core/machine.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace hw {

namespace {

// Vector FMAs per nanosecond of one of the fma_chains_* loops: the best of 5 runs of ~2e6
// cycles each (other processes can only slow a run down, never speed it up).
double fma_rate_per_ns(void (*chains)(long loops)) {
    const long loops = 150000;  // × 12 FMAs ≈ 2e6 cycles, under a millisecond
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        chains(loops);
        const double ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(loops) * kFmaChains / ns);
    }
    return best;
}

long read_sys_cache(int index) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::string s;
    if (!(f >> s) || s.empty()) return 0;
    long v = std::atol(s.c_str());
    if (s.back() == 'K') v *= 1024;
    if (s.back() == 'M') v *= 1024 * 1024;
    return v;
}

std::string read_sys_text(int index, const char* file) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/" + file);
    std::string s;
    f >> s;
    return s;
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

CacheSizes cache_sizes() {
    static const CacheSizes cached = read_cache_sizes();
    return cached;
}

CacheSizes read_cache_sizes() {
    CacheSizes c;
#ifdef _SC_LEVEL1_DCACHE_SIZE
    c.l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    c.l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    c.l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    const long line = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
    if (line > 0) c.line = line;
    c.l1d_ways = int(std::max(0L, sysconf(_SC_LEVEL1_DCACHE_ASSOC)));
    c.l2_ways = int(std::max(0L, sysconf(_SC_LEVEL2_CACHE_ASSOC)));
#endif
    // sysconf may report 0 or, in VMs, a nonsense L3 (all sockets summed); prefer sysfs when
    // it exists: index0 = L1d, index2 = L2, index3 = L3 on Linux x86.
    for (int i = 0; i < 8; ++i) {
        const std::string level = read_sys_text(i, "level"), type = read_sys_text(i, "type");
        const long size = read_sys_cache(i);
        if (size <= 0) continue;
        const int ways = std::atoi(read_sys_text(i, "ways_of_associativity").c_str());
        if (level == "1" && type == "Data") {
            c.l1d = size;
            if (ways > 0) c.l1d_ways = ways;
        }
        if (level == "2") {
            c.l2 = size;
            if (ways > 0) c.l2_ways = ways;
        }
        if (level == "3") c.l3 = size;
    }
    for (long* v : {&c.l1d, &c.l2, &c.l3})
        if (*v < 0) *v = 0;
    return c;
}

double measure_clock_ghz(int repeats) {
    repeats = std::max(repeats, 1);
    std::vector<double> ghz;
    for (int r = 0; r < repeats; ++r) {
        std::uint64_t x = 0, count = 100000;  // × 50 dependent adds = 5e6 cycles (≈1.5 ms)
        const std::uint64_t step = 1;
        const double t0 = now_seconds();
        // Register + register, not `add $1`: Intel cores since Golden Cove (Alder Lake P-cores,
        // Sapphire Rapids) fold small immediate adds at rename, several per cycle, and an
        // immediate chain read 9-14 GHz on a Xeon clocked near 2.4 GHz. A register operand keeps one add
        // per cycle; it agreed with an imul chain (3-cycle latency) within 5% there.
        __asm__ volatile(
            "1:\n\t"
            ".rept 50\n\t"
            "add %2, %0\n\t"
            ".endr\n\t"
            "dec %1\n\t"
            "jnz 1b\n\t"
            : "+r"(x), "+r"(count)
            : "r"(step)
            : "cc");
        const double t1 = now_seconds();
        ghz.push_back(50.0 * 100000 / (t1 - t0) / 1e9);
    }
    // The fastest run: on a busy machine other processes only ever make a run slower.
    return *std::max_element(ghz.begin(), ghz.end());
}

std::string cpu_model_name() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return "unknown";
}

int cpu_count() {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? int(n) : 1;
}

namespace {

// The peak of one vector width, measured: `lanes` is 16, 8 or 4, and only called with a width
// this CPU has (peak_for_lanes checks).
Peak measure_peak(int lanes) {
    Peak p;
    void (*chains)(long) = lanes == 16 ? fma_chains_avx512 : lanes == 8 ? fma_chains_avx2 : nullptr;
    double rate = 0;  // vector FMAs per ns
    // Interleave short clock and FMA runs and keep the best of each: on a shared machine
    // some runs are slowed by other processes, never sped up.
    for (int round = 0; round < 8; ++round) {
        p.ghz = std::max(p.ghz, measure_clock_ghz(5));
        if (chains) rate = std::max(rate, fma_rate_per_ns(chains));
    }
    if (chains) {
        p.isa = lanes == 16 ? "AVX-512" : "AVX2+FMA";
        p.lanes = lanes;
        // Vector FMAs per cycle, snapped to a power of two (0.5, 1, 2, 4): cores have whole
        // FMA pipes, and a 512-bit FMA on 256-bit pipes counts as one per cycle.
        const double measured = rate / p.ghz;
        p.fma_per_cycle = std::pow(2.0, std::round(std::log2(std::max(measured, 0.25))));
    } else {  // SSE2 baseline: 4 lanes, separate mul and add; count 2 per cycle as one "FMA"
        p.isa = "SSE2";
        p.lanes = 4;
        p.fma_per_cycle = 1;
    }
    p.flops_per_cycle = p.lanes * 2 * p.fma_per_cycle;
    p.gflops_per_core = p.flops_per_cycle * p.ghz;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s: %d lanes x 2 flops/FMA x %.1f FMA/cycle (measured) = %.0f flop/cycle"
                  " x %.2f GHz (measured) = %.1f GFLOP/s per core",
                  p.isa.c_str(), p.lanes, p.fma_per_cycle, p.flops_per_cycle, p.ghz, p.gflops_per_core);
    p.arithmetic = buf;
    return p;
}

}  // namespace

const Peak& peak_for_lanes(int lanes) {
    const bool avx512 = __builtin_cpu_supports("avx512f");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int widest = avx512 ? 16 : avx2 ? 8 : 4;
    const int width = std::min(lanes >= 16 ? 16 : lanes >= 8 ? 8 : 4, widest);
    // One measurement per width, made the first time it is asked for (a function-local static
    // is initialised once, even when threads ask at the same time).
    switch (width) {
    case 16: {
        static const Peak p = measure_peak(16);
        return p;
    }
    case 8: {
        static const Peak p = measure_peak(8);
        return p;
    }
    default: {
        static const Peak p = measure_peak(4);
        return p;
    }
    }
}

const Peak& machine_peak() { return peak_for_lanes(16); }

}  // namespace hw
