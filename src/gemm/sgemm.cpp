// sgemm.cpp — hw::sgemm, the dispatcher everyone calls ("auto" in tables and benchmarks).
//
// It picks the best micro-kernel this CPU can run (AVX-512 > AVX2 > portable, checked once
// with __builtin_cpu_supports), and the thread count from set_gemm_threads() or
// OMP_NUM_THREADS, staying on the calling thread for small products (below
// kSgemmThreadingMinFlops), when already inside an OpenMP parallel region, and for a while
// after a parallel call found a core taken by another process (the back-off below).
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/parallel.hpp"
#include "microkernel.hpp"

namespace hw {

namespace {

int g_threads = 0;  // 0: not set, use OpenMP's default (OMP_NUM_THREADS or all cores)

const detail::MicroKernel& pick_microkernel() {
    static const detail::MicroKernel* chosen = [] {
        const char* force = std::getenv("HW_SGEMM_KERNEL");
        if (force && std::strcmp(force, "portable") == 0) return &detail::kPortableKernel;
        if (force && std::strcmp(force, "avx2") == 0 && detail::cpu_has_avx2_fma())
            return &detail::kAvx2Kernel;
        if (detail::cpu_has_avx512() && !(force && std::strcmp(force, "avx2") == 0))
            return &detail::kAvx512Kernel;
        if (detail::cpu_has_avx2_fma()) return &detail::kAvx2Kernel;
        return &detail::kPortableKernel;
    }();
    return *chosen;
}

}  // namespace

void set_gemm_threads(int threads) { g_threads = threads > 0 ? threads : 0; }
int gemm_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

std::string sgemm_microkernel_name() { return pick_microkernel().name; }

void gemm_threaded(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                   const float* B, int ldb, float beta, float* C, int ldc) {
    detail::loop_nest_parallel(pick_microkernel(), gemm_threads(), op_a, op_b, m, n, k, alpha, A,
                               lda, B, ldb, beta, C, ldc);
}

// Back-off on a busy machine. When another process holds one of the cores, a parallel call
// stalls for whole scheduler time slices: a helper that is not running keeps the caller waiting
// at the join, or the caller itself is descheduled in the middle of its own share (we measured
// 1.7 GFLOP/s instead of 75 at n = 256 with 2 threads while other jobs ran, and 14 ms instead of
// 0.13 ms for the caller's share of an MLP product beside one busy loop). One thread, meanwhile,
// would have a core to itself.
//
// So each parallel call (sgemm's, and the element-wise loops of parallel.hpp) reports its
// caller's share — wall time and CPU time — and its wait at the join. On one thread the call
// would have taken about T × the share's CPU time; in parallel it took share wall + wait. Summed
// over a window of at least 50 ms of parallel calls: when the parallel calls took longer than
// serial ones would have, the next calls run on one thread for a while (250 ms, doubling while
// it keeps happening, at most 4 s), then sgemm tries again. A window, not a single call: a
// helper preempted once for a few milliseconds (it happens on any shared machine) costs those
// milliseconds, while backing off for it costs half the speed for 250 ms — a per-call rule ran
// 20–48% of the MLP's 0.3 ms products solo on a nearly idle machine.
// Results do not depend on the thread count (every C element is summed in the same order), so
// all of this changes speed only.
namespace {

constexpr double kWindowSeconds = 0.05, kFirstBackoff = 0.25, kMaxBackoff = 4.0;

std::atomic<double> g_solo_until{0.0};  // omp_get_wtime() before which sgemm stays on one thread
std::atomic<long> g_parallel_calls{0}, g_solo_calls{0}, g_backoffs{0};

struct ContentionWindow {
    std::mutex mutex;
    double parallel = 0;  // Σ wall time of the parallel calls (caller's share + wait at the join)
    double serial = 0;    // Σ T × CPU time of the caller's share: the same calls on one thread
    double backoff = kFirstBackoff;
};
ContentionWindow g_window;

bool backing_off() { return omp_get_wtime() < g_solo_until.load(std::memory_order_relaxed); }

}  // namespace

void record_parallel_join(int threads, double own_seconds, double own_cpu_seconds,
                          double wait_seconds) {
    std::lock_guard<std::mutex> lock(g_window.mutex);
    g_window.parallel += own_seconds + wait_seconds;
    g_window.serial += threads * own_cpu_seconds;
    if (g_window.parallel < kWindowSeconds) return;
    if (g_window.parallel > g_window.serial) {
        g_solo_until.store(omp_get_wtime() + g_window.backoff, std::memory_order_relaxed);
        g_window.backoff = std::min(2 * g_window.backoff, kMaxBackoff);
        g_backoffs.fetch_add(1, std::memory_order_relaxed);
    } else {
        g_window.backoff = kFirstBackoff;
    }
    g_window.parallel = g_window.serial = 0;
}

int parallel_threads_now() {
    return omp_in_parallel() || backing_off() ? 1 : gemm_threads();
}

SgemmBackoffStats sgemm_backoff_stats() {
    return {g_parallel_calls.load(), g_solo_calls.load(), g_backoffs.load()};
}

void sgemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
    int threads = gemm_threads();
    if (2.0 * m * n * k < kSgemmThreadingMinFlops || omp_in_parallel()) threads = 1;
    if (threads > 1 && backing_off()) {
        threads = 1;
        g_solo_calls.fetch_add(1, std::memory_order_relaxed);
    }
    detail::JoinTiming timing;
    detail::loop_nest_parallel(pick_microkernel(), threads, op_a, op_b, m, n, k, alpha, A, lda, B,
                               ldb, beta, C, ldc, &timing);
    if (timing.threads > 1) {
        g_parallel_calls.fetch_add(1, std::memory_order_relaxed);
        record_parallel_join(timing.threads, timing.own_seconds, timing.own_cpu_seconds,
                             timing.wait_seconds);
    }
}

void matmul(const Matrix& A, Op op_a, const Matrix& B, Op op_b, Matrix& C, float alpha,
            float beta) {
    const int m = static_cast<int>(op_a == Op::N ? A.rows() : A.cols());
    const int k = static_cast<int>(op_a == Op::N ? A.cols() : A.rows());
    const int kb = static_cast<int>(op_b == Op::N ? B.rows() : B.cols());
    const int n = static_cast<int>(op_b == Op::N ? B.cols() : B.rows());
    if (k != kb) throw std::invalid_argument("matmul: inner dimensions differ");
    if (C.rows() != std::size_t(m) || C.cols() != std::size_t(n)) {
        if (beta != 0.0f) throw std::invalid_argument("matmul: C has the wrong shape");
        C = Matrix(m, n);
    }
    // Empty matrices have no storage; any leading dimension ≥ 1 is fine for them.
    const int lda = A.cols() ? static_cast<int>(A.cols()) : 1;
    const int ldb = B.cols() ? static_cast<int>(B.cols()) : 1;
    sgemm(op_a, op_b, m, n, k, alpha, A.data(), lda, B.data(), ldb, beta, C.data(),
          n ? n : 1);
}

Matrix matmul(const Matrix& A, const Matrix& B) {
    Matrix C;
    matmul(A, Op::N, B, Op::N, C);
    return C;
}

}  // namespace hw
