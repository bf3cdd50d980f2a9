// grade-perf — the timing half of a rubric "perf" item (tests/grader/grade.py runs it).
//
// 1. Correctness first: the kernel runs a square product of the graded size and two odd
//    rectangles through the checker of the tests (tests/gemm_check.hpp: every element within
//    the rounding-error bound of the double-precision reference, padding untouched). A wrong
//    kernel is never timed.
// 2. Then speed, as a ratio measured in this run: the reference kernel and the graded one are
//    timed alternately (after one warm-up call each), each sample repeating calls until it
//    has lasted at least --min-time seconds, --reps samples each; the reference on one thread,
//    the graded kernel on --threads (so a threaded item measures its speed-up). The ratio of a pair of
//    samples is time(reference) / time(kernel); the grade uses their median, and the spread
//    (lowest and highest pair) is reported so a borderline result can be re-timed.
// The result goes, as one JSON object, to stdout and to the file named by HW_GRADE_RESULT.
// gemm_check.hpp is the tests' checker; its doctest macros need doctest compiled in (no main).
#define DOCTEST_CONFIG_IMPLEMENT
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../gemm_check.hpp"
#include "handwritten/app/cli.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace {

// The grader's own yardstick, "--vs yardstick": C = A·B in the i-k-j order (the inner loop
// streams a row of B into a row of C, which the compiler vectorises). It lives here, not in
// the library, so no assignment ever strips or changes it. Only op N, alpha 1, beta 0 — what
// the timing uses.
void yardstick_ikj(hw::Op, hw::Op, int m, int n, int k, float, const float* A, int lda,
                   const float* B, int ldb, float, float* C, int ldc) {
    for (int i = 0; i < m; ++i) {
        float* c = C + std::size_t(i) * ldc;
        for (int j = 0; j < n; ++j) c[j] = 0.0f;
        for (int p = 0; p < k; ++p) {
            const float a = A[std::size_t(i) * lda + p];
            const float* b = B + std::size_t(p) * ldb;
            for (int j = 0; j < n; ++j) c[j] += a * b[j];
        }
    }
}
const hw::GemmKernel* find_kernel(const std::string& name) {
    static const hw::GemmKernel yardstick = [] {
        hw::GemmKernel k{};
        k.name = "yardstick";
        k.fn = yardstick_ikj;
        k.supported = true;
        return k;
    }();
    return name == "yardstick" ? &yardstick : hw::find_gemm_kernel(name);
}

