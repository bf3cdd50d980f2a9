// registry.cpp — the registry of GEMM steps (one line per step of chapters 03–07) and the CPU
// feature checks the SIMD steps and the dispatcher ask before running any AVX code.
//
// This file is compiled WITHOUT SIMD flags: it must run on any x86-64.
#include <stdexcept>
#include <string>

#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/gemm/microkernel.hpp"

namespace hw::detail {

bool cpu_has_avx2_fma() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

// step06_avx512.cpp is compiled with -mavx512f/vl/bw/dq, so the compiler may use any of them.
bool cpu_has_avx512() {
    static const bool yes = __builtin_cpu_supports("avx512f") &&
                            __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512dq") && cpu_has_avx2_fma();
    return yes;
}

void throw_cpu_lacks(const char* step, const char* what) {
    throw std::runtime_error(std::string(step) + ": this CPU lacks " + what);
}

}  // namespace hw::detail

namespace hw {

const std::vector<GemmKernel>& gemm_kernels() {
    static const std::vector<GemmKernel> kernels = {
        {"naive", gemm_naive, true, false, true, "i-j-k triple loop (chapter 03)"},
        {"ikj", gemm_ikj, true, false, false, "i-k-j loop order: unit-stride inner loop (chapter 03)"},
        {"kij", gemm_kij, true, false, false, "k-i-j loop order (chapter 03)"},
        {"jik", gemm_jik, true, false, true, "j-i-k loop order (chapter 03)"},
        {"jki", gemm_jki, true, false, true, "j-k-i loop order: column-stride inner loop (chapter 03)"},
        {"kji", gemm_kji, true, false, true, "k-j-i loop order (chapter 03)"},
        {"blocked", gemm_blocked, true, false, false, "i-k-j over cache tiles (chapter 04)"},
        {"packed", gemm_packed, true, false, false,
         "Goto/BLIS loop nest, packed panels, portable 4x8 micro-kernel (chapter 05)"},
        {"avx2", gemm_avx2, detail::cpu_has_avx2_fma(), false, false,
         "packed + 6x16 AVX2/FMA micro-kernel (chapter 06)"},
        {"avx512", gemm_avx512, detail::cpu_has_avx512(), false, false,
         "packed + 12x32 AVX-512 micro-kernel (chapter 06)"},
        {"threaded", gemm_threaded, true, true, false,
         "best micro-kernel, OpenMP slabs over gemm_threads() threads (chapter 07)"},
        {"auto", sgemm, true, true, false, "hw::sgemm: best kernel, threads above a size threshold"},
    };
    return kernels;
}

const GemmKernel* find_gemm_kernel(const std::string& name) {
    for (const auto& kern : gemm_kernels())
        if (kern.name == name) return &kern;
    return nullptr;
}

}  // namespace hw
