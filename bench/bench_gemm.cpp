// bench_gemm.cpp — every GEMM step raced on square sizes and on the MLP's own shapes, against
// OpenBLAS and BLIS when they are installed.
//
//   sgemm/<kernel>/n:<n>/t:<t>            square m = n = k, n ∈ {64 … 2048}
//   sgemm_shape/<kernel>/<label>/t:<t>    the MLP's products (see kShapes)
//   sgemm_in_place/<packed|in_place>/<label>   hw::sgemm at 1 thread with operands arriving
//                                         from L3, every operand packed or read in place where
//                                         the rule allows (see kInPlaceShapes)
//
// <kernel> is a name from hw::gemm_kernels() ("naive" … "avx512", "threaded", "auto" =
// hw::sgemm), or "openblas" / "blis". Single-threaded steps run at t:1 only; "threaded",
// "auto" and the baselines run at t:1 and t:2. The counter FLOPS (2·m·n·k per call, as a
// rate) is what to compare; all timings are wall-clock (UseRealTime), so threads count.
// For t:1 runs a second counter, FLOPS_cpu, divides by the calling thread's CPU time instead:
// on a shared machine it drops the time the scheduler gave the core to another process.
// For auto at t:2, a third counter, solo, is the share of calls sgemm's busy-machine back-off ran
// on one thread (0 on a quiet machine), and a fourth, wait, the calling thread's wait at the
// join as a share of its parallel time. Every benchmark starts with the thread pools settled
// (hw::settle_thread_pools, gemm_bench.hpp). Run it through `make bench`, which unsets
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE so that OpenBLAS picks its kernel for this CPU, or
// `make bench-avx2`, which races AVX2 against AVX2 on any machine: HW_SGEMM_KERNEL=avx2,
// OPENBLAS_CORETYPE=Haswell, BLIS_ARCH_TYPE=haswell. The kernels the peers actually ran are
// printed at the start and stored in the JSON context (peer_kernel_openblas, peer_kernel_blis).
//
//   make bench                                   everything (minutes), JSON in build/bench.json
//   make bench BENCH_ARGS='--benchmark_filter=n:1024/ --benchmark_repetitions=5
//                          --benchmark_report_aggregates_only=true'   medians of 5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "baselines.hpp"
#include "handwritten/app/gemm_bench.hpp"
#include "handwritten/gemm/block_sizes.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/machine.hpp"
#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"