struct Square {
    int n;
    std::vector<float> A, B, C;
    explicit Square(int size) : n(size), A(std::size_t(size) * size), B(A.size()), C(A.size()) {
        hw::Rng rng(11);
        for (float& a : A) a = rng.uniform(-1.0f, 1.0f);
        for (float& b : B) b = rng.uniform(-1.0f, 1.0f);
    }
    void call(hw::GemmFn fn) {
        fn(hw::Op::N, hw::Op::N, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
    }
};

// Seconds per call on `threads` threads, repeating calls until at least min_time has passed.
double seconds_per_call(Square& s, hw::GemmFn fn, int threads, double min_time) {
    hw::set_gemm_threads(threads);
    int calls = 0;
    hw::Stopwatch watch;
    do {
        s.call(fn);
        ++calls;
    } while (watch.seconds() < min_time);
    return watch.seconds() / calls;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

// The worst err/tol over the graded square and two odd rectangles (≤ 1 passes).
double worst_error_ratio(hw::GemmFn fn, int n) {
    using gemm_test::Case;
    using hw::Op;
    double worst = 0;
    for (const Case& c : {Case{Op::N, Op::N, n, n, n, 1.0f, 0.0f, 0},
                          Case{Op::T, Op::N, 37, 53, 71, 0.5f, 1.0f, 3},
                          Case{Op::N, Op::T, 101, 67, 129, -1.0f, 0.5f, 1}}) {
        const gemm_test::Result r = gemm_test::run_case(fn, c);
        if (!r.finite || !r.padding_intact) return 1e300;
        worst = std::max(worst, r.worst_ratio);
    }
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    std::string kernel = "packed", reference = "naive";
    int n = 512, reps = 7, threads = 1;
    double min_time = 0.1;
    hw::Cli cli("grade-perf", "Check one GEMM kernel, then time it against a reference kernel in the same run.");
    cli.option("--kernel", kernel, "the kernel graded (a name from the registry: naive, ikj, blocked, packed, ...)")
        .option("--vs", reference, "the reference kernel timed in the same run (a registry name, or "
                                   "'yardstick': the grader's own i-k-j loop)")
        .option("--n", n, "square size m = n = k")
        .option("--threads", threads, "threads for the graded kernel (the reference always runs on one)")
        .option("--reps", reps, "timed samples per kernel (the ratio is their pairs' median)")
        .option("--min-time", min_time, "seconds each sample lasts at least")
        .epilog("Prints one JSON object; also writes it to the file named by HW_GRADE_RESULT.");
    cli.parse(argc, argv);
    cli.check(n >= 16 && n <= 4096, "--n must be in [16, 4096]");
    cli.check(reps >= 1 && reps <= 101, "--reps must be in [1, 101]");
    cli.check(threads >= 1 && threads <= 256, "--threads must be in [1, 256]");
    cli.check(min_time > 0 && min_time <= 10, "--min-time must be in (0, 10]");
    const hw::GemmKernel* graded = hw::find_gemm_kernel(kernel);
    const hw::GemmKernel* yardstick = find_kernel(reference);
    cli.check(graded != nullptr, "unknown kernel '" + kernel + "'");
    cli.check(yardstick != nullptr, "unknown kernel '" + reference + "'");
    std::string result_path;
    if (const char* path = std::getenv("HW_GRADE_RESULT")) result_path = path;
    ::unsetenv("HW_GRADE_RESULT");
    hw::set_gemm_threads(threads);

    char json[1024];
    std::string result;
    if (!graded->supported || !yardstick->supported) {
        std::snprintf(json, sizeof json, "{\"correct\": false, \"unsupported\": true}");
    } else if (const double err = worst_error_ratio(graded->fn, n); !(err <= 1.0)) {
        std::snprintf(json, sizeof json, "{\"correct\": false, \"worst_err_over_tol\": %.3g}", err);
    } else {
        Square s(n);
        s.call(yardstick->fn);  // warm-up: page in the operands, spin up the threads
        s.call(graded->fn);
        std::vector<double> ratios, kernel_times, reference_times;
        for (int r = 0; r < reps; ++r) {
            const double t_ref = seconds_per_call(s, yardstick->fn, 1, min_time);
            const double t_ker = seconds_per_call(s, graded->fn, threads, min_time);
            reference_times.push_back(t_ref);
            kernel_times.push_back(t_ker);
            ratios.push_back(t_ref / t_ker);
        }
        const double flops = 2.0 * n * double(n) * n;
        std::snprintf(json, sizeof json,
                      "{\"correct\": true, \"worst_err_over_tol\": %.3g, \"ratio\": %.4g, "
                      "\"ratio_low\": %.4g, \"ratio_high\": %.4g, \"gflops\": %.4g, "
                      "\"reference_gflops\": %.4g, \"reps\": %d, \"ratios\": [",
                      err, median(ratios), *std::min_element(ratios.begin(), ratios.end()),
                      *std::max_element(ratios.begin(), ratios.end()),
                      flops / median(kernel_times) * 1e-9, flops / median(reference_times) * 1e-9, reps);
        std::string text = json;
        for (std::size_t i = 0; i < ratios.size(); ++i)
            text += (i ? ", " : "") + std::to_string(ratios[i]);
        result = text + "]}";
    }
    if (result.empty()) result = json;
    std::printf("%s\n", result.c_str());
    if (!result_path.empty()) {
        if (std::FILE* f = std::fopen(result_path.c_str(), "w")) {
            std::fprintf(f, "%s\n", result.c_str());
            std::fclose(f);
        }
    }
    return 0;
}
