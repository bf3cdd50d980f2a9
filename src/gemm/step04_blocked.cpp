// step04_blocked.cpp — chapter 04: cache blocking (tiling).
//
// i-k-j streams whole rows of B through the cache for every row of A: for n = 2048 that is
// k·n·4 = 16 MiB of B per row of C, far more than L2 (1 MiB here), so B comes from L3 or DRAM
// m times over. Tiling cuts the three loops into blocks so that one MC×KC tile of A, one
// KC×NC tile of B and one MC×NC tile of C are reused while they sit in cache:
//
//     for jj (NC columns) · for pp (KC depth) · for ii (MC rows):   C_tile += A_tile · B_tile
//
// with the i-k-j order inside a tile. With KC = 128, NC = 512 the B tile is 128·512·4 = 256 KiB
// (a quarter of L2) and one row of it (2 KiB) plus one C row (2 KiB) sit in L1 while the k loop
// sweeps. Edges are simple here: the last tile in each direction is just shorter (std::min).
#include <algorithm>

#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

namespace {
constexpr int kMC = 64, kKC = 128, kNC = 512;
}

void gemm_blocked(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
    using detail::elem_a, detail::elem_b;
    detail::scale_c(m, n, beta, C, ldc);
    for (int jj = 0; jj < n; jj += kNC) {
        const int nb = std::min(kNC, n - jj);
        for (int pp = 0; pp < k; pp += kKC) {
            const int kb = std::min(kKC, k - pp);
            for (int ii = 0; ii < m; ii += kMC) {
                const int mb = std::min(kMC, m - ii);
                // One tile: C[ii.., jj..] += alpha · A[ii.., pp..] · B[pp.., jj..], i-k-j order.
                for (int i = ii; i < ii + mb; ++i) {
                    float* c = C + std::size_t(i) * ldc + jj;
                    for (int p = pp; p < pp + kb; ++p) {
                        const float a = alpha * elem_a(op_a, A, lda, i, p);
                        if (op_b == Op::N) {
                            const float* b = B + std::size_t(p) * ldb + jj;
                            for (int j = 0; j < nb; ++j) c[j] += a * b[j];
                        } else {
                            for (int j = 0; j < nb; ++j) c[j] += a * elem_b(op_b, B, ldb, p, jj + j);
                        }
                    }
                }
            }
        }
    }
}

}  // namespace hw