namespace {

using hw::Op;

struct Shape {
    const char* label;
    Op op_a, op_b;
    int m, n, k;
};
// The batched MLP (784-256-10, batch 128; "b1024" = batch 1024):
//   forward  Y  = X·W          X: batch×in,  W: in×out          (N, N)
//   weights  dW = Xᵀ·dY        m = in, n = out, k = batch        (T, N)
//   inputs   dX = dY·Wᵀ        m = batch, n = in, k = out        (N, T)
const Shape kShapes[] = {
    {"fwd_128x784x256", Op::N, Op::N, 128, 256, 784},
    {"dW_784x256_b128", Op::T, Op::N, 784, 256, 128},
    {"dX_128x784x256", Op::N, Op::T, 128, 784, 256},
    {"fwd_128x256x10", Op::N, Op::N, 128, 10, 256},
    {"dW_256x10_b128", Op::T, Op::N, 256, 10, 128},
    {"dX_128x256x10", Op::N, Op::T, 128, 256, 10},
    {"fwd_1024x784x256", Op::N, Op::N, 1024, 256, 784},
    {"dW_784x256_b1024", Op::T, Op::N, 784, 256, 1024},
    {"dX_1024x784x256", Op::N, Op::T, 1024, 784, 256},
};

// Products where hw::sgemm reads an operand in place (loop_nest.cpp, choose_in_place):
// the MLP's dW (A = Xᵀ), LeNet-5's first dense layer's dW, and the forward product of a
// 784-800-10 MLP (B = W, rows of 800 floats). Chapter 05 has the figures.
const Shape kInPlaceShapes[] = {
    {"dW_784x256_b128", Op::T, Op::N, 784, 256, 128},
    {"dW_400x120_b128", Op::T, Op::N, 400, 120, 128},
    {"fwd_128x784x800", Op::N, Op::N, 128, 800, 784},
};

struct Operands {
    int m, n, k, lda, ldb, ldc;
    float *A, *B, *C;
    Operands(Op oa, Op ob, int m_, int n_, int k_) : m(m_), n(n_), k(k_) {
        lda = oa == Op::N ? k : m;
        ldb = ob == Op::N ? n : k;
        ldc = n;
        const std::size_t sa = std::size_t(m) * k, sb = std::size_t(k) * n, sc = std::size_t(m) * n;
        A = hw::aligned_alloc_floats(sa);
        B = hw::aligned_alloc_floats(sb);
        C = hw::aligned_alloc_floats(sc);
        hw::Rng rng(1);
        for (std::size_t i = 0; i < sa; ++i) A[i] = rng.uniform(-1, 1);
        for (std::size_t i = 0; i < sb; ++i) B[i] = rng.uniform(-1, 1);
        for (std::size_t i = 0; i < sc; ++i) C[i] = 0.0f;
    }
    ~Operands() {
        hw::aligned_free_floats(A);
        hw::aligned_free_floats(B);
        hw::aligned_free_floats(C);
    }
};

struct Contender {
    std::string name;
    hw::GemmFn fn;
    void (*set_threads)(int);  // null: one of ours (hw::set_gemm_threads)
    bool threaded, slow;
};

void run(benchmark::State& state, const Contender& who, Op oa, Op ob, int m, int n, int k, int t) {
    Operands x(oa, ob, m, n, k);
    // Start on a settled machine: in one process, with repetitions interleaved, a pool still
    // spinning from the previous benchmark takes a core from this one's second thread (`auto`
    // measured 138–146 GFLOP/s on the 784×256 MLP shapes right after OpenBLAS runs, 191–202
    // without them). This parks OpenBLAS's pool and gives libgomp's spinners 20 ms.
    hw::settle_thread_pools();
    if (who.set_threads) who.set_threads(t);
    hw::set_gemm_threads(t);
    who.fn(oa, ob, m, n, k, 1.0f, x.A, x.lda, x.B, x.ldb, 0.0f, x.C, x.ldc);  // warm up, page in
    const hw::BackoffStats before = hw::thread_policy::stats();
    double thread_cpu = 0;  // CPU time of this (the calling) thread inside the timed loop
    for (auto _ : state) {
        const double c0 = hw::thread_cpu_seconds();
        who.fn(oa, ob, m, n, k, 1.0f, x.A, x.lda, x.B, x.ldb, 0.0f, x.C, x.ldc);
        thread_cpu += hw::thread_cpu_seconds() - c0;
        benchmark::DoNotOptimize(x.C);
        benchmark::ClobberMemory();
    }
    const double flops = 2.0 * m * n * k * double(state.iterations());
    state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsRate);
    // For t:1 this is the rate while the thread actually ran: on a machine shared with other
    // jobs it removes the time the scheduler gave the core to someone else. Meaningless for t:2
    // (the other thread's work is not counted), so only reported for t:1.
    if (t == 1 && thread_cpu > 0) state.counters["FLOPS_cpu"] = benchmark::Counter(flops / thread_cpu);
    // For auto with t:2: the share of timed calls that sgemm's busy-machine back-off ran on one
    // thread (0 on a quiet machine). A figure with solo > 0 measured the machine's other jobs.
    if (t > 1 && who.name == "auto") {
        const hw::BackoffStats after = hw::thread_policy::stats();
        const double solo = double(after.solo_calls - before.solo_calls);
        const double all = solo + double(after.parallel_calls - before.parallel_calls);
        if (all > 0) state.counters["solo"] = benchmark::Counter(solo / all);
        // The caller's wait at the join as a share of its time in parallel calls: what the
        // second thread cost beyond its work (late start, uneven slabs, a descheduled helper).
        const double own = after.own_seconds - before.own_seconds, wait = after.wait_seconds - before.wait_seconds;
        if (own + wait > 0) state.counters["wait"] = benchmark::Counter(wait / (own + wait));
    }
}

