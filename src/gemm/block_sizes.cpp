// block_sizes.cpp — MC, KC and NC of the packed loop nest from the caches and the micro-tile.
//
// The nest (loop_nest.cpp) runs ir outside jr: one MR×KC sliver of packed A is reused from L1
// while the KC×NR slivers of packed B stream past it, and the whole KC×NC block of packed B is
// reused from L2 by every A sliver of the MC×KC block. A cache of size S with W ways is W
// "ways" of S/W bytes; a block that is meant to stay must not share its ways with one that
// streams, or LRU evicts it. That is the analytical model of Low, Igual, Smith and
// Quintana-Ortí ("Analytical modeling is enough for high-performance BLIS", ACM TOMS 2016),
// here with the roles of A and B swapped because our ir/jr order is swapped. Floats are 4 bytes.
//
//   KC (L1)  One way is left for C and the prefetched lines; the other W1 − 1 are shared by the
//            reused A sliver and the streaming B sliver in proportion to their sizes, MR : NR:
//                ways_B = ⌊(W1 − 1) / (1 + MR/NR)⌋
//                KC     = ways_B · (S1/W1) / (4·NR)            (multiple of 8, at most 512)
//            so the B sliver fills ways_B ways and the A sliver 4·MR·KC ≤ (W1 − 1 − ways_B) ways.
//   NC (L2)  The B block stays in L2; an A sliver on its way to L1 takes ways_A ways of L2, and
//            one more way is left for C:
//                ways_A = ⌈4·MR·KC / (S2/W2)⌉
//                NC     = (W2 − 1 − ways_A) · (S2/W2) / (4·KC)  (multiple of NR)
//   MC (L2)  The packed A block is written once and read once right after: it gets what the
//            B block leaves of L2, so both blocks fit it together:
//                MC     = (1 + ways_A) · (S2/W2) / (4·KC)       (multiple of MR)
//   MP (L3)  When n needs more than one NC block, every B block meets the same rows of A. The
//            nest then packs MP rows of A once per KC step and keeps them: the first B block
//            reads each MC×KC block right after packing it (from L2), the later ones re-read
//            the MP×KC panel from L3 instead of packing A again. The panel gets a quarter of
//            L3, leaving the rest to a second core's panel (chapter 07) and to the matrices
//            streaming through:
//                MP     = (S3/4) / (4·KC)                    (multiple of MC)
//
// Hidden caches (a VM reporting 0) fall back to 32 KiB 8-way L1d and 256 KiB 8-way L2 (Haswell), the
// smallest of the x86-64 cores of the last decade; an unknown associativity counts as 8 ways and
// an unknown L3 as 4 MiB (a laptop's).
#include "handwritten/gemm/block_sizes.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "common.hpp"
#include "handwritten/gemm/microkernel.hpp"

