// test_05_packing.cpp — chapter 05 (packing): the Goto/BLIS loop nest, portable micro-kernel.
#include "gemm_check.hpp"

TEST_SUITE("05-packing") {
    TEST_CASE("packed: small sweep") { gemm_test::check_small_sweep("packed", hw::gemm_packed); }
    TEST_CASE("packed: sizes around 1023, several cache blocks in every direction") {
        gemm_test::check_large("packed", hw::gemm_packed);
    }
}
