// common.hpp — small helpers shared by the GEMM steps (internal to src/gemm/).
#pragma once
#include <cstddef>

#include "handwritten/gemm/gemm.hpp"

namespace hw::detail {

// op(A)[i,p] and op(B)[p,j] for row-major storage with a leading dimension: the transpose
// flag only decides which index walks along a row.
inline float elem_a(Op op, const float* A, int lda, int i, int p) {
    return op == Op::N ? A[std::size_t(i) * lda + p] : A[std::size_t(p) * lda + i];
}
inline float elem_b(Op op, const float* B, int ldb, int p, int j) {
    return op == Op::N ? B[std::size_t(p) * ldb + j] : B[std::size_t(j) * ldb + p];
}

// C = beta·C over an m×n block; beta == 0 writes zeros without reading (NaN-safe).
inline void scale_c(int m, int n, float beta, float* C, int ldc) {
    if (beta == 1.0f) return;
    for (int i = 0; i < m; ++i) {
        float* c = C + std::size_t(i) * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < n; ++j) c[j] = 0.0f;
        else
            for (int j = 0; j < n; ++j) c[j] *= beta;
    }
}

inline int round_up(int x, int to) { return (x + to - 1) / to * to; }
inline int ceil_div(int x, int y) { return (x + y - 1) / y; }

}  // namespace hw::detail
