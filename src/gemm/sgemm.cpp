// sgemm.cpp — hw::sgemm, the dispatcher everyone calls ("auto" in tables and benchmarks).
//
// It picks the best micro-kernel this CPU can run (AVX-512 > AVX2 > portable, checked once
// with __builtin_cpu_supports; HW_SGEMM_KERNEL=avx512|avx2|portable forces a lower one), and
// asks the thread policy (core/thread_policy.hpp) how many threads this product may use: one
// below kSgemmThreadingMinFlops, inside an OpenMP parallel region, or while a busy machine
// holds the GEMM back; else gemm_threads(). Each parallel call reports its join back.
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "handwritten/core/thread_policy.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"

namespace hw {

namespace detail {

const MicroKernel& sgemm_microkernel() {
    static const MicroKernel* chosen = [] {
        const char* force = std::getenv("HW_SGEMM_KERNEL");
        const bool want_portable = force && std::strcmp(force, "portable") == 0;
        const bool want_avx2 = force && std::strcmp(force, "avx2") == 0;
        if (want_portable) return &kPortableKernel;
        if (cpu_has_avx512() && !want_avx2) return &kAvx512Kernel;
        if (cpu_has_avx2_fma()) return &kAvx2Kernel;
        return &kPortableKernel;
    }();
    return *chosen;
}

}  // namespace detail

void set_gemm_threads(int threads) { set_parallel_threads(threads); }
int gemm_threads() { return parallel_threads(); }

std::string sgemm_microkernel_name() { return detail::sgemm_microkernel().name; }

const Peak& sgemm_peak() {
    return &detail::sgemm_microkernel() == &detail::kAvx2Kernel ? peak_for_lanes(8) : machine_peak();
}

void sgemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
    const int threads = thread_policy::threads_for(2.0 * m * n * k, kSgemmThreadingMinFlops);
    thread_policy::report(detail::loop_nest_parallel(detail::sgemm_microkernel(), threads, op_a,
                                                     op_b, m, n, k, alpha, A, lda, B, ldb, beta,
                                                     C, ldc));
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