namespace hw {

namespace {

constexpr long kFallbackL1 = 32 * 1024, kFallbackL2 = 256 * 1024, kFallbackL3 = 4 * 1024 * 1024;
constexpr int kFallbackL1Ways = 8, kFallbackL2Ways = 8, kUnknownWays = 8, kMaxKC = 512;

int round_down(long x, int to) { return int(x / to * to); }

// MP: the rows of the packed A panel that a quarter of L3 holds at this KC, in whole MC blocks.
int panel_rows(long l3, int kc, int mc) {
    const long s3 = l3 > 0 ? l3 : kFallbackL3;
    return std::max(mc, round_down(s3 / 4 / (4L * kc), mc));
}

}  // namespace

GemmBlocks derive_gemm_blocks(int mr, int nr, const CacheSizes& caches) {
    GemmBlocks b;
    const bool hidden = caches.l1d <= 0 || caches.l2 <= 0;
    const long s1 = caches.l1d > 0 ? caches.l1d : kFallbackL1;
    const long s2 = caches.l2 > 0 ? caches.l2 : kFallbackL2;
    const int w1 = caches.l1d > 0 ? (caches.l1d_ways > 0 ? caches.l1d_ways : kUnknownWays) : kFallbackL1Ways;
    const int w2 = caches.l2 > 0 ? (caches.l2_ways > 0 ? caches.l2_ways : kUnknownWays) : kFallbackL2Ways;
    const long way1 = s1 / w1, way2 = s2 / w2;

    const int ways_b = std::max(1, int((w1 - 1) / (1.0 + double(mr) / nr)));
    const int kc_l1 = round_down(ways_b * way1 / (4L * nr), 8);
    b.kc = std::max(8, std::min(kMaxKC, kc_l1));
    int ways_a = int((4L * mr * b.kc + way2 - 1) / way2);
    // A tiny or low-way L2 could leave the B block no way at all: halve KC until it has one.
    while (w2 - 1 - ways_a < 1 && b.kc > 8) {
        b.kc = std::max(8, round_down(b.kc / 2, 8));
        ways_a = int((4L * mr * b.kc + way2 - 1) / way2);
    }
    const int ways_nc = std::max(1, w2 - 1 - ways_a);
    b.nc = std::max(nr, round_down(ways_nc * way2 / (4L * b.kc), nr));
    b.mc = std::max(mr, round_down((1 + ways_a) * way2 / (4L * b.kc), mr));
    b.mp = panel_rows(caches.l3, b.kc, b.mc);

    b.source = hidden ? "fallback" : "derived";
    const long s3 = caches.l3 > 0 ? caches.l3 : kFallbackL3;
    char text[800];
    std::snprintf(text, sizeof text,
                  "L1d %ld KiB %d-way, L2 %ld KiB %d-way%s, L3 %ld KiB%s, micro-tile %dx%d\n"
                  "KC = floor((%d-1)/(1+%d/%d)) = %d ways x %ld B / (4 x %d) = %d%s\n"
                  "NC = (%d-1-%d) ways x %ld B / (4 x %d) = %d   (B block %d KiB in L2)\n"
                  "MC = (1+%d) ways x %ld B / (4 x %d) = %d   (A block %d KiB; A sliver %d KiB in L1)\n"
                  "MP = %ld KiB / 4 / (4 x %d) = %ld, in whole MC blocks %d   (A panel %d KiB in L3, kept when n > NC)",
                  s1 / 1024, w1, s2 / 1024, w2, hidden ? " (caches hidden: fallback)" : "", s3 / 1024,
                  caches.l3 > 0 ? "" : " (unknown: assumed)", mr, nr,
                  w1, mr, nr, ways_b, way1, nr, kc_l1,
                  kc_l1 == b.kc ? "" : (" -> " + std::to_string(b.kc) + " (KC is kept in 8..512)").c_str(), w2, ways_a, way2, b.kc, b.nc,
                  int(4L * b.kc * b.nc / 1024), ways_a, way2, b.kc, b.mc,
                  int(4L * b.mc * b.kc / 1024), int(4L * mr * b.kc / 1024), s3 / 1024, b.kc, s3 / 4 / (4L * b.kc), b.mp,
                  int(4L * b.mp * b.kc / 1024));
    b.arithmetic = text;
    return b;
}

namespace detail {

namespace {

// HW_GEMM_BLOCKS=mc,kc,nc[,mp], rounded to whole slivers (mp to whole MC blocks; from L3 when
// left out); false when unset.
bool blocks_from_environment(const MicroKernel& uk, GemmBlocks& b) {
    const char* text = std::getenv("HW_GEMM_BLOCKS");
    if (!text || !*text) return false;
    int mc = 0, kc = 0, nc = 0, mp = 0;
    char tail = 0;
    const long commas = std::count(text, text + std::strlen(text), ',');
    const bool four = commas == 3 && std::sscanf(text, "%d,%d,%d,%d%c", &mc, &kc, &nc, &mp, &tail) == 4;
    const bool three = commas == 2 && std::sscanf(text, "%d,%d,%d%c", &mc, &kc, &nc, &tail) == 3;
    if (!(three || four) || mc <= 0 || kc <= 0 || nc <= 0 || (four && mp <= 0) || mc > 1 << 16 ||
        kc > 1 << 16 || nc > 1 << 16 || mp > 1 << 20) {
        std::fprintf(stderr, "error: HW_GEMM_BLOCKS='%s': expected mc,kc,nc or mc,kc,nc,mp (positive integers)\n", text);
        std::exit(2);
    }
    b.mc = round_up(mc, uk.mr);
    b.kc = kc;
    b.nc = round_up(nc, uk.nr);
    b.mp = four ? round_up(mp, b.mc) : panel_rows(cache_sizes().l3, b.kc, b.mc);
    b.source = "HW_GEMM_BLOCKS";
    b.arithmetic = "HW_GEMM_BLOCKS=" + std::string(text) + " (mc rounded up to a multiple of " +
                   std::to_string(uk.mr) + ", nc of " + std::to_string(uk.nr) + ", mp of mc" +
                   (four ? "" : "; mp from L3") + ")";
    return true;
}

GemmBlocks blocks_for_machine(const MicroKernel& uk) {
    GemmBlocks b;
    if (!blocks_from_environment(uk, b)) b = derive_gemm_blocks(uk.mr, uk.nr, cache_sizes());
    return b;
}

}  // namespace

const GemmBlocks& kernel_blocks(const MicroKernel& uk) {
    static const GemmBlocks portable = blocks_for_machine(kPortableKernel),
                            avx2 = blocks_for_machine(kAvx2Kernel),
                            avx512 = blocks_for_machine(kAvx512Kernel);
    if (&uk == &kAvx512Kernel) return avx512;
    if (&uk == &kAvx2Kernel) return avx2;
    if (&uk == &kPortableKernel) return portable;
    // Any other descriptor (an exercise's own tile): derived once per MR×NR shape. std::map
    // never moves its nodes, so the reference stays valid while others are added.
    static std::mutex lock;
    static std::map<std::pair<int, int>, GemmBlocks> by_tile;
    const std::lock_guard<std::mutex> hold(lock);
    auto found = by_tile.find({uk.mr, uk.nr});
    if (found == by_tile.end()) found = by_tile.emplace(std::pair{uk.mr, uk.nr}, blocks_for_machine(uk)).first;
    return found->second;
}

}  // namespace detail

const GemmBlocks& gemm_blocks(const std::string& step) {
    if (step == "packed") return detail::kernel_blocks(detail::kPortableKernel);
    if (step == "avx2") return detail::kernel_blocks(detail::kAvx2Kernel);
    if (step == "avx512") return detail::kernel_blocks(detail::kAvx512Kernel);
    throw std::invalid_argument("gemm_blocks: no packed step called '" + step + "'");
}

std::string sgemm_step_name() {
    const detail::MicroKernel& uk = detail::sgemm_microkernel();
    return &uk == &detail::kAvx512Kernel ? "avx512" : &uk == &detail::kAvx2Kernel ? "avx2" : "packed";
}

}  // namespace hw
