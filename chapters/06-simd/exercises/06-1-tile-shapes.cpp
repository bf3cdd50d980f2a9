// Exercise 06-1 — which micro-tile is fastest: chapter 06's, or one you build?
//
// Predict first, then run:   build/bin/exercises/06-1-tile-shapes --predict avx2-6x16
// A micro-kernel is a MicroKernel descriptor (handwritten/gemm/microkernel.hpp): a tile shape,
// a kernel and two packers. The kernels are templates over the tile (tile_avx2.hpp,
// tile_avx512.hpp) and so are the packers (pack.hpp), so a new tile is one line below. The
// program checks every tile of this CPU's lists against the double-precision reference (odd
// shapes, all four transposes, β = 0 over a NaN-filled C), races them at n × n × n through
// detail::loop_nest (median of --reps), and tells you whether your prediction is right: the
// predicted tile must be the fastest of its instruction set's list, or within 3% of it. All
// tiles here use the generic packers, so the race compares tile shapes only. Run it on an idle
// machine.
//
// Your part: the AVX2 list has the 4×24 tile as an example (three ymm per row: 12 accumulators
// again). On an AVX-512 CPU, add the 14×32 and 6×64 tiles to the AVX-512 list, predict, run,
// and explain the order: count registers (the "regs" column), edge slivers (1024 = 73·14 + 2)
// and the A sliver's bytes in L1; `objdump -d` shows spills as stack loads in the k loop.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"
#include "handwritten/gemm/tile_avx2.hpp"
#include "handwritten/gemm/tile_avx512.hpp"

