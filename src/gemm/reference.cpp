// reference.cpp — the yardstick every kernel is tested against: the definition of GEMM
// evaluated in double precision (53-bit significand), whose own rounding error (≈ k·2⁻⁵³
// relative) is negligible next to single precision's 2⁻²⁴.
#include <cmath>
#include <cstddef>

#include "common.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"

namespace hw {

void sgemm_reference_f64(Op op_a, Op op_b, int m, int n, int k, double alpha, const float* A,
                         int lda, const float* B, int ldb, double beta, const float* C_in,
                         int ldc, double* C_out, int ldo, double* abs_out) {
    using detail::elem_a, detail::elem_b;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            double acc = 0.0, mag = 0.0;
            for (int p = 0; p < k; ++p) {
                const double a = elem_a(op_a, A, lda, i, p), b = elem_b(op_b, B, ldb, p, j);
                acc += a * b;
                mag += std::fabs(a * b);
            }
            const double c = beta == 0.0 ? 0.0 : double(C_in[std::size_t(i) * ldc + j]);
            C_out[std::size_t(i) * ldo + j] = alpha * acc + (beta == 0.0 ? 0.0 : beta * c);
            if (abs_out)
                abs_out[std::size_t(i) * ldo + j] =
                    std::fabs(alpha) * mag + (beta == 0.0 ? 0.0 : std::fabs(beta * c));
        }
}

}  // namespace hw
