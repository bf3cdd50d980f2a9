// machine_avx512.cpp — FMA throughput with 16-lane vectors (compiled with the avx512 flags; called
// by machine_peak() only after __builtin_cpu_supports said yes). machine.cpp times it.
//
// kFmaChains = 12 independent accumulator chains: an FMA has 4-cycle latency, so 12 chains keep
// up to 3 FMAs per cycle in flight — more than any current core retires — and the loop measures
// throughput, not latency.
#include <immintrin.h>

#include "handwritten/core/machine.hpp"

namespace hw {

void fma_chains_avx512(long loops) {
    __m512 acc[kFmaChains];
    for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm512_set1_ps(0.001f * float(i));
    const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
    for (long l = 0; l < loops; ++l) {
#pragma GCC unroll 12
        for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
        // Keeps all 12 chains in registers and alive: the compiler may not merge or drop them
        // (a volatile asm is never removed, and it reads and writes every accumulator).
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]),
                         "+v"(acc[4]), "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]),
                         "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
}

}  // namespace hw
