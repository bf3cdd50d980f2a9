// machine.hpp — what this computer can do: caches, SIMD width, clock, peak FLOP/s.
//
// The GEMM chapters judge every kernel as a fraction of this machine's peak:
//
//     peak per core = vector lanes × 2 (an FMA is a multiply and an add)
//                     × vector FMAs retired per cycle × clock
//
// Lanes come from the CPU's feature flags (__builtin_cpu_supports); FMAs per cycle and the
// clock are *measured* with tiny loops, because neither is in the feature flags: Zen 4 has
// AVX-512 but retires one 512-bit FMA per cycle (two 256-bit pipes, "double-pumped"), while a
// Xeon with two 512-bit FMA units retires two; and the clock under load is not the nominal one.
#pragma once
#include <string>

namespace hw {

struct CacheSizes {
    long l1d = 0, l2 = 0, l3 = 0;  // bytes per instance (0: unknown)
    int l1d_ways = 0, l2_ways = 0;  // associativity (0: unknown)
    long line = 64;                // cache-line size in bytes
};
// From sysconf(_SC_LEVEL1_DCACHE_SIZE, ...), else /sys/devices/system/cpu/cpu0/cache/.
// cache_sizes() reads them once and keeps the answer; read_cache_sizes() reads again.
CacheSizes cache_sizes();
CacheSizes read_cache_sizes();

struct Peak {
    std::string isa;              // "AVX-512", "AVX2+FMA" or "SSE2"
    int lanes = 4;                // floats per vector register
    double fma_per_cycle = 1;     // vector FMAs retired per cycle (measured, snapped to 2^k)
    double flops_per_cycle = 8;   // lanes · 2 · fma_per_cycle
    double ghz = 0;               // measured clock
    double gflops_per_core = 0;   // flops_per_cycle · ghz
    std::string arithmetic;       // the line above with this machine's numbers
};
// The peak of the widest vectors this CPU has. Measures once (≈0.2 s), then returns the
// cached result.
const Peak& machine_peak();
// The peak of vectors of `lanes` floats: 16 (AVX-512), 8 (AVX2+FMA) or 4 (SSE2), or of the
// widest this CPU has when it has none that wide. Code held to AVX2 on an AVX-512 machine is
// judged against peak_for_lanes(8): on a core with two 512-bit FMA pipes it is half of
// machine_peak(), on Zen 4 (512-bit FMAs on two 256-bit pipes) the same.
const Peak& peak_for_lanes(int lanes);

// Clock in GHz from a chain of dependent register-register integer adds (one per cycle on
// every x86-64 since the 1990s; immediate adds are not, see machine.cpp):
// cycles = adds, GHz = adds / seconds / 1e9. The fastest of `repeats` short runs
// (≈1.5 ms each): on a shared machine interference only ever slows a run down.
double measure_clock_ghz(int repeats = 15);

// CPU model name from /proc/cpuinfo ("unknown" elsewhere).
std::string cpu_model_name();
// Online logical CPUs.
int cpu_count();

// Internal: FMA-throughput loops compiled with the matching -m flags (machine_avx2.cpp,
// machine_avx512.cpp); call only when supported. Each runs `loops` × kFmaChains independent
// vector FMAs.
// They use no standard-library templates: a template instantiated under -mavx512f could be
// the copy the linker keeps for generic code, and fault on a CPU without AVX-512.
constexpr int kFmaChains = 12;
void fma_chains_avx2(long loops);
void fma_chains_avx512(long loops);

}  // namespace hw
