// step03_naive.cpp — chapter 03: the definition, written as three loops.
//
//     C[i,j] = alpha · Σ_p op(A)[i,p] · op(B)[p,j] + beta · C[i,j]
//
// i-j-k order: each C element is one dot product. The inner loop walks a row of A (stride 1)
// and a *column* of B (stride ldb floats): every step of p touches a new 64-byte cache line
// of B, so once B no longer fits in cache each multiply-add waits for memory.
#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

void gemm_naive(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
    using detail::elem_a, detail::elem_b;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p) acc += elem_a(op_a, A, lda, i, p) * elem_b(op_b, B, ldb, p, j);
            float& c = C[std::size_t(i) * ldc + j];
            c = beta == 0.0f ? alpha * acc : alpha * acc + beta * c;  // beta 0: C is not read
        }
}

}  // namespace hw