// hw::sgemm on 8 sets of operands in turn, so each call finds its operands in L3 rather than
// L2, as a training step does (the previous layer, the optimiser and the data have been
// through the caches since). HW_GEMM_IN_PLACE=0 makes every call pack.
void run_rotating(benchmark::State& state, bool in_place, const Shape& s) {
    constexpr int kCopies = 8;
    std::vector<std::unique_ptr<Operands>> x;
    for (int i = 0; i < kCopies; ++i) x.push_back(std::make_unique<Operands>(s.op_a, s.op_b, s.m, s.n, s.k));
    hw::settle_thread_pools();
    hw::set_gemm_threads(1);
    setenv("HW_GEMM_IN_PLACE", in_place ? "1" : "0", 1);
    auto call = [&](const Operands& o) {
        hw::sgemm(s.op_a, s.op_b, s.m, s.n, s.k, 1.0f, o.A, o.lda, o.B, o.ldb, 0.0f, o.C, o.ldc);
    };
    for (const auto& o : x) call(*o);  // warm up, page in
    int next = 0;
    for (auto _ : state) {
        call(*x[next]);
        next = (next + 1) % kCopies;
        benchmark::ClobberMemory();
    }
    unsetenv("HW_GEMM_IN_PLACE");
    state.counters["FLOPS"] = benchmark::Counter(2.0 * s.m * s.n * s.k * double(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<Contender> who;
    for (const auto& kern : hw::gemm_kernels())
        if (kern.supported) who.push_back({kern.name, kern.fn, nullptr, kern.threaded, kern.slow});
    std::string peers;  // "openblas Haswell, blis haswell": the kernels the peers run here
    for (const auto& base : {bench::openblas_baseline(), bench::blis_baseline()}) {
        if (base.fn) {
            who.push_back({base.name, base.fn, base.set_threads, true, false});
            const std::string kernel = base.kernel();
            benchmark::AddCustomContext(std::string("peer_kernel_") + base.name, kernel);
            peers += (peers.empty() ? "" : ", ") + std::string(base.name) + " " + kernel;
        } else {
            std::fprintf(stderr, "note: %s\n", base.install_hint);
        }
    }

    const auto& peak = hw::sgemm_peak();  // AVX2's under HW_SGEMM_KERNEL=avx2 (make bench-avx2)
    benchmark::AddCustomContext("hw_peak", peak.arithmetic);
    benchmark::AddCustomContext("hw_peak_gflops_per_core", std::to_string(peak.gflops_per_core));
    benchmark::AddCustomContext("hw_sgemm_microkernel", hw::sgemm_microkernel_name());
    benchmark::AddCustomContext("hw_cpu", hw::cpu_model_name());
    const hw::GemmBlocks& b = hw::gemm_blocks(hw::sgemm_step_name());
    benchmark::AddCustomContext("hw_sgemm_blocks", std::to_string(b.mc) + "," + std::to_string(b.kc) +
                                                       "," + std::to_string(b.nc) + "," + std::to_string(b.mp) +
                                                       " (" + b.source + ")");

    const int sizes[] = {64, 128, 256, 512, 1024, 2048};
    for (const auto& c : who) {
        for (int t : {1, 2}) {
            if (t > 1 && !c.threaded) continue;
            for (int n : sizes) {
                if (c.slow && n > 512) continue;
                const std::string name =
                    "sgemm/" + c.name + "/n:" + std::to_string(n) + "/t:" + std::to_string(t);
                benchmark::RegisterBenchmark(name.c_str(), [c, n, t](benchmark::State& s) {
                    run(s, c, Op::N, Op::N, n, n, n, t);
                })->UseRealTime()->Unit(benchmark::kMillisecond);
            }
        }
    }
    for (const auto& c : who) {
        if (c.slow) continue;
        for (int t : {1, 2}) {
            if (t > 1 && !c.threaded) continue;
            for (const auto& s : kShapes) {
                const std::string name =
                    "sgemm_shape/" + c.name + "/" + s.label + "/t:" + std::to_string(t);
                benchmark::RegisterBenchmark(name.c_str(), [c, s, t](benchmark::State& st) {
                    run(st, c, s.op_a, s.op_b, s.m, s.n, s.k, t);
                })->UseRealTime()->Unit(benchmark::kMicrosecond);
            }
        }
    }

    for (const auto& s : kInPlaceShapes)
        for (const bool in_place : {false, true}) {
            const std::string name = std::string("sgemm_in_place/") + (in_place ? "in_place/" : "packed/") + s.label;
            benchmark::RegisterBenchmark(name.c_str(), [in_place, s](benchmark::State& st) {
                run_rotating(st, in_place, s);
            })->UseRealTime()->Unit(benchmark::kMicrosecond);
        }

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    const hw::GemmBlocks& blocks = hw::gemm_blocks(hw::sgemm_step_name());
    std::fprintf(stderr, "peak: %s\nhw::sgemm micro-kernel: %s, blocks MC %d KC %d NC %d MP %d (%s)\npeers: %s\n",
                 peak.arithmetic.c_str(), hw::sgemm_microkernel_name().c_str(), blocks.mc, blocks.kc,
                 blocks.nc, blocks.mp, blocks.source.c_str(), peers.c_str());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
