// gemm_bench.cpp — timing sweeps and tables for the GEMM chapters (see gemm_bench.hpp).
#include "handwritten/app/gemm_bench.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/core/machine.hpp"
#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/gemm/block_sizes.hpp"

namespace hw {

namespace {

// The CBLAS interface, declared by hand so that no OpenBLAS header is needed.
using CblasSgemm = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                            const float* A, int lda, const float* B, int ldb, float beta, float* C,
                            int ldc);
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111, kCblasTrans = 112;
CblasSgemm g_cblas_sgemm = nullptr;

void openblas_wrapper(Op oa, Op ob, int m, int n, int k, float alpha, const float* A, int lda,
                      const float* B, int ldb, float beta, float* C, int ldc) {
    g_cblas_sgemm(kCblasRowMajor, oa == Op::N ? kCblasNoTrans : kCblasTrans,
                  ob == Op::N ? kCblasNoTrans : kCblasTrans, m, n, k, alpha, A, lda, B, ldb, beta,
                  C, ldc);
}

struct Operands {
    float *A, *B, *C;
    Operands(int m, int n, int k) {
        A = aligned_alloc_floats(std::size_t(m) * k + 1);
        B = aligned_alloc_floats(std::size_t(k) * n + 1);
        C = aligned_alloc_floats(std::size_t(m) * n + 1);
        Rng rng(3);
        for (std::size_t i = 0; i < std::size_t(m) * k; ++i) A[i] = rng.uniform(-1, 1);
        for (std::size_t i = 0; i < std::size_t(k) * n; ++i) B[i] = rng.uniform(-1, 1);
        for (std::size_t i = 0; i < std::size_t(m) * n; ++i) C[i] = 0.0f;
    }
    ~Operands() {
        aligned_free_floats(A);
        aligned_free_floats(B);
        aligned_free_floats(C);
    }
    Operands(const Operands&) = delete;
    Operands& operator=(const Operands&) = delete;
};

}  // namespace

const OpenBlasRuntime& openblas_runtime() {
    static const OpenBlasRuntime rt = [] {
        OpenBlasRuntime r;
        // OpenBLAS reads these at load time; the peers' scripts unset them so that OpenBLAS
        // picks its kernel for the real CPU. Do the same, and say so.
        for (const char* var : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"})
            if (std::getenv(var)) {
                r.note += std::string(var) + " unset for the comparison; ";
                unsetenv(var);
            }
        void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            r.note = "OpenBLAS: not installed (apt-get install libopenblas-dev)";
            return r;
        }
        g_cblas_sgemm = reinterpret_cast<CblasSgemm>(dlsym(lib, "cblas_sgemm"));
        r.set_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
        auto config = reinterpret_cast<const char* (*)()>(dlsym(lib, "openblas_get_config"));
        r.park_threads = reinterpret_cast<int (*)()>(dlsym(lib, "blas_thread_shutdown_"));
        if (!g_cblas_sgemm || !r.set_threads) {
            r.note = "OpenBLAS: libopenblas.so.0 found but without cblas_sgemm";
            return r;
        }
        r.available = true;
        r.sgemm = openblas_wrapper;
        r.note += "OpenBLAS: libopenblas.so.0 loaded at run time";
        if (config) r.note += std::string(" (") + config() + ")";
        return r;
    }();
    return rt;
}

void print_machine_header(int threads) {
    const CacheSizes c = cache_sizes();
    const Peak& p = machine_peak();
    std::printf("CPU      %s, %d logical CPUs, %d thread%s used\n", cpu_model_name().c_str(),
                cpu_count(), threads, threads == 1 ? "" : "s");
    std::printf("caches   L1d %ld KiB, L2 %ld KiB, L3 %ld MiB per instance, %ld-byte lines\n",
                c.l1d / 1024, c.l2 / 1024, c.l3 / (1024 * 1024), c.line);
    std::printf("peak     %s\n", p.arithmetic.c_str());
    if (&sgemm_peak() != &p)  // HW_SGEMM_KERNEL=avx2 on an AVX-512 machine
        std::printf("         held to AVX2, hw::sgemm's peak is %s\n", sgemm_peak().arithmetic.c_str());
    std::printf("kernel   hw::sgemm uses the %s micro-kernel\n", sgemm_microkernel_name().c_str());
    std::printf("%s\n\n", openblas_runtime().note.c_str());
}

