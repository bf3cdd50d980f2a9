// Chapter 06 — SIMD micro-kernels: AVX2 6x16 and AVX-512 12x32 in the same loop nest.
//
// Prints this machine's caches and peak, then a table per size: time, GFLOP/s, % of peak, the
// max error against the double-precision reference, and the ratio to OpenBLAS (loaded at run
// time when installed). The chapter text is README.md next to this file.
#include <cstdio>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/gemm_bench.hpp"
#include "handwritten/core/machine.hpp"

int main(int argc, char** argv) {
    hw::SweepOptions defaults;
    defaults.sizes = {256, 512, 1024, 2048};
    defaults.kernels = {"packed", "avx2", "avx512"};
    defaults.reps = 5;
    defaults.threads = 1;
    const hw::SweepOptions options = hw::parse_sweep_command_line(
        argc, argv, "06-simd",
        "Race the hand-vectorised AVX2 (6x16) and AVX-512 (12x32) micro-kernels against the portable one, and OpenBLAS.",
        defaults);

    hw::print_machine_header(options.threads);
    {
        // The FMA rates are measured for each vector width (chapter 03's header): a Xeon with
        // two 512-bit FMA units retires 2 of either per cycle, Zen 4 two ymm but one zmm.
        const hw::Peak& ymm = hw::peak_for_lanes(8);
        const bool avx512 = hw::find_gemm_kernel("avx512")->supported;
        std::printf("Register tiles (accumulators hide the 4-cycle FMA latency):\n"
                    "  avx2    6x16 = 12 ymm accumulators + 2 B + 1 broadcast (16 ymm registers);\n"
                    "          needs >= 4 cycles x %.1f ymm FMA/cycle (measured) = %.0f chains\n",
                    ymm.fma_per_cycle, 4 * ymm.fma_per_cycle);
        if (avx512) {
            const hw::Peak& zmm = hw::peak_for_lanes(16);
            std::printf("  avx512 12x32 = 24 zmm accumulators + 2 B + broadcasts (32 zmm registers);\n"
                        "          needs >= 4 cycles x %.1f zmm FMA/cycle (measured) = %.0f chains\n\n",
                        zmm.fma_per_cycle, 4 * zmm.fma_per_cycle);
        } else {
            std::printf("  avx512 12x32: this CPU has no AVX-512, so the step is skipped\n\n");
        }
    }
    hw::print_gemm_blocks(options.kernels);
    hw::run_gemm_sweep(options);
    hw::print_sweep_footnote();
    return 0;
}
