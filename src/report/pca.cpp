// pca.cpp — covariance on hw::sgemm, eigenvectors by power iteration (see pca.hpp).
#include "handwritten/report/pca.hpp"

#include <cmath>
#include <stdexcept>

#include "handwritten/core/random.hpp"
#include "handwritten/gemm/gemm.hpp"

namespace hw {

namespace {

std::vector<float> column_means(const Matrix& X) {
    std::vector<double> sum(X.cols(), 0.0);
    for (std::size_t r = 0; r < X.rows(); ++r)
        for (std::size_t c = 0; c < X.cols(); ++c) sum[c] += X(r, c);
    std::vector<float> mean(X.cols());
    for (std::size_t c = 0; c < X.cols(); ++c) mean[c] = float(sum[c] / double(X.rows()));
    return mean;
}

Matrix minus_mean(const Matrix& X, const std::vector<float>& mean) {
    Matrix Xc(X.rows(), X.cols());
    for (std::size_t r = 0; r < X.rows(); ++r)
        for (std::size_t c = 0; c < X.cols(); ++c) Xc(r, c) = X(r, c) - mean[c];
    return Xc;
}

// y = A·x for a symmetric D×D A, accumulated in double (the GEMM already did the heavy part).
std::vector<double> multiply(const Matrix& A, const std::vector<double>& x) {
    std::vector<double> y(A.rows(), 0.0);
    for (std::size_t r = 0; r < A.rows(); ++r) {
        const float* row = A.row(r);
        double s = 0;
        for (std::size_t c = 0; c < A.cols(); ++c) s += double(row[c]) * x[c];
        y[r] = s;
    }
    return y;
}

double norm(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return std::sqrt(s);
}

void scale_to_unit(std::vector<double>& v) {
    const double n = norm(v);
    if (n > 0) for (double& x : v) x /= n;
}

}  // namespace

Matrix covariance(const Matrix& X, std::vector<float>* mean_out) {
    if (X.rows() < 2) throw std::invalid_argument("covariance: need at least 2 samples");
    std::vector<float> mean = column_means(X);
    const Matrix Xc = minus_mean(X, mean);
    const int n = int(X.rows()), d = int(X.cols());
    Matrix C(X.cols(), X.cols());
    // C (D×D) = Xcᵀ (D×N) · Xc (N×D) / (N − 1)
    sgemm(Op::T, Op::N, d, d, n, 1.0f / float(n - 1), Xc.data(), d, Xc.data(), d, 0.0f, C.data(), d);
    if (mean_out) *mean_out = std::move(mean);
    return C;
}

Pca power_iteration_eigen(const Matrix& symmetric, int k, std::uint64_t seed, int max_iterations,
                          double tolerance) {
    const std::size_t d = symmetric.rows();
    if (symmetric.cols() != d || k < 1 || std::size_t(k) > d)
        throw std::invalid_argument("power iteration: need a square matrix and 1 <= k <= its size");
    Pca pca;
    for (std::size_t i = 0; i < d; ++i) pca.total_variance += symmetric(i, i);
    Matrix A = symmetric.clone();  // deflated in place
    pca.components = Matrix(std::size_t(k), d);
    Rng rng(seed);
    for (int component = 0; component < k; ++component) {
        std::vector<double> v(d);
        for (double& x : v) x = rng.uniform(-1.0f, 1.0f);
        scale_to_unit(v);
        int steps = 0;
        while (steps < max_iterations) {
            ++steps;
            std::vector<double> w = multiply(A, v);
            if (norm(w) == 0) break;  // nothing left in A: any unit vector will do
            scale_to_unit(w);
            double dot = 0;
            for (std::size_t i = 0; i < d; ++i) dot += v[i] * w[i];
            v = std::move(w);
            if (1.0 - std::fabs(dot) < tolerance) break;  // v stopped turning
        }
        // λ with its sign: the Rayleigh quotient vᵀAv (A is positive semi-definite for a covariance)
        const std::vector<double> Av = multiply(A, v);
        double lambda = 0;
        for (std::size_t i = 0; i < d; ++i) lambda += v[i] * Av[i];
        for (std::size_t i = 0; i < d; ++i) pca.components(component, i) = float(v[i]);
        pca.variances.push_back(lambda);
        pca.iterations.push_back(steps);
        for (std::size_t r = 0; r < d; ++r)  // deflation: A ← A − λ·v·vᵀ
            for (std::size_t c = 0; c < d; ++c) A(r, c) -= float(lambda * v[r] * v[c]);
    }
    return pca;
}

Pca fit_pca(const Matrix& X, int k, std::uint64_t seed) {
    std::vector<float> mean;
    const Matrix C = covariance(X, &mean);
    Pca pca = power_iteration_eigen(C, k, seed);
    pca.mean = std::move(mean);
    return pca;
}

Matrix pca_project(const Pca& pca, const Matrix& X) {
    if (X.cols() != pca.mean.size()) throw std::invalid_argument("pca_project: wrong dimension");
    const Matrix Xc = minus_mean(X, pca.mean);
    const int n = int(X.rows()), d = int(X.cols()), k = int(pca.components.rows());
    Matrix Y(X.rows(), pca.components.rows());
    // Y (N×k) = Xc (N×D) · Vᵀ (D×k)
    sgemm(Op::N, Op::T, n, k, d, 1.0f, Xc.data(), d, pca.components.data(), d, 0.0f, Y.data(), k);
    return Y;
}

std::vector<float> Pca::project(const float* x) const {
    std::vector<float> y(components.rows(), 0.0f);
    for (std::size_t j = 0; j < components.rows(); ++j) {
        double s = 0;
        for (std::size_t i = 0; i < mean.size(); ++i) s += double(x[i] - mean[i]) * components(j, i);
        y[j] = float(s);
    }
    return y;
}

}  // namespace hw
