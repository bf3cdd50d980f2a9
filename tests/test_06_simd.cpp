// test_06_simd.cpp — chapter 06 (SIMD micro-kernels): AVX2 6×16 and AVX-512 12×32, and the
// portable fallback behind the dispatcher. Kernels this CPU cannot run are skipped (and said so).
#include <cstdlib>
#include <string>

#include "gemm_check.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"
#include "handwritten/gemm/tile_avx2.hpp"
#include "handwritten/gemm/tile_avx512.hpp"

namespace {

namespace d = hw::detail;
// Exercise 06-1's tiles: other template arguments of the same kernels, generic packers.
const d::MicroKernel kAvx2Tile4x24 = {"avx2-4x24", 4, 24, d::avx2_kernel<4, 3>, d::pack_a<4>, d::pack_b<24>, nullptr};
const d::MicroKernel kAvx512Tile14x32 = {"avx512-14x32", 14, 32, d::avx512_kernel<14, 2>, d::pack_a<14>, d::pack_b<32>,
                                         nullptr};
const d::MicroKernel kAvx512Tile6x64 = {"avx512-6x64", 6, 64, d::avx512_kernel<6, 4>, d::pack_a<6>, d::pack_b<64>, nullptr};

// A descriptor run through the serial nest, as a GemmFn the checks take.
template <const d::MicroKernel& UK>
void nest_with(hw::Op op_a, hw::Op op_b, int m, int n, int k, float alpha, const float* A, int lda, const float* B,
               int ldb, float beta, float* C, int ldc) {
    d::loop_nest(UK, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

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
                    for (int n = 1; n <= 17; ++n) {  // each column count has its own kernel
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 47, n, 33, 0.5f, -1.0f, 0});
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 33, n, 1, 1.0f, 1.0f, 1});
                        if (n == 1 || n == 10 || n >= 15)
                            gemm_test::check_case(name, k->fn, Case{oa, ob, 300, n, 128, 1.0f, 0.0f, 2});
                    }
        }
    }

    TEST_CASE("the tile templates hold for other tiles: avx2 4x24, avx512 14x32 and 6x64 (exercise 06-1)") {
        using gemm_test::Case;
        using hw::Op;
        struct Tile {
            const d::MicroKernel& uk;
            hw::GemmFn fn;
            bool supported;
        };
        const Tile tiles[] = {{kAvx2Tile4x24, nest_with<kAvx2Tile4x24>, d::cpu_has_avx2_fma()},
                              {kAvx512Tile14x32, nest_with<kAvx512Tile14x32>, d::cpu_has_avx512()},
                              {kAvx512Tile6x64, nest_with<kAvx512Tile6x64>, d::cpu_has_avx512()}};
        for (const Tile& t : tiles) {
            if (!t.supported) {
                MESSAGE(t.uk.name, " not supported on this CPU: skipped");
                continue;
            }
            gemm_test::check_odd_shapes(t.uk.name, t.fn);
            for (int m = 1; m <= 2 * t.uk.mr + 1; ++m)  // every edge sliver of the tile, in both directions
                for (int n : {1, t.uk.nr - 1, t.uk.nr, t.uk.nr + 1, 2 * t.uk.nr + 3})
                    gemm_test::check_case(t.uk.name, t.fn, Case{Op::N, Op::N, m, n, 9, 1.0f, 0.5f, 1});
            gemm_test::check_case(t.uk.name, t.fn, Case{Op::T, Op::T, 301, 203, 517, 1.0f, 0.0f, 2});
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

    TEST_CASE("each vector width has its own peak, and hw::sgemm is judged against its kernel's") {
        const bool avx512 = hw::find_gemm_kernel("avx512")->supported, avx2 = hw::find_gemm_kernel("avx2")->supported;
        const hw::Peak& widest = hw::machine_peak();
        CHECK(&hw::peak_for_lanes(16) == &widest);
        CHECK(&hw::peak_for_lanes(64) == &widest);  // wider than any CPU has: the widest
        CHECK(widest.lanes == (avx512 ? 16 : avx2 ? 8 : 4));
        const hw::Peak& ymm = hw::peak_for_lanes(8);
        CHECK(ymm.lanes == (avx2 ? 8 : 4));
        CHECK(ymm.flops_per_cycle == doctest::Approx(ymm.lanes * 2 * ymm.fma_per_cycle));
        CHECK(ymm.gflops_per_core > 0);
        CHECK(hw::peak_for_lanes(4).isa == "SSE2");
        // The clock is measured separately for each width: two runs of the same loop, so
        // within a factor of two of each other even on a busy machine.
        CHECK(ymm.ghz > 0.5 * widest.ghz);
        CHECK(ymm.ghz < 2.0 * widest.ghz);
        const bool held_to_avx2 = hw::sgemm_microkernel_name().rfind("avx2", 0) == 0;
        CHECK(&hw::sgemm_peak() == (held_to_avx2 ? &ymm : &widest));
    }
}
