// gemm.hpp — single-precision general matrix multiply, BLAS semantics, row-major.
//
//     C = alpha · op(A) · op(B) + beta · C        op(X) = X or Xᵀ
//
// Shapes:  op(A) is m×k,  op(B) is k×n,  C is m×n.
// Storage: row-major with leading dimensions (row strides, in elements):
//   A is stored m×k (lda ≥ k) when op_a == Op::N, and k×m (lda ≥ m) when op_a == Op::T;
//   B is stored k×n (ldb ≥ n) when op_b == Op::N, and n×k (ldb ≥ k) when op_b == Op::T;
//   C is stored m×n (ldc ≥ n).
// beta == 0 means C is written without being read (NaNs already in C do not propagate).
// Any m, n, k ≥ 0 is valid; k == 0 gives C = beta·C.
#pragma once
#include "handwritten/core/matrix.hpp"

namespace hw {

enum class Op { N, T };

// C = alpha · op(A) · op(B) + beta · C, with the fastest kernel this CPU supports.
void sgemm(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc);

// Threads used by the threaded kernels and by sgemm(). Default: OMP_NUM_THREADS, else all cores.
// sgemm may use fewer for a product (small, inside a parallel region, on a busy machine: the
// thread policy of core/thread_policy.hpp); results never depend on the thread count.
void set_gemm_threads(int threads);
int gemm_threads();

// Matrix-level wrapper: C = alpha · op(A) · op(B) + beta · C, with the shapes checked
// (std::invalid_argument on mismatch). With beta == 0, C is resized to m×n when needed.
void matmul(const Matrix& A, Op op_a, const Matrix& B, Op op_b, Matrix& C, float alpha = 1.0f,
            float beta = 0.0f);
// C = A · B, a new matrix.
Matrix matmul(const Matrix& A, const Matrix& B);

}  // namespace hw
