// test_06_simd.cpp — chapter 06 (SIMD micro-kernels): AVX2 6×16 and AVX-512 12×32, and the
// portable fallback behind the dispatcher. Kernels this CPU cannot run are skipped (and said so).
#include <cstdlib>
#include <string>

#include "gemm_check.hpp"

TEST_SUITE("06-simd") {
    TEST_CASE("avx2 and avx512 kernels against the reference") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            REQUIRE(k != nullptr);
            if (!k->supported) {
                MESSAGE((std::string(name) + " not supported on this CPU: skipped"));
                continue;
            }
            gemm_test::check_small_sweep(name, k->fn);
            gemm_test::check_large(name, k->fn);
        }
    }

    TEST_CASE("micro-tile edges: every m mod 12 and n mod 32") {
        using gemm_test::Case;
        using hw::Op;
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            for (int m = 1; m <= 25; m += 1)
                for (int n : {1, 8, 15, 16, 17, 31, 33, 47})
                    gemm_test::check_case(name, k->fn, Case{Op::N, Op::N, m, n, 9, 1.0f, 0.5f, 1});
        }
    }

    TEST_CASE("odd shapes 1, 7, 15, 16, 17, 33 through the SIMD steps (skinny paths included)") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            gemm_test::check_odd_shapes(name, k->fn);
        }
    }

    TEST_CASE("skinny products (n <= 16 take a separate path on AVX2 and on AVX-512)") {
        using gemm_test::Case;
        using hw::Op;
        for (const char* name : {"avx2", "avx512", "auto"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            for (Op oa : {Op::N, Op::T})
                for (Op ob : {Op::N, Op::T})
                    for (int n : {1, 10, 15, 16, 17}) {
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 300, n, 128, 1.0f, 0.0f, 2});
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 47, n, 33, 0.5f, -1.0f, 0});
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 33, n, 1, 1.0f, 1.0f, 1});
                    }
        }
    }

    TEST_CASE("calling an unsupported SIMD kernel throws instead of crashing") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (k->supported) continue;
            float a = 1, b = 1, c = 0;
            CHECK_THROWS(k->fn(hw::Op::N, hw::Op::N, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1));
        }
    }

    TEST_CASE("the dispatcher picks a micro-kernel this CPU can run") {
        const std::string name = hw::sgemm_microkernel_name();
        MESSAGE("hw::sgemm uses ", name);
        if (name.rfind("avx512", 0) == 0) CHECK(hw::find_gemm_kernel("avx512")->supported);
        else if (name.rfind("avx2", 0) == 0) CHECK(hw::find_gemm_kernel("avx2")->supported);
        else CHECK(name.rfind("portable", 0) == 0);
        // the best available one: AVX-512 when supported, else AVX2 — unless HW_SGEMM_KERNEL
        // forces a lower one (that is how the AVX2 and portable dispatch paths get tested here)
        if (std::getenv("HW_SGEMM_KERNEL") && *std::getenv("HW_SGEMM_KERNEL")) {
            MESSAGE("HW_SGEMM_KERNEL=", std::getenv("HW_SGEMM_KERNEL"), ": best-kernel check skipped");
        } else if (hw::find_gemm_kernel("avx512")->supported) {
            CHECK(name.rfind("avx512", 0) == 0);
        } else if (hw::find_gemm_kernel("avx2")->supported) {
            CHECK(name.rfind("avx2", 0) == 0);
        }
    }
}
