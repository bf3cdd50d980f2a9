// Exercise 07-3 — with 2 threads, split the rows (m) or the columns (n) of C?
//
// Predict first, then run:   build/bin/exercises/07-3-split-direction --predict n
// The MLP's forward product of chapter 10 is C[128×256] = X[128×784] · W[784×256]. Splitting
// n gives each thread half of W's columns to pack and all of X; splitting m gives each thread
// half of X's rows and all of W to pack. The program times hw::gemm_threaded both ways
// (HW_GEMM_SPLIT=m / n, see src/gemm/step07_threaded.cpp), checks both results against the
// double-precision reference, and tells you whether your prediction is right: the predicted
// split must be the faster one or within 5% of it. Run it on an idle machine: a core taken by
// another job makes either split wait for it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

int main(int argc, char** argv) {
    int m = 128, n = 256, k = 784, reps = 21, threads = 2;
    std::string predict;
    hw::Cli cli("07-3-split-direction", "Exercise 07-3: split m or n on two threads, measured both ways.");
    cli.option("--predict", predict, "your prediction: m or n")
        .option("--m", m, "rows of C (the batch)")
        .option("--n", n, "columns of C (the layer's outputs)")
        .option("--k", k, "the inner dimension (the layer's inputs)")
        .option("--threads", threads, "threads")
        .option("--reps", reps, "timed calls per split (the median counts)");
    cli.parse(argc, argv);
    cli.check(predict.empty() || predict == "m" || predict == "n", "--predict must be m or n");
    cli.check(m >= 1 && n >= 1 && k >= 1 && m <= 4096 && n <= 4096 && k <= 4096, "sizes must be in 1..4096");
    cli.check(threads >= 2 && threads <= 64 && reps >= 1 && reps <= 1001, "--threads 2..64, --reps 1..1001");

    hw::Rng rng(7);
    std::vector<float> A(std::size_t(m) * k), B(std::size_t(k) * n), C(std::size_t(m) * n);
    for (float& a : A) a = rng.uniform(-1.0f, 1.0f);
    for (float& b : B) b = rng.uniform(-1.0f, 1.0f);
    std::vector<double> ref(C.size()), scale(C.size());
    hw::sgemm_reference_f64(hw::Op::N, hw::Op::N, m, n, k, 1.0, A.data(), k, B.data(), n, 0.0, nullptr, n,
                            ref.data(), n, scale.data());
    hw::set_gemm_threads(threads);

    std::printf("C[%dx%d] = A[%dx%d] * B[%dx%d] on %d threads, median of %d calls\n\n", m, n, m, k, k, n,
                threads, reps);
    double best = 1e300, predicted = 0;
    std::string faster;
    for (const char* split : {"m", "n"}) {
        ::setenv("HW_GEMM_SPLIT", split, 1);
        hw::gemm_threaded(hw::Op::N, hw::Op::N, m, n, k, 1.0f, A.data(), k, B.data(), n, 0.0f, C.data(), n);
        std::vector<double> times;
        for (int r = 0; r < reps; ++r) {
            hw::Stopwatch watch;
            hw::gemm_threaded(hw::Op::N, hw::Op::N, m, n, k, 1.0f, A.data(), k, B.data(), n, 0.0f, C.data(), n);
            times.push_back(watch.seconds());
        }
        std::sort(times.begin(), times.end());
        const double t = times[times.size() / 2];
        double worst = 0;
        for (std::size_t i = 0; i < C.size(); ++i) worst = std::max(worst, std::fabs(C[i] - ref[i]) / (scale[i] + 1e-30));
        std::printf("split %s: %8.3f ms  %7.1f GFLOP/s  rel. error %.1e%s\n", split, 1e3 * t,
                    2.0 * m * n * double(k) / t * 1e-9, worst, worst < 1e-5 ? "" : "  WRONG");
        if (worst >= 1e-5) {
            std::printf("not yet: the split %s computes the wrong product\n", split);
            return 1;
        }
        if (t < best) best = t, faster = split;
        if (predict == split) predicted = t;
    }
    ::unsetenv("HW_GEMM_SPLIT");
    std::printf("\nfaster: split %s\n", faster.c_str());
    if (predict.empty()) {
        std::printf("make your prediction first: --predict m or --predict n\n");
        return 1;
    }
    if (predicted <= 1.05 * best) {
        std::printf("right: splitting %s is faster (or within 5%%). Which operand does each thread pack\n"
                    "       in full, and how many bytes is that?\n", predict.c_str());
        return 0;
    }
    std::printf("not yet: splitting %s took %.0f%% longer. Count the bytes each thread packs either way.\n",
                predict.c_str(), 100.0 * (predicted / best - 1.0));
    return 1;
}
