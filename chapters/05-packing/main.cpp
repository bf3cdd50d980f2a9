// Chapter 05 — packing and a register tile: the Goto/BLIS loop nest with a portable micro-kernel.
//
// Prints this machine's caches and peak, then a table per size: time, GFLOP/s, % of peak, the
// max error against the double-precision reference, and the ratio to OpenBLAS (loaded at run
// time when installed). The chapter text is README.md next to this file.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "handwritten/cli.hpp"
#include "handwritten/gemm_bench.hpp"
#include "handwritten/machine.hpp"

int main(int argc, char** argv) {
    std::string sizes_text = "256,512,1024", kernels_text = "blocked,packed";
    int reps = 3, threads = 1;
    bool no_check = false, no_openblas = false;
    hw::Cli cli("05-packing", "Race the packed Goto/BLIS loop nest (portable 4x8 micro-kernel) against the blocked kernel.");
    cli.option("--sizes", sizes_text, "square sizes n (m = n = k), comma-separated")
        .option("--kernels", kernels_text, "kernels to race (names from hw::gemm_kernels())")
        .option("--reps", reps, "timed repetitions per point; the median is shown")
        .option("--threads", threads, "threads for threaded kernels and OpenBLAS (0: all cores)")
        .flag("--no-check", no_check, "skip the error column (saves the O(n^2 k) reference)")
        .flag("--no-openblas", no_openblas, "skip the OpenBLAS comparison")
        .epilog("Kernels: naive ikj kij jik jki kji blocked packed avx2 avx512 threaded auto.\n"
                "OpenBLAS is optional: apt-get install libopenblas-dev.");
    cli.parse(argc, argv);
    const std::vector<int> sizes = hw::parse_int_list(sizes_text);
    cli.check(!sizes.empty(), "--sizes must be a comma-separated list of positive integers");
    for (int n : sizes) cli.check(n > 0 && n <= 8192, "--sizes must be in 1..8192");
    cli.check(reps >= 1, "--reps must be at least 1");
    cli.check(threads >= 0, "--threads must be >= 0");
    std::vector<std::string> kernels;
    for (std::size_t start = 0; start <= kernels_text.size();) {
        const std::size_t comma = std::min(kernels_text.find(',', start), kernels_text.size());
        const std::string name = kernels_text.substr(start, comma - start);
        cli.check(hw::find_gemm_kernel(name) != nullptr, "unknown kernel '" + name + "'");
        kernels.push_back(name);
        start = comma + 1;
    }
    if (threads == 0) threads = hw::cpu_count();

    hw::print_machine_header(threads);
    std::printf(
        "packed: jc (NC) -> pc (KC, pack B) -> ic (MC, pack A) -> ir (MR) -> jr (NR) -> 4x8 micro-kernel\n"
        "        32 accumulators (8 xmm registers) per tile; each loaded A value is used 8 times,\n"
        "        each B value 4 times. Plain C++, vectorised by the compiler with SSE2 (4 lanes).\n\n");

    hw::SweepOptions options;
    options.sizes = sizes;
    options.kernels = kernels;
    options.reps = reps;
    options.threads = threads;
    options.openblas = !no_openblas;
    options.check = !no_check;
    hw::run_gemm_sweep(options);
    std::printf("max err = max |C - C_ref| / sum_p |a_ip b_pj| over checked elements "
                "(48 sampled rows when n > 48); the tests bound it by 2(k+3)u, u = 2^-24.\n");
    return 0;
}
