// test_05_packing.cpp — chapter 05 (packing): the Goto/BLIS loop nest, portable micro-kernel.
#include <algorithm>
#include <stdexcept>
#include <utility>

#include "gemm_check.hpp"
#include "handwritten/gemm/block_sizes.hpp"
#include "handwritten/gemm/microkernel.hpp"

namespace {

// The constraints chapter 05 states for the derived blocks, for one machine and micro-tile.
void check_blocks_fit(const hw::CacheSizes& caches, int mr, int nr) {
    const hw::GemmBlocks b = hw::derive_gemm_blocks(mr, nr, caches);
    const long l1 = caches.l1d > 0 ? caches.l1d : 32 * 1024, l2 = caches.l2 > 0 ? caches.l2 : 256 * 1024;
    INFO("L1d ", caches.l1d, " L2 ", caches.l2, " tile ", mr, "x", nr, ": MC ", b.mc, " KC ", b.kc,
         " NC ", b.nc, "\n", b.arithmetic);
    CHECK(b.source == (caches.l1d > 0 && caches.l2 > 0 ? "derived" : "fallback"));
    CHECK(b.mc >= mr);
    CHECK(b.mc % mr == 0);
    CHECK(b.nc >= nr);
    CHECK(b.nc % nr == 0);
    CHECK(b.kc >= 8);
    // L1: the reused A sliver and the streaming B sliver together, with a way to spare.
    CHECK(4L * (mr + nr) * b.kc < l1);
    // L2: the packed B block and the packed A block together.
    CHECK(4L * b.kc * (b.nc + b.mc) <= l2);
    // and the B block is the bigger part of L2 (the point of the nest): at least half of it
    CHECK(4L * b.kc * b.nc >= l2 / 2);
    // L3: the kept A panel is whole MC blocks and takes at most a quarter of L3 (4 MiB if unknown)
    const long l3 = caches.l3 > 0 ? caches.l3 : 4L * 1024 * 1024;
    CHECK(b.mp >= b.mc);
    CHECK(b.mp % b.mc == 0);
    CHECK(4L * b.mp * b.kc <= std::max(l3 / 4, 4L * b.mc * b.kc));
    CHECK(4L * (b.mp + b.mc) * b.kc > l3 / 4);  // and as many blocks as fit, not fewer
}

}  // namespace

TEST_SUITE("05-packing") {
    TEST_CASE("derived block sizes fit the caches they are meant for, on every machine in the table") {
        const long K = 1024;
        //   L1d, L2, L3, L1 ways, L2 ways (the ways of real cores with those sizes)
        const hw::CacheSizes machines[] = {
            {32 * K, 512 * K, 32 * K * K, 8, 8, 64},        // Zen 2 / Zen 3
            {32 * K, 1024 * K, 32 * K * K, 8, 8, 64},       // Zen 4
            {48 * K, 1280 * K, 30 * K * K, 12, 10, 64},     // Ice Lake / Golden Cove server
            {48 * K, 2048 * K, 36 * K * K, 12, 16, 64},     // Raptor Cove
            {48 * K, 1024 * K, 32 * K * K, 12, 16, 64},     // Zen 5
            {32 * K, 512 * K, 0, 0, 0, 64},                 // sizes without associativity
            {},                                              // a VM that reports nothing
        };
        for (const auto& caches : machines)
            for (const auto& tile : {std::pair{4, 8}, std::pair{6, 16}, std::pair{12, 32}})
                check_blocks_fit(caches, tile.first, tile.second);
    }

    TEST_CASE("the derivation for this machine's AVX-512 tile on Zen 5 caches gives 120, 256, 896") {
        const hw::CacheSizes zen5{48 * 1024, 1024 * 1024, 32 * 1024 * 1024, 12, 16, 64};
        const hw::GemmBlocks b = hw::derive_gemm_blocks(12, 32, zen5);
        CHECK(b.mc == 120);
        CHECK(b.kc == 256);
        CHECK(b.nc == 896);
        CHECK(b.mp == 8160);  // 8 MiB / (4 x 256) = 8192 rows, in whole blocks of 120
    }

    TEST_CASE("a call keeps its A panel exactly when n needs more than one NC block") {
        const hw::detail::MicroKernel& uk = hw::detail::kPortableKernel;
        const hw::GemmBlocks& most = hw::gemm_blocks("packed");
        for (int m : {1, 7, 100, 1000, 5000})
            for (int n : {most.nc, most.nc + 1, 3 * most.nc + 5}) {
                const hw::detail::CallBlocks b = hw::detail::choose_blocks(uk, m, n, 700);
                INFO("m ", m, " n ", n, ": MC ", b.mc, " NC ", b.nc, " MP ", b.mp);
                CHECK(b.keep_a == (n > most.nc));
                CHECK(b.nc <= most.nc);
                CHECK(b.mc <= std::max(most.mc, uk.mr));
                if (b.keep_a) {
                    CHECK(b.mp % b.mc == 0);
                    CHECK(b.mp <= std::max(most.mp, b.mc));
                    // as few panels as the machine's MP allows: one fewer would not hold m
                    const int panels = (m + b.mp - 1) / b.mp, blocks = (m + b.mc - 1) / b.mc;
                    CHECK(long(panels - 1) * (most.mp / b.mc) < blocks);
                } else {
                    CHECK(b.mp == m);
                }
            }
    }

    TEST_CASE("every packed step reports the blocks it uses") {
        for (const char* step : {"packed", "avx2", "avx512"}) {
            const hw::GemmBlocks& b = hw::gemm_blocks(step);
            CHECK(b.mc > 0);
            CHECK(b.kc > 0);
            CHECK(b.nc > 0);
            CHECK(!b.arithmetic.empty());
        }
        CHECK_THROWS_AS(hw::gemm_blocks("blocked"), std::invalid_argument);
    }

    TEST_CASE("packed: small sweep") { gemm_test::check_small_sweep("packed", hw::gemm_packed); }
    TEST_CASE("packed: sizes around 1023, several cache blocks in every direction") {
        gemm_test::check_large("packed", hw::gemm_packed);
    }
}
