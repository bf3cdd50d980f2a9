// step03_reordered.cpp — chapter 03: the same three loops in the other five orders.
//
// The arithmetic is identical; only the order of memory accesses changes. What matters is the
// innermost loop (for op_a = op_b = N, row-major):
//   i-k-j, k-i-j : inner loop over j  → C row and B row, both stride 1. Vectorises; fast.
//   i-j-k, j-i-k : inner loop over k  → A row (stride 1) and B column (stride ldb). Slow.
//   j-k-i, k-j-i : inner loop over i  → A column and C column, both stride ldx. Slowest.
// Each kernel first applies beta to C (beta == 0 writes zeros, so NaNs in C vanish), then adds
// alpha·op(A)·op(B) one rank-1 update or dot product at a time.
#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

using detail::elem_a;
using detail::elem_b;

void gemm_ikj(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
    detail::scale_c(m, n, beta, C, ldc);
    // BEGIN SOLUTION 03 the i-k-j loop order: a row of B streams into a row of C
    for (int i = 0; i < m; ++i) {
        float* c = C + std::size_t(i) * ldc;
        for (int p = 0; p < k; ++p) {
            const float a = alpha * elem_a(op_a, A, lda, i, p);
            if (op_b == Op::N) {  // the fast case: B's row p is contiguous
                const float* b = B + std::size_t(p) * ldb;
                for (int j = 0; j < n; ++j) c[j] += a * b[j];
            } else {
                for (int j = 0; j < n; ++j) c[j] += a * elem_b(op_b, B, ldb, p, j);
            }
        }
    }
    // END SOLUTION
}

void gemm_kij(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
    detail::scale_c(m, n, beta, C, ldc);
    for (int p = 0; p < k; ++p)
        for (int i = 0; i < m; ++i) {
            float* c = C + std::size_t(i) * ldc;
            const float a = alpha * elem_a(op_a, A, lda, i, p);
            if (op_b == Op::N) {
                const float* b = B + std::size_t(p) * ldb;
                for (int j = 0; j < n; ++j) c[j] += a * b[j];
            } else {
                for (int j = 0; j < n; ++j) c[j] += a * elem_b(op_b, B, ldb, p, j);
            }
        }
}

void gemm_jik(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p) acc += elem_a(op_a, A, lda, i, p) * elem_b(op_b, B, ldb, p, j);
            float& c = C[std::size_t(i) * ldc + j];
            c = beta == 0.0f ? alpha * acc : alpha * acc + beta * c;
        }
}

void gemm_jki(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
    detail::scale_c(m, n, beta, C, ldc);
    for (int j = 0; j < n; ++j)
        for (int p = 0; p < k; ++p) {
            const float b = alpha * elem_b(op_b, B, ldb, p, j);
            for (int i = 0; i < m; ++i) C[std::size_t(i) * ldc + j] += elem_a(op_a, A, lda, i, p) * b;
        }
}

void gemm_kji(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc) {
    detail::scale_c(m, n, beta, C, ldc);
    for (int p = 0; p < k; ++p)
        for (int j = 0; j < n; ++j) {
            const float b = alpha * elem_b(op_b, B, ldb, p, j);
            for (int i = 0; i < m; ++i) C[std::size_t(i) * ldc + j] += elem_a(op_a, A, lda, i, p) * b;
        }
}

}  // namespace hw
