// test_04_blocking.cpp — chapter 04 (cache blocking): the tiled i-k-j kernel.
#include "gemm_check.hpp"

TEST_SUITE("04-cache-blocking") {
    TEST_CASE("blocked: small sweep") { gemm_test::check_small_sweep("blocked", hw::gemm_blocked); }
    TEST_CASE("blocked: shapes that cross several tiles") {
        using gemm_test::Case;
        using hw::Op;
        // tiles are 64 (m) × 128 (k) × 512 (n): cross each boundary by a little
        gemm_test::check_case("blocked", hw::gemm_blocked, Case{Op::N, Op::N, 130, 515, 129, 1.0f, 0.0f, 3});
        gemm_test::check_case("blocked", hw::gemm_blocked, Case{Op::T, Op::T, 65, 513, 257, 0.5f, 1.0f, 0});
    }
}
