// Placeholder dispatcher: until the GEMM chapters land, sgemm() is the plain triple loop.
#include <omp.h>

#include <stdexcept>

#include "handwritten/gemm.hpp"

namespace hw {

namespace {
int g_threads = 0;  // 0: not set, use OpenMP's default
}

void set_gemm_threads(int threads) { g_threads = threads > 0 ? threads : 0; }
int gemm_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

void sgemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p) {
                const float a = op_a == Op::N ? A[i * lda + p] : A[p * lda + i];
                const float b = op_b == Op::N ? B[p * ldb + j] : B[j * ldb + p];
                acc += a * b;
            }
            C[i * ldc + j] = alpha * acc + (beta == 0.0f ? 0.0f : beta * C[i * ldc + j]);
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
    sgemm(op_a, op_b, m, n, k, alpha, A.data(), static_cast<int>(A.cols()), B.data(),
          static_cast<int>(B.cols()), beta, C.data(), n);
}

Matrix matmul(const Matrix& A, const Matrix& B) {
    Matrix C;
    matmul(A, Op::N, B, Op::N, C);
    return C;
}

}  // namespace hw
