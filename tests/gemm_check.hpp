// gemm_check.hpp — shared fixture for the GEMM suites (tests/test_03..07_*.cpp).
//
// check_gemm() runs one kernel on one case and compares every element of C with the
// double-precision reference hw::sgemm_reference_f64. The tolerance, per element:
//
//     |C[i,j] − C_ref[i,j]|  ≤  2·(k + 3)·u · ( |α|·Σ_p |a_ip|·|b_pj| + |β|·|c_ij| )  + 1e-30
//
// with u = 2⁻²⁴ (float unit roundoff). Why: any order of summing k products in float
// (naive, blocked, SIMD lanes, FMA or not) has |error| ≤ γ_k·Σ|a||b|, γ_k = k·u/(1 − k·u)
// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1); scaling by α and adding β·c
// costs ≤ 3 more roundings, hence k + 3; the factor 2 covers 1/(1 − k·u) (≤ 1.0001 here) and
// the reference's own double rounding with a wide margin. It is a rigorous worst-case bound —
// not a fudge factor — yet tight enough that dropping a single product, or summing in bf16,
// fails it (see "the checker catches a wrong kernel").
//
// It also checks that nothing outside the m×n window of C changes (ldc > n padding), that
// padding of A and B (lda, ldb > row length, filled with NaN) is never read, and that with
// β = 0 NaNs already in C do not propagate.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/random.hpp"

namespace gemm_test {

using hw::Op;

struct Case {
    Op op_a = Op::N, op_b = Op::N;
    int m = 1, n = 1, k = 1;
    float alpha = 1.0f, beta = 0.0f;
    int pad = 0;  // extra floats at the end of every row of A, B and C
};

inline std::string describe(const Case& c) {
    return std::string(c.op_a == Op::N ? "N" : "T") + (c.op_b == Op::N ? "N" : "T") + " m=" +
           std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
           " alpha=" + std::to_string(c.alpha) + " beta=" + std::to_string(c.beta) +
           " pad=" + std::to_string(c.pad);
}

struct Result {
    double worst_ratio = 0;  // max over elements of |err| / tol (≤ 1 passes)
    double max_abs_err = 0;
    bool padding_intact = true;
    bool finite = true;
};

inline Result run_case(hw::GemmFn fn, const Case& c, std::uint64_t seed = 7) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float sentinel = 1234.5f;
    hw::Rng rng(seed);
    // Stored shapes: A is m×k (N) or k×m (T); B is k×n (N) or n×k (T).
    const int a_rows = c.op_a == Op::N ? c.m : c.k, a_cols = c.op_a == Op::N ? c.k : c.m;
    const int b_rows = c.op_b == Op::N ? c.k : c.n, b_cols = c.op_b == Op::N ? c.n : c.k;
    const int lda = a_cols + c.pad > 0 ? a_cols + c.pad : 1;
    const int ldb = b_cols + c.pad > 0 ? b_cols + c.pad : 1;
    const int ldc = c.n + c.pad > 0 ? c.n + c.pad : 1;
    std::vector<float> A(std::size_t(a_rows) * lda + 1, nan), B(std::size_t(b_rows) * ldb + 1, nan);
    std::vector<float> C(std::size_t(c.m) * ldc + 1, sentinel);
    for (int i = 0; i < a_rows; ++i)
        for (int j = 0; j < a_cols; ++j) A[std::size_t(i) * lda + j] = rng.uniform(-1.0f, 1.0f);
    for (int i = 0; i < b_rows; ++i)
        for (int j = 0; j < b_cols; ++j) B[std::size_t(i) * ldb + j] = rng.uniform(-1.0f, 1.0f);
    for (int i = 0; i < c.m; ++i)
        for (int j = 0; j < c.n; ++j)
            C[std::size_t(i) * ldc + j] = c.beta == 0.0f ? nan : rng.uniform(-1.0f, 1.0f);

    std::vector<double> ref(std::size_t(c.m) * c.n + 1), mag(std::size_t(c.m) * c.n + 1);
    hw::sgemm_reference_f64(c.op_a, c.op_b, c.m, c.n, c.k, c.alpha, A.data(), lda, B.data(), ldb,
                            c.beta, C.data(), ldc, ref.data(), c.n, mag.data());
    fn(c.op_a, c.op_b, c.m, c.n, c.k, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);

