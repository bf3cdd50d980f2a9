// kernels.cpp — the registry of GEMM steps, CPU feature detection, and the public entry
// points of the SIMD steps (which check the CPU before running any AVX code).
//
// This file is compiled WITHOUT SIMD flags: it must run on any x86-64, so it only calls into
// gemm_avx2.cpp / gemm_avx512.cpp after __builtin_cpu_supports has said yes.
#include <stdexcept>

#include "handwritten/gemm/gemm_kernels.hpp"
#include "microkernel.hpp"

namespace hw::detail {

bool cpu_has_avx2_fma() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

// gemm_avx512.cpp is compiled with -mavx512f/vl/bw/dq, so the compiler may use any of them.
bool cpu_has_avx512() {
    static const bool yes = __builtin_cpu_supports("avx512f") &&
                            __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512dq") && cpu_has_avx2_fma();
    return yes;
}

}  // namespace hw::detail

namespace hw {

void gemm_avx2(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc) {
    if (!detail::cpu_has_avx2_fma()) throw std::runtime_error("gemm_avx2: this CPU lacks AVX2/FMA");
    detail::loop_nest(detail::kAvx2Kernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C,
                      ldc);
}

void gemm_avx512(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
    if (!detail::cpu_has_avx512()) throw std::runtime_error("gemm_avx512: this CPU lacks AVX-512");
    detail::loop_nest(detail::kAvx512Kernel, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta,
                      C, ldc);
}

const std::vector<GemmKernel>& gemm_kernels() {
    static const std::vector<GemmKernel> kernels = {
        {"naive", gemm_naive, true, false, true, "i-j-k triple loop (step 0)"},
        {"ikj", gemm_ikj, true, false, false, "i-k-j loop order: unit-stride inner loop (step 1)"},
        {"kij", gemm_kij, true, false, false, "k-i-j loop order (step 1)"},
        {"jik", gemm_jik, true, false, true, "j-i-k loop order (step 1)"},
        {"jki", gemm_jki, true, false, true, "j-k-i loop order: column-stride inner loop (step 1)"},
        {"kji", gemm_kji, true, false, true, "k-j-i loop order (step 1)"},
        {"blocked", gemm_blocked, true, false, false, "i-k-j over cache tiles (step 2)"},
        {"packed", gemm_packed, true, false, false,
         "Goto/BLIS loop nest, packed panels, portable 4x8 micro-kernel (step 3)"},
        {"avx2", gemm_avx2, detail::cpu_has_avx2_fma(), false, false,
         "packed + 6x16 AVX2/FMA micro-kernel (step 4)"},
        {"avx512", gemm_avx512, detail::cpu_has_avx512(), false, false,
         "packed + 12x32 AVX-512 micro-kernel (step 4)"},
        {"threaded", gemm_threaded, true, true, false,
         "best micro-kernel, OpenMP slabs over gemm_threads() threads (step 5)"},
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
