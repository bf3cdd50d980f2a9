// hidden_05_packing.cpp — chapter 05's withheld checks (rubric: hidden). Student trees do not
// contain this file; the grader runs it on submission.
#include "gemm_check.hpp"

TEST_SUITE("05-packing") {

TEST_CASE("hidden: packed: edge slivers in both directions, every transpose, long k") {
    using gemm_test::Case;
    using hw::Op;
    // m and n one past and one short of whole 4×8 tiles; k longer than one KC block.
    for (Op oa : {Op::N, Op::T})
        for (Op ob : {Op::N, Op::T}) {
            gemm_test::check_case("packed", hw::gemm_packed, Case{oa, ob, 5, 9, 1100, 2.0f, 0.5f, 7});
            gemm_test::check_case("packed", hw::gemm_packed, Case{oa, ob, 3, 7, 600, -1.0f, 0.0f, 1});
        }
}

}  // TEST_SUITE