void settle_thread_pools() {
    const OpenBlasRuntime& ob = openblas_runtime();
    if (ob.available && ob.park_threads) ob.park_threads();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

GemmTiming time_gemm(GemmFn fn, int m, int n, int k, int reps, int threads, double min_seconds) {
    Operands x(m, n, k);
    settle_thread_pools();
    set_gemm_threads(threads);
    Stopwatch warm;
    fn(Op::N, Op::N, m, n, k, 1.0f, x.A, k, x.B, n, 0.0f, x.C, n);  // warm-up; pages touched
    const double one = std::max(warm.seconds(), 1e-7);
    const int calls = std::max(1, int(min_seconds / one));
    std::vector<double> per_call;
    for (int r = 0; r < std::max(reps, 1); ++r) {
        Stopwatch sw;
        for (int c = 0; c < calls; ++c) fn(Op::N, Op::N, m, n, k, 1.0f, x.A, k, x.B, n, 0.0f, x.C, n);
        per_call.push_back(sw.seconds() / calls);
    }
    std::sort(per_call.begin(), per_call.end());
    GemmTiming t;
    t.seconds = per_call[per_call.size() / 2];
    t.gflops = 2.0 * m * n * k / t.seconds / 1e9;
    return t;
}

double gemm_max_rel_error(GemmFn fn, int m, int n, int k, int sample_rows) {
    Operands x(m, n, k);
    fn(Op::N, Op::N, m, n, k, 1.0f, x.A, k, x.B, n, 0.0f, x.C, n);
    const int rows = std::min(m, sample_rows);
    std::vector<double> ref(n), mag(n);
    double worst = 0;
    for (int s = 0; s < rows; ++s) {
        const int i = rows == m ? s : int(long(s) * (m - 1) / std::max(rows - 1, 1));
        // one row of the reference: op(A) row i is A + i·k (1×k), times B (k×n)
        sgemm_reference_f64(Op::N, Op::N, 1, n, k, 1.0, x.A + long(i) * k, k, x.B, n, 0.0, nullptr,
                            n, ref.data(), n, mag.data());
        for (int j = 0; j < n; ++j) {
            const double err = std::fabs(double(x.C[long(i) * n + j]) - ref[j]);
            worst = std::max(worst, mag[j] > 0 ? err / mag[j] : err);
        }
    }
    return worst;
}

namespace {

// The peak a kernel of the walk is judged against: its own vectors' for the AVX2 step and for
// the dispatcher (which may be held to AVX2), the machine's widest for everything else.
const Peak& kernel_peak(const std::string& name) {
    if (name == "avx2") return peak_for_lanes(8);
    if (name == "auto" || name == "threaded") return sgemm_peak();
    return machine_peak();
}

}  // namespace

void run_gemm_sweep(const SweepOptions& o) {
    const Peak& peak = machine_peak();
    const OpenBlasRuntime& ob = openblas_runtime();
    const bool with_ob = o.openblas && ob.available;
    std::printf("%6s  %-9s %9s %9s %7s %10s", "n", "kernel", "ms", "GFLOP/s", "%peak", "max err");
    if (with_ob) std::printf(" %10s", "x OpenBLAS");
    std::printf("\n");
    for (int n : o.sizes) {
        double ob_gflops = 0;
        if (with_ob) {
            ob.set_threads(o.threads);
            ob_gflops = time_gemm(ob.sgemm, n, n, n, o.reps, o.threads).gflops;
        }
        for (const auto& name : o.kernels) {
            const GemmKernel* kern = find_gemm_kernel(name);
            if (!kern) {
                std::printf("%6d  %-9s unknown kernel\n", n, name.c_str());
                continue;
            }
            if (!kern->supported) {
                std::printf("%6d  %-9s not supported by this CPU\n", n, name.c_str());
                continue;
            }
            const int t = kern->threaded ? o.threads : 1;
            const GemmTiming tm = time_gemm(kern->fn, n, n, n, o.reps, t);
            std::printf("%6d  %-9s %9.3f %9.2f %6.1f%%", n, name.c_str(), tm.seconds * 1e3,
                        tm.gflops, 100.0 * tm.gflops / (kernel_peak(name).gflops_per_core * t));
            if (o.check)
                std::printf(" %10.1e", gemm_max_rel_error(kern->fn, n, n, n));
            else
                std::printf(" %10s", "-");
            if (with_ob) std::printf(" %9.2fx", tm.gflops / ob_gflops);
            std::printf("\n");
            std::fflush(stdout);
        }
        if (with_ob)
            std::printf("%6d  %-9s %9.3f %9.2f %6.1f%% %10s %9.2fx   (%d thread%s)\n", n, "openblas",
                        2.0 * n * n * n / ob_gflops / 1e6, ob_gflops,
                        100.0 * ob_gflops / (peak.gflops_per_core * o.threads), "-", 1.0, o.threads,
                        o.threads == 1 ? "" : "s");
        std::printf("\n");
    }
    set_gemm_threads(0);
}

SweepOptions parse_sweep_command_line(int argc, char** argv, const std::string& program,
                                      const std::string& summary, const SweepOptions& defaults) {
    auto join = [](const auto& items) {
        std::string text;
        for (const auto& item : items) {
            if (!text.empty()) text += ",";
            if constexpr (std::is_same_v<std::decay_t<decltype(item)>, std::string>) text += item;
            else text += std::to_string(item);
        }
        return text;
    };
    std::string sizes_text = join(defaults.sizes), kernels_text = join(defaults.kernels);
    int reps = defaults.reps, threads = defaults.threads;
    bool no_check = !defaults.check, no_openblas = !defaults.openblas;
    Cli cli(program, summary);
    cli.option("--sizes", sizes_text, "square sizes n (m = n = k), comma-separated")
        .option("--kernels", kernels_text, "kernels to race (names from hw::gemm_kernels())")
        .option("--reps", reps, "timed repetitions per point; the median is shown")
        .option("--threads", threads, "threads for threaded kernels and OpenBLAS (0: all cores)")
        .flag("--no-check", no_check, "skip the error column (saves the O(n^2 k) reference)")
        .flag("--no-openblas", no_openblas, "skip the OpenBLAS comparison")
        .epilog("Kernels: naive ikj kij jik jki kji blocked packed avx2 avx512 threaded auto.\n"
                "OpenBLAS is optional: apt-get install libopenblas-dev.");
    cli.parse(argc, argv);

    SweepOptions options;
    options.sizes = parse_int_list(sizes_text);
    cli.check(!options.sizes.empty(), "--sizes must be a comma-separated list of positive integers");
    for (int n : options.sizes) cli.check(n > 0 && n <= 8192, "--sizes must be in 1..8192");
    cli.check(reps >= 1, "--reps must be at least 1");
    cli.check(threads >= 0, "--threads must be >= 0");
    for (std::size_t start = 0; start <= kernels_text.size();) {
        const std::size_t comma = std::min(kernels_text.find(',', start), kernels_text.size());
        const std::string name = kernels_text.substr(start, comma - start);
        cli.check(find_gemm_kernel(name) != nullptr, "unknown kernel '" + name + "'");
        options.kernels.push_back(name);
        start = comma + 1;
    }
    options.reps = reps;
    options.threads = threads == 0 ? cpu_count() : threads;
    options.check = !no_check;
    options.openblas = !no_openblas;
    return options;
}

void print_gemm_blocks(const std::vector<std::string>& kernels) {
    for (const auto& name : kernels) {
        if (name != "packed" && name != "avx2" && name != "avx512") continue;
        const GemmKernel* kern = find_gemm_kernel(name);
        if (!kern || !kern->supported) continue;
        const GemmBlocks& b = gemm_blocks(name);
        std::printf("blocks for %s: MC %d, KC %d, NC %d, MP %d (%s)\n", name.c_str(), b.mc, b.kc, b.nc,
                    b.mp, b.source.c_str());
        std::string text = "  " + b.arithmetic;
        for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 3))
            text.replace(at, 1, "\n  ");
        std::printf("%s\n", text.c_str());
    }
    std::printf("\n");
}

void print_sweep_footnote() {
    std::printf("max err = max |C - C_ref| / sum_p |a_ip b_pj| over checked elements "
                "(48 sampled rows when n > 48); the tests bound it by 2(k+3)u, u = 2^-24.\n");
}

}  // namespace hw
