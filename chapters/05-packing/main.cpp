// Chapter 05 — packing and a register tile: the Goto/BLIS loop nest with a portable micro-kernel.
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
    defaults.sizes = {256, 512, 1024};
    defaults.kernels = {"blocked", "packed"};
    defaults.reps = 3;
    defaults.threads = 1;
    const hw::SweepOptions options = hw::parse_sweep_command_line(
        argc, argv, "05-packing",
        "Race the packed Goto/BLIS loop nest (portable 4x8 micro-kernel) against the blocked kernel.",
        defaults);

    hw::print_machine_header(options.threads);
    std::printf(
        "packed: i3 (MP) -> pc (KC) -> jc (NC, pack B) -> ic (MC, pack A on the first jc) -> ir (MR) -> jr (NR) -> 4x8 micro-kernel\n"
        "        32 accumulators (8 xmm registers) per tile; each loaded A value is used 8 times,\n"
        "        each B value 4 times. Plain C++, vectorised by the compiler with SSE2 (4 lanes).\n\n");
    hw::print_gemm_blocks(options.kernels);

    hw::run_gemm_sweep(options);
    hw::print_sweep_footnote();
    return 0;
}
