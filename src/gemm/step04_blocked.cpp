// step04_blocked.cpp — chapter 04: cache blocking (tiling).
//
// i-k-j streams whole rows of B through the cache for every row of A: for n = 2048 that is
// k·n·4 = 16 MiB of B per row of C, far more than any L2 (0.5–2 MiB on current cores), so B
// comes from L3 or DRAM m times over. Tiling cuts the three loops into blocks so that one
// KC×NC tile of B is reused by every row of A while it sits in L2:
//
//     for jj (NC columns) · for pp (KC depth) · for ii (MC rows):   C_tile += A_tile · B_tile
//
// with the i-k-j order inside a tile. The tiles follow from this machine's caches:
//   NC = 512 floats: the inner loop's C-row segment and B-tile row, 2 KiB each, stay in any L1
//        (32 KiB or more) while the p loop sweeps the tile;
//   KC = L2 / (2 · 4 B · NC): the B tile fills half of L2 (the other half is for the rows of A
//        and C passing through): 128 for a 512 KiB L2, 256 for 1 MiB, 512 for 2 MiB;
//   MC = 64 rows: the A tile (MC×KC) is read once per tile, row by row, so its size only sets
//        how often the jj/pp loops turn; 64 keeps it within L2 beside the B tile.
// Edges are simple here: the last tile in each direction is just shorter (std::min).
#include <algorithm>

#include "common.hpp"
#include "handwritten/core/machine.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

namespace {

constexpr int kMC = 64, kNC = 512;
constexpr long kFallbackL2 = 256 * 1024;  // caches hidden (a VM reporting 0)

int blocked_kc() {
    static const int kc = [] {
        const long l2 = cache_sizes().l2 > 0 ? cache_sizes().l2 : kFallbackL2;
        return int(std::clamp(l2 / (2L * 4 * kNC), 32L, 1024L));
    }();
    return kc;
}

}  // namespace

int gemm_blocked_kc() { return blocked_kc(); }

void gemm_blocked(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
    using detail::elem_a, detail::elem_b;
    const int kKC = blocked_kc();
    detail::scale_c(m, n, beta, C, ldc);
    // BEGIN SOLUTION 04 the tiling: jj (NC) -> pp (KC) -> ii (MC) tiles, i-k-j inside each
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
    // END SOLUTION
}

}  // namespace hw