    Result r;
    const double u = std::ldexp(1.0, -24);
    for (int i = 0; i < c.m; ++i) {
        for (int j = 0; j < c.n; ++j) {
            const double got = C[std::size_t(i) * ldc + j];
            const double want = ref[std::size_t(i) * c.n + j];
            if (!std::isfinite(got)) {
                r.finite = false;
                r.worst_ratio = std::numeric_limits<double>::infinity();
                continue;
            }
            const double err = std::fabs(got - want);
            const double tol = 2.0 * (c.k + 3) * u * mag[std::size_t(i) * c.n + j] + 1e-30;
            r.max_abs_err = std::max(r.max_abs_err, err);
            r.worst_ratio = std::max(r.worst_ratio, err / tol);
        }
        for (int j = c.n; j < ldc && i * ldc + j < int(C.size()); ++j)
            if (C[std::size_t(i) * ldc + j] != sentinel) r.padding_intact = false;
    }
    if (C.back() != sentinel) r.padding_intact = false;
    return r;
}

// One case through one kernel, with doctest checks and a readable message.
inline void check_case(const std::string& kernel, hw::GemmFn fn, const Case& c) {
    const Result r = run_case(fn, c);
    INFO(kernel, ": ", describe(c), "  worst err/tol = ", r.worst_ratio, "  max |err| = ",
         r.max_abs_err);
    CHECK(r.finite);
    CHECK(r.worst_ratio <= 1.0);
    CHECK(r.padding_intact);
}

// The sweep every kernel gets: odd sizes (not multiples of any micro-tile), rectangles,
// k = 0 and 1, all four transpose combinations, several alpha/beta pairs (beta = 0 over NaN),
// and leading dimensions larger than the rows.
inline void check_small_sweep(const std::string& kernel, hw::GemmFn fn) {
    const int dims[][3] = {{1, 1, 1},   {7, 7, 7},   {33, 33, 33}, {1, 33, 7},  {33, 1, 7},
                           {7, 33, 1},  {5, 3, 0},   {17, 40, 65}, {50, 13, 29}, {13, 70, 2},
                           {25, 37, 300}};
    const float ab[][2] = {{1.0f, 0.0f}, {0.5f, -1.5f}, {-1.0f, 1.0f}, {0.0f, 2.0f}};
    int index = 0;
    for (const auto& d : dims)
        for (Op oa : {Op::N, Op::T})
            for (Op ob : {Op::N, Op::T}) {
                const auto& s = ab[index % 4];
                Case c{oa, ob, d[0], d[1], d[2], s[0], s[1], index % 3 == 0 ? 0 : 1 + index % 5};
                check_case(kernel, fn, c);
                ++index;
            }
    // every alpha/beta pair on one shape with padding, all transposes
    for (const auto& s : ab)
        for (Op oa : {Op::N, Op::T})
            for (Op ob : {Op::N, Op::T}) check_case(kernel, fn, Case{oa, ob, 19, 35, 23, s[0], s[1], 3});
}

// Every combination of the odd sizes 1, 7, 15, 16, 17, 33 for m, n and k — below, at and above
// the skinny-path limit (n ≤ 16) and the micro-tiles' edges — in all four transposes, with
// alpha/beta pairs in turn (beta = 0 over NaN among them) and padded leading dimensions.
inline void check_odd_shapes(const std::string& kernel, hw::GemmFn fn) {
    const int sizes[] = {1, 7, 15, 16, 17, 33};
    const float ab[][2] = {{1.0f, 0.0f}, {0.5f, -1.5f}, {-1.0f, 1.0f}, {2.0f, 0.0f}};
    int index = 0;
    for (int m : sizes)
        for (int n : sizes)
            for (int k : sizes)
                for (Op oa : {Op::N, Op::T})
                    for (Op ob : {Op::N, Op::T}) {
                        const auto& s = ab[index % 4];
                        check_case(kernel, fn, Case{oa, ob, m, n, k, s[0], s[1], index % 3});
                        ++index;
                    }
}

// Bigger shapes, around 1023, for the fast kernels only (the reference is O(m·n·k) in double).
inline void check_large(const std::string& kernel, hw::GemmFn fn) {
    check_case(kernel, fn, Case{Op::N, Op::N, 1023, 65, 1023, 1.0f, 0.0f, 1});
    check_case(kernel, fn, Case{Op::T, Op::T, 67, 1023, 129, 0.5f, 2.0f, 0});
    check_case(kernel, fn, Case{Op::N, Op::T, 130, 515, 385, -1.0f, 1.0f, 5});
    check_case(kernel, fn, Case{Op::T, Op::N, 211, 97, 800, 1.0f, -0.5f, 2});
}

}  // namespace gemm_test