namespace {

using hw::Op;
using hw::detail::MicroKernel;
namespace d = hw::detail;

// {name, MR, NR, kernel, pack A, pack B, skinny path (none: the race is about the tile)}
const MicroKernel kAvx2Tiles[] = {
    {"avx2-6x16", 6, 16, d::avx2_kernel<6, 2>, d::pack_a<6>, d::pack_b<16>, nullptr},  // chapter 06's
    {"avx2-4x24", 4, 24, d::avx2_kernel<4, 3>, d::pack_a<4>, d::pack_b<24>, nullptr},
};
const MicroKernel kAvx512Tiles[] = {
    {"avx512-12x32", 12, 32, d::avx512_kernel<12, 2>, d::pack_a<12>, d::pack_b<32>, nullptr},  // chapter 06's
    // Add avx512-14x32 (avx512_kernel<14, 2>) and avx512-6x64 (avx512_kernel<6, 4>) here.
};

// Vector registers the tile needs: accumulators + one row of B (+ 1 broadcast on AVX2, where
// the broadcast needs its own register), against the 16 ymm / 32 zmm there are.
int registers_needed(const MicroKernel& uk, int lanes) {
    const int vectors = uk.nr / lanes;
    return uk.mr * vectors + vectors + (lanes == 8 ? 1 : 0);
}

// Largest |C − C_ref| / (Σ|a·b| + |β·c|) of one product; NaN in C counts as wrong.
double product_error(const MicroKernel& uk, Op op_a, Op op_b, int m, int n, int k, float beta, hw::Rng& rng) {
    const int lda = op_a == Op::N ? k : m, ldb = op_b == Op::N ? n : k;
    std::vector<float> A(std::size_t(m) * k), B(std::size_t(k) * n);
    for (float& a : A) a = rng.uniform(-1.0f, 1.0f);
    for (float& b : B) b = rng.uniform(-1.0f, 1.0f);
    std::vector<float> C(std::size_t(m) * n, std::numeric_limits<float>::quiet_NaN());
    if (beta != 0.0f)
        for (float& c : C) c = rng.uniform(-1.0f, 1.0f);
    std::vector<double> ref(C.size()), scale(C.size());
    hw::sgemm_reference_f64(op_a, op_b, m, n, k, 1.0, A.data(), lda, B.data(), ldb, beta, C.data(), n, ref.data(), n,
                            scale.data());
    d::loop_nest(uk, op_a, op_b, m, n, k, 1.0f, A.data(), lda, B.data(), ldb, beta, C.data(), n);
    double worst = 0;
    for (std::size_t i = 0; i < C.size(); ++i) {
        const double err = std::fabs(C[i] - ref[i]) / (scale[i] + 1e-30);
        worst = std::isfinite(err) ? std::max(worst, err) : 1.0;
    }
    return worst;
}

bool tile_is_correct(const MicroKernel& uk) {
    hw::Rng rng(6);
    const int sizes[] = {1, 7, 15, 16, 17, 33};
    for (Op op_a : {Op::N, Op::T})
        for (Op op_b : {Op::N, Op::T})
            for (int m : sizes)
                for (int n : sizes)
                    for (float beta : {0.0f, 0.5f})
                        if (product_error(uk, op_a, op_b, m, n, 19 + m % 5, beta, rng) > 1e-5) {
                            std::printf("%s: wrong at m = %d, n = %d (op_a %s, op_b %s, beta %.1f)\n", uk.name, m, n,
                                        op_a == Op::N ? "N" : "T", op_b == Op::N ? "N" : "T", beta);
                            return false;
                        }
    return true;
}

double median_seconds(const MicroKernel& uk, int n, int reps) {
    hw::Rng rng(7);
    std::vector<float> A(std::size_t(n) * n), B(A.size()), C(A.size());
    for (float& a : A) a = rng.uniform(-1.0f, 1.0f);
    for (float& b : B) b = rng.uniform(-1.0f, 1.0f);
    d::loop_nest(uk, Op::N, Op::N, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);  // warm-up
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
        hw::Stopwatch watch;
        d::loop_nest(uk, Op::N, Op::N, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
        times.push_back(watch.seconds());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int n = 1024, reps = 5;
    std::string predict;
    hw::Cli cli("06-1-tile-shapes", "Exercise 06-1: micro-tiles of your own, checked and raced against chapter 06's.");
    cli.option("--predict", predict, "your prediction: the name of the fastest tile (e.g. avx2-4x24)")
        .option("--n", n, "size of the square product that is raced")
        .option("--reps", reps, "timed products per tile (the median counts)");
    cli.parse(argc, argv);
    cli.check(n >= 64 && n <= 4096, "--n must be in [64, 4096]");
    cli.check(reps >= 1 && reps <= 51, "--reps must be in [1, 51]");

    struct Entry {
        const MicroKernel* uk;
        int lanes, registers;
    };
    std::vector<Entry> tiles;
    if (d::cpu_has_avx2_fma())
        for (const MicroKernel& uk : kAvx2Tiles) tiles.push_back({&uk, 8, 16});
    if (d::cpu_has_avx512())
        for (const MicroKernel& uk : kAvx512Tiles) tiles.push_back({&uk, 16, 32});
    if (tiles.empty()) {
        std::printf("this CPU has neither AVX2+FMA nor AVX-512: nothing to race\n");
        return 1;
    }
    if (!d::cpu_has_avx512()) std::printf("no AVX-512 on this CPU: racing the AVX2 tiles only\n");

    std::printf("C = A * B, n = %d, one thread, generic packers\n\n", n);
    std::printf("%-14s %6s %8s %10s %10s\n", "tile", "regs", "correct", "ms", "GFLOP/s");
    // The race is within one instruction set: the fastest tile of each list.
    std::string fastest[2];
    double best[2] = {1e300, 1e300}, predicted = 0;
    int predicted_list = -1;
    bool all_correct = true;
    for (const Entry& t : tiles) {
        const int list = t.lanes == 16 ? 1 : 0, regs = registers_needed(*t.uk, t.lanes);
        const bool correct = tile_is_correct(*t.uk);
        all_correct = all_correct && correct;
        const double s = median_seconds(*t.uk, n, reps);
        std::printf("%-14s %3d/%-2d %8s %10.2f %10.1f%s\n", t.uk->name, regs, t.registers, correct ? "yes" : "NO",
                    1e3 * s, 2.0 * n * n * double(n) / s * 1e-9, regs > t.registers ? "  (spills)" : "");
        if (s < best[list]) best[list] = s, fastest[list] = t.uk->name;
        if (predict == t.uk->name) predicted = s, predicted_list = list;
    }
    for (int list : {0, 1})
        if (!fastest[list].empty())
            std::printf("%sfastest %s tile: %s\n", list ? "" : "\n", list ? "AVX-512" : "AVX2", fastest[list].c_str());
    if (!all_correct) {
        std::printf("not yet: a tile computes the wrong product. Do its MR/NR match the kernel's template\n"
                    "         arguments and the packers' widths?\n");
        return 1;
    }
    if (predict.empty()) {
        std::printf("make your prediction first: --predict TILE\n");
        return 1;
    }
    if (predicted_list < 0) {
        std::printf("--predict %s: no tile of that name in this CPU's lists\n", predict.c_str());
        return 1;
    }
    const double fastest_time = best[predicted_list];
    const std::string& winner = fastest[predicted_list];
    if (predicted <= 1.03 * fastest_time) {
        std::printf("right: %s is the fastest of its list or within 3%% of it. Explain it with the regs\n"
                    "       column, the edge slivers of n = %d and the loads per FMA of each tile.\n", predict.c_str(), n);
        return 0;
    }
    std::printf("not yet: %s took %.0f%% longer than %s. Count its registers and its loads per FMA.\n",
                predict.c_str(), 100.0 * (predicted / fastest_time - 1.0), winner.c_str());
    return 1;
}
