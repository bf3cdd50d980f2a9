// gemm_bench.hpp — what the GEMM chapter binaries share: a machine header, a timed sweep of
// kernels over sizes, the error against the double reference, and the OpenBLAS ratio.
//
// OpenBLAS is never linked into the library or the chapters. When libopenblas.so.0 is present
// it is loaded at run time (dlopen) just to time cblas_sgemm as a yardstick; when it is absent
// the tables say how to install it and carry on.
#pragma once
#include <string>
#include <vector>

#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

// cblas_sgemm from libopenblas.so.0, loaded on first use.
struct OpenBlasRuntime {
    bool available = false;
    std::string note;  // what was loaded, or how to install it
    GemmFn sgemm = nullptr;                // row-major wrapper with the hw::sgemm signature
    void (*set_threads)(int) = nullptr;    // openblas_set_num_threads
    int (*park_threads)() = nullptr;       // blas_thread_shutdown_, when exported (see below)
};
const OpenBlasRuntime& openblas_runtime();

// Prints CPU, caches, threads and the peak arithmetic (machine.hpp) — the top of every table.
void print_machine_header(int threads);

struct GemmTiming {
    double seconds = 0;  // median of the repetitions, per call
    double gflops = 0;   // 2·m·n·k / seconds
};
// Times fn on random m×n×k operands (op N, N): each repetition runs enough calls to last
// ≥ min_seconds; the result is the median repetition. threads is set with set_gemm_threads.
// Called before each timing (the chapter sweeps and the Google Benchmark suite): parks
// OpenBLAS's thread pool when the library is loaded — its idle workers spin for ~2^28 cycles
// (~70 ms here) after a call, taking a core from whatever runs next; blas_thread_shutdown_,
// which OpenBLAS exports for use before a fork, joins them and its next call starts a new pool —
// and sleeps 20 ms so idle OpenMP workers (ours, BLIS's) stop spinning too. Each contender
// starts on a settled machine.
void settle_thread_pools();

GemmTiming time_gemm(GemmFn fn, int m, int n, int k, int reps, int threads,
                     double min_seconds = 0.05);

// Max over checked elements of |C − C_ref| / (Σ_p |a_ip||b_pj|), the error relative to the
// size of the terms (tests/gemm_check.hpp explains why this scale). For big matrices only
// `sample_rows` rows spread over C are compared (the reference is O(n³) in double).
double gemm_max_rel_error(GemmFn fn, int m, int n, int k, int sample_rows = 48);

struct SweepOptions {
    std::vector<int> sizes;             // square n
    std::vector<std::string> kernels;   // names from gemm_kernels()
    int reps = 5;
    int threads = 1;                    // for the threaded kernels and the OpenBLAS column
    bool openblas = true;               // add the "x OpenBLAS" column when available
    bool check = true;                  // max error column
};
// One table row per (n, kernel): ms, GFLOP/s, % of peak (× threads for threaded kernels),
// max relative error, and the ratio to OpenBLAS at the same thread count.
void run_gemm_sweep(const SweepOptions& options);

// The command line all GEMM chapter binaries share: --sizes, --kernels, --reps, --threads,
// --no-check, --no-openblas (and --help). `defaults` supplies each chapter's own defaults;
// the result is validated (bad values exit 2) with threads resolved (0 → all cores).
SweepOptions parse_sweep_command_line(int argc, char** argv, const std::string& program,
                                      const std::string& summary, const SweepOptions& defaults);
// For each packed step among `kernels` ("packed", "avx2", "avx512") that this CPU runs: the
// cache blocks MC, KC, NC it uses here and the arithmetic that derived them (block_sizes.hpp).
void print_gemm_blocks(const std::vector<std::string>& kernels);

// The footnote under every sweep: what the error column means and what the tests allow.
void print_sweep_footnote();

}  // namespace hw
