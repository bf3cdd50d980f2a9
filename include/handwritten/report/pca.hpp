// pca.hpp — principal component analysis by power iteration on our own GEMM.
//
// For N samples of dimension D (X: N×D), centre each column (Xc = X − mean), form the
// covariance  C = Xcᵀ·Xc / (N − 1)  (D×D, one hw::sgemm), then find its leading eigenvectors
// one at a time by power iteration:
//
//     v ← C·v / ‖C·v‖     until v stops turning          (converges to the top eigenvector)
//     C ← C − λ·v·vᵀ      deflation: remove it, repeat for the next one
//
// Power iteration converges at the rate λ₂/λ₁ per step, so it is slow only when two
// eigenvalues are close — and then the two directions explain about the same variance,
// so either serves a 3-D view. The projection is  Y = Xc·V  (N×k, another sgemm).
#pragma once
#include <cstdint>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

struct Pca {
    std::vector<float> mean;        // D column means
    Matrix components;              // k×D, one unit eigenvector per row, largest variance first
    std::vector<double> variances;  // k eigenvalues of the covariance (the variance along each)
    double total_variance = 0;      // trace of the covariance: Σ variances over all D directions
    std::vector<int> iterations;    // power-iteration steps each component took

    // x: D values → k coordinates (x − mean)·Vᵀ.
    std::vector<float> project(const float* x) const;
};

// Column-centred covariance Xcᵀ·Xc / (N − 1) of X: N×D (D×D). N ≥ 2, else std::invalid_argument.
Matrix covariance(const Matrix& X, std::vector<float>* mean_out = nullptr);

// The k leading eigenvectors of a symmetric matrix by power iteration with deflation, started
// from a seeded random vector. Stops when 1 − |v·v_prev| < tolerance or after max_iterations.
Pca power_iteration_eigen(const Matrix& symmetric, int k, std::uint64_t seed = 1,
                          int max_iterations = 500, double tolerance = 1e-9);

// PCA of X: N×D with k components (k ≤ D).
Pca fit_pca(const Matrix& X, int k, std::uint64_t seed = 1);

// Y = (X − mean)·Vᵀ: N×k.
Matrix pca_project(const Pca& pca, const Matrix& X);

}  // namespace hw
