// block_sizes.hpp — the cache blocks MC, KC, NC of the packed loop nest, derived from the caches
// of the machine the program runs on (chapter 05 explains the nest, chapter 06 prints them).
#pragma once
#include <string>

#include "handwritten/core/machine.hpp"

namespace hw {

struct GemmBlocks {
    int mc = 0, kc = 0, nc = 0;
    int mp = 0;              // rows of the packed A panel kept in L3 when n needs several NC blocks
    std::string source;      // "derived", "fallback" (caches hidden) or "HW_GEMM_BLOCKS"
    std::string arithmetic;  // the derivation with this machine's numbers, one line per block
};

// The derivation for an MR×NR micro-tile and these caches (block_sizes.cpp gives the formula).
// Pure: the tests call it with a table of machines. Unknown sizes (0) fall back to 32 KiB 8-way
// L1d, 256 KiB 8-way L2 and 4 MiB L3, small enough for any x86-64 of the last decade.
GemmBlocks derive_gemm_blocks(int mr, int nr, const CacheSizes& caches);

// The blocks the packed steps use on this machine for a micro-kernel step ("packed", "avx2",
// "avx512"): HW_GEMM_BLOCKS=mc,kc,nc[,mp] when set (mc rounded up to MR, nc to NR, mp to MC, and
// mp from L3 when left out; a malformed value stops the program with one line and exit code 2),
// else derive_gemm_blocks(cache_sizes()).
// Read once per step. Throws std::invalid_argument for another name.
const GemmBlocks& gemm_blocks(const std::string& step);
// The step hw::sgemm runs on this CPU ("avx512", "avx2" or "packed").
std::string sgemm_step_name();

}  // namespace hw
