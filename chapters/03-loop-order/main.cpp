// Chapter 03 — loop order. The same three loops of C = A·B in all six orders, timed.
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
    defaults.sizes = {64, 128, 256, 512};
    defaults.kernels = {"naive", "ikj", "kij", "jik", "jki", "kji"};
    defaults.reps = 3;
    defaults.threads = 1;
    const hw::SweepOptions options = hw::parse_sweep_command_line(
        argc, argv, "03-loop-order",
        "Time the six loop orders of the triple loop (naive i-j-k, i-k-j, ...) against a double-precision reference.",
        defaults);

    hw::print_machine_header(options.threads);
    std::printf(
        "The inner loop decides the memory stride (row-major, C = A*B):\n"
        "  i-k-j, k-i-j   inner j: C row and B row, stride 1 -> vectorises, one cache line per 16 floats\n"
        "  i-j-k, j-i-k   inner k: A row stride 1, B column stride n -> one cache line per multiply\n"
        "  j-k-i, k-j-i   inner i: A column and C column, stride n -> two cache lines per multiply\n\n");

    hw::run_gemm_sweep(options);
    hw::print_sweep_footnote();
    return 0;
}
