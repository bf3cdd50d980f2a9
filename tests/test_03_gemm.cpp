// test_03_gemm.cpp — chapter 03 (loop order): the reference, the checker, and the six orders.
#include <cmath>
#include <limits>

#include "gemm_check.hpp"

using gemm_test::Case;
using hw::Op;

namespace {
// A deliberately wrong kernel: the correct product, but the last p term is dropped.
void drops_last_term(Op oa, Op ob, int m, int n, int k, float alpha, const float* A, int lda,
                     const float* B, int ldb, float beta, float* C, int ldc) {
    hw::gemm_naive(oa, ob, m, n, k > 0 ? k - 1 : 0, alpha, A, lda, B, ldb, beta, C, ldc);
}
// Another: sums in reduced precision (products rounded to 8 significant bits, like bf16).
void bf16_products(Op oa, Op ob, int m, int n, int k, float alpha, const float* A, int lda,
                   const float* B, int ldb, float beta, float* C, int ldc) {
    hw::gemm_naive(oa, ob, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            int e;
            float& c = C[i * ldc + j];
            const float f = std::frexp(c, &e);
            c = std::ldexp(std::round(f * 256.0f) / 256.0f, e);
        }
}
}  // namespace

TEST_SUITE("03-loop-order") {
    TEST_CASE("the reference computes alpha*op(A)*op(B)+beta*C in double") {
        // A = [[1,2],[3,4]] (2×2), B = [[5,6],[7,8]]; A·B = [[19,22],[43,50]].
        const float A[] = {1, 2, 3, 4}, B[] = {5, 6, 7, 8}, C[] = {1, 1, 1, 1};
        double out[4], mag[4];
        hw::sgemm_reference_f64(Op::N, Op::N, 2, 2, 2, 2.0, A, 2, B, 2, 1.0, C, 2, out, 2, mag);
        CHECK(out[0] == 39);
        CHECK(out[3] == 101);
        CHECK(mag[1] == 45);  // 2·(1·6 + 2·8) + 1
        // Aᵀ·Bᵀ: Aᵀ = [[1,3],[2,4]], Bᵀ = [[5,7],[6,8]] → [[23,31],[34,46]]
        hw::sgemm_reference_f64(Op::T, Op::T, 2, 2, 2, 1.0, A, 2, B, 2, 0.0, nullptr, 2, out, 2);
        CHECK(out[0] == 23);
        CHECK(out[1] == 31);
        CHECK(out[2] == 34);
        CHECK(out[3] == 46);
    }

    TEST_CASE("the checker catches a wrong kernel") {
        const Case c{Op::N, Op::N, 9, 11, 40, 1.0f, 0.0f, 0};
        CHECK(gemm_test::run_case(drops_last_term, c).worst_ratio > 1.0);
        CHECK(gemm_test::run_case(bf16_products, c).worst_ratio > 1.0);
        CHECK(gemm_test::run_case(hw::gemm_naive, c).worst_ratio <= 1.0);
    }

    TEST_CASE("the registry lists every step under a unique name") {
        const auto& ks = hw::gemm_kernels();
        REQUIRE(ks.size() >= 12);
        for (const char* name : {"naive", "ikj", "kij", "jik", "jki", "kji", "blocked", "packed",
                                 "avx2", "avx512", "threaded", "auto"}) {
            INFO(name);
            REQUIRE(hw::find_gemm_kernel(name) != nullptr);
        }
        CHECK(hw::find_gemm_kernel("nope") == nullptr);
    }

    TEST_CASE("naive i-j-k") { gemm_test::check_small_sweep("naive", hw::gemm_naive); }

    TEST_CASE("the other loop orders") {
        for (const char* name : {"ikj", "kij", "jik", "jki", "kji"}) {
            const auto* k = hw::find_gemm_kernel(name);
            REQUIRE(k != nullptr);
            gemm_test::check_small_sweep(name, k->fn);
        }
    }

    TEST_CASE("beta = 0 overwrites NaN in C; k = 0 gives beta*C") {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (const auto& kern : hw::gemm_kernels()) {
            if (!kern.supported) continue;
            INFO(kern.name);
            float A[1] = {2}, B[1] = {3}, C[2] = {nan, 7};
            kern.fn(Op::N, Op::N, 1, 1, 1, 1.0f, A, 1, B, 1, 0.0f, C, 1);
            CHECK(C[0] == 6.0f);
            CHECK(C[1] == 7.0f);  // outside the 1×1 window
            float D[2] = {4, 5};
            kern.fn(Op::N, Op::N, 1, 2, 0, 1.0f, A, 1, B, 2, 0.5f, D, 2);
            CHECK(D[0] == 2.0f);
            CHECK(D[1] == 2.5f);
            float E[2] = {nan, nan};
            kern.fn(Op::T, Op::T, 2, 1, 0, 1.0f, A, 2, B, 1, 0.0f, E, 1);
            CHECK(E[0] == 0.0f);
            CHECK(E[1] == 0.0f);
            kern.fn(Op::N, Op::N, 0, 0, 5, 1.0f, A, 1, B, 1, 0.0f, E, 1);  // empty: no-op
            CHECK(E[0] == 0.0f);
        }
    }
}
