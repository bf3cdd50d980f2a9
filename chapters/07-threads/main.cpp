// Chapter 07 — threads: the loop nest split over cores with OpenMP, and hw::sgemm.
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
    defaults.kernels = {"avx512", "threaded", "auto"};
    defaults.reps = 5;
    defaults.threads = 0;
    const hw::SweepOptions options = hw::parse_sweep_command_line(
        argc, argv, "07-threads",
        "Race the threaded kernel and hw::sgemm (auto) at 1 and N threads against OpenBLAS with the same threads.",
        defaults);

    hw::print_machine_header(options.threads);

    // The same table twice: everything on one core, then on `options.threads` cores
    // (OpenBLAS too). With --threads 1 there is only the first.
    std::vector<int> thread_counts = {1};
    if (options.threads > 1) thread_counts.push_back(options.threads);
    for (int t : thread_counts) {
        std::printf("== %d thread%s (threaded, auto and OpenBLAS; avx512 is always 1 thread)\n", t,
                    t == 1 ? "" : "s");
        hw::SweepOptions at_t = options;
        at_t.threads = t;
        hw::run_gemm_sweep(at_t);
    }
    hw::print_sweep_footnote();
    return 0;
}
