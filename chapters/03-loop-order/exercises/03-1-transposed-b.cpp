// Exercise 03-1 — which loop order is fastest when B is transposed (op(B) = Bᵀ)?
//
// Predict first, then run:   build/bin/exercises/03-1-transposed-b --predict ikj
// The program multiplies C = A·Bᵀ (A: n×n, B stored n×n and read transposed) with each of the
// six loop orders, checks every result against the double-precision reference, times them
// (median of --reps), and tells you whether your prediction is right: the predicted order
// must be the fastest or within 10% of it (two orders tie here, for the same reason).
// The steps are declared in handwritten/gemm/gemm_kernels.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace {

const char* kOrders[] = {"naive", "ikj", "jik", "jki", "kij", "kji"};  // naive is i-j-k

// Largest |C − C_ref| / (Σ|a||b|) over C: ≤ ~1e-6 for a correct float kernel.
double relative_error(const std::vector<float>& C, const std::vector<double>& ref,
                      const std::vector<double>& scale) {
    double worst = 0;
    for (std::size_t i = 0; i < C.size(); ++i)
        worst = std::max(worst, std::fabs(C[i] - ref[i]) / (scale[i] + 1e-30));
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    int n = 512, reps = 3;
    std::string predict;
    hw::Cli cli("03-1-transposed-b", "Exercise 03-1: the six loop orders on C = A·Bᵀ, and your prediction checked.");
    cli.option("--predict", predict, "your prediction: naive (i-j-k), ikj, jik, jki, kij or kji")
        .option("--n", n, "size of the square matrices")
        .option("--reps", reps, "timed repetitions per order (the median counts)");
    cli.parse(argc, argv);
    cli.check(n >= 8 && n <= 2048, "--n must be in [8, 2048]");
    cli.check(reps >= 1 && reps <= 50, "--reps must be in [1, 50]");
    cli.check(predict.empty() || std::find(std::begin(kOrders), std::end(kOrders), predict) != std::end(kOrders),
              "--predict must be one of naive, ikj, jik, jki, kij, kji");

    hw::Rng rng(3);
    std::vector<float> A(std::size_t(n) * n), B(A.size()), C(A.size());
    for (float& a : A) a = rng.uniform(-1.0f, 1.0f);
    for (float& b : B) b = rng.uniform(-1.0f, 1.0f);
    std::vector<double> ref(A.size()), scale(A.size());
    hw::sgemm_reference_f64(hw::Op::N, hw::Op::T, n, n, n, 1.0, A.data(), n, B.data(), n, 0.0,
                            nullptr, n, ref.data(), n, scale.data());

    std::printf("C = A * B^T, n = %d: the inner loop of each order walks one index of B\n\n", n);
    std::printf("%-6s %10s %10s %12s\n", "order", "ms", "GFLOP/s", "rel. error");
    std::string fastest;
    double best = 1e300, predicted_time = 0;
    bool all_correct = true;
    for (const char* name : kOrders) {
        const hw::GemmKernel* k = hw::find_gemm_kernel(name);
        if (!k) {
            std::printf("%-6s missing from the registry\n", name);
            return 1;
        }
        std::vector<double> times;
        for (int r = 0; r < reps; ++r) {
            hw::Stopwatch watch;
            k->fn(hw::Op::N, hw::Op::T, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
            times.push_back(watch.seconds());
        }
        std::sort(times.begin(), times.end());
        const double t = times[times.size() / 2];
        const double err = relative_error(C, ref, scale);
        all_correct = all_correct && err < 1e-5;
        std::printf("%-6s %10.2f %10.2f %12.1e%s\n", name, 1e3 * t, 2.0 * n * n * double(n) / t * 1e-9, err,
                    err < 1e-5 ? "" : "  WRONG");
        if (t < best) best = t, fastest = name;
        if (predict == name) predicted_time = t;
    }
    std::printf("\nfastest: %s\n", fastest.c_str());
    if (!all_correct) {
        std::printf("not yet: some order computes the wrong product (fix it before timing it)\n");
        return 1;
    }
    if (predict.empty()) {
        std::printf("make your prediction first: --predict ORDER\n");
        return 1;
    }
    if (predicted_time <= 1.10 * best) {
        std::printf("right: %s is the fastest or within 10%% of it. Why does its inner loop read B\n"
                    "       contiguously now, when with op(B) = B it was i-k-j's turn?\n", predict.c_str());
        return 0;
    }
    std::printf("not yet: %s took %.0f%% longer than %s. Which index of the stored B does its\n"
                "         inner loop walk, and how far apart are consecutive elements?\n",
                predict.c_str(), 100.0 * (predicted_time / best - 1.0), fastest.c_str());
    return 1;
}
