// Chapter 04 — cache blocking. i-k-j over tiles that fit the caches, against plain i-k-j.
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
    defaults.kernels = {"ikj", "blocked"};
    defaults.reps = 3;
    defaults.threads = 1;
    const hw::SweepOptions options = hw::parse_sweep_command_line(
        argc, argv, "04-cache-blocking",
        "Race the tiled (cache-blocked) i-k-j kernel against the plain i-k-j loop as n outgrows the caches.",
        defaults);

    hw::print_machine_header(options.threads);
    {
        const hw::CacheSizes c = hw::cache_sizes();
        std::printf("Working sets of i-k-j per row of C: one row of B per k step, all of B per row of A.\n");
        for (int n : options.sizes)
            std::printf("  n = %4d: B is %7.2f MiB (L2 %ld KiB, L3 %ld MiB) -> %s\n", n,
                        4.0 * n * n / 1048576.0, c.l2 / 1024, c.l3 / 1048576,
                        4.0 * n * n <= c.l2 ? "fits L2" : 4.0 * n * n <= c.l3 ? "fits L3, not L2" : "from DRAM");
        const int kc = hw::gemm_blocked_kc();
        std::printf("Blocked tiles: NC = 512, KC = L2 / (2 x 4 B x NC) = %ld KiB / 4 KiB = %d, MC = 64:\n"
                    "  B tile %dx512 (%d KiB, half of L2), A tile 64x%d (%d KiB), C row segment 2 KiB.\n\n",
                    (c.l2 > 0 ? c.l2 : 256 * 1024) / 1024, kc, kc, kc * 2, kc, kc / 4);
    }

    hw::run_gemm_sweep(options);
    hw::print_sweep_footnote();
    return 0;
}
