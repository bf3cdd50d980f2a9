// gemm_kernels.hpp — every step of the GEMM walk, callable by name, plus a double reference.
//
// Each step lives in its own file under src/gemm/, named after the chapter that builds it, and
// has the very signature of hw::sgemm (see gemm.hpp for the row-major BLAS semantics), so tests
// check each one against the reference and the benchmark races them:
//
//   step              file                          idea
//   gemm_naive        src/gemm/step03_naive.cpp     i-j-k triple loop, a dot product per C element
//   gemm_ikj, ...     src/gemm/step03_reordered.cpp the other five loop orders (i-k-j streams rows)
//   gemm_blocked      src/gemm/step04_blocked.cpp   i-k-j over cache-sized tiles of B and C
//   gemm_packed       src/gemm/step05_packed.cpp    Goto/BLIS loop nest (loop_nest.cpp), packed
//                                                   panels, portable 4×8 register-blocked kernel
//   gemm_avx2         src/gemm/step06_avx2.cpp      same loop nest, 6×16 AVX2+FMA micro-kernel
//   gemm_avx512       src/gemm/step06_avx512.cpp    same loop nest, 12×32 AVX-512 micro-kernel
//   gemm_threaded     src/gemm/step07_threaded.cpp  the loop nest on slabs of C, one per thread
//   sgemm             src/gemm/sgemm.cpp            dispatcher: best kernel + threads (= "auto")
//
// Every step is single-threaded except gemm_threaded and sgemm, which use gemm_threads().
// sgemm additionally stays on one thread for products below kSgemmThreadingMinFlops, inside an
// OpenMP parallel region, and for a while after parallel calls found a core busy with another
// process (core/thread_policy.hpp). Results never depend on the thread count.
// gemm_avx2 / gemm_avx512 throw std::runtime_error on a CPU without the instructions; ask
// gemm_kernels() (the `supported` field) before calling them.
#pragma once
#include <string>
#include <vector>

#include "handwritten/core/machine.hpp"
#include "handwritten/core/thread_policy.hpp"
#include "handwritten/gemm/gemm.hpp"

namespace hw {

// One signature for every step (the same as hw::sgemm).
using GemmFn = void (*)(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A,
                        int lda, const float* B, int ldb, float beta, float* C, int ldc);

void gemm_naive(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc);
// The other loop orders (the name is the order of the loops, outermost first).
void gemm_ikj(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc);
void gemm_jik(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc);
void gemm_jki(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc);
void gemm_kij(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc);
void gemm_kji(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
              const float* B, int ldb, float beta, float* C, int ldc);
void gemm_blocked(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc);
void gemm_packed(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc);
void gemm_avx2(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc);
void gemm_avx512(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc);
void gemm_threaded(Op op_a, Op op_b, int m, int n, int k, float alpha, const float* A, int lda,
                   const float* B, int ldb, float beta, float* C, int ldc);

// The depth KC of gemm_blocked's tiles on this machine (NC = 512, MC = 64; step04_blocked.cpp
// derives KC from the L2 size).
int gemm_blocked_kc();

// The registry: every step in the order of the walk, then "auto" (= hw::sgemm).
struct GemmKernel {
    std::string name;         // "naive", "ikj", ..., "blocked", "packed", "avx2", "avx512",
                              // "threaded", "auto"
    GemmFn fn;
    bool supported;           // this CPU can run it
    bool threaded;            // uses gemm_threads() threads (else always one)
    bool slow;                // O(n³) with poor locality: keep n ≤ 512 in sweeps
    std::string description;  // one line for tables and --help
};
const std::vector<GemmKernel>& gemm_kernels();
// The kernel called `name`, or nullptr.
const GemmKernel* find_gemm_kernel(const std::string& name);

// What hw::sgemm runs on this CPU: the micro-kernel ("avx512-12x32", "avx2-6x16" or
// "portable-4x8"). The environment variable HW_SGEMM_KERNEL=avx512|avx2|portable forces one
// (ignored when the CPU cannot run it).
std::string sgemm_microkernel_name();
// The peak that micro-kernel can reach: the AVX2 one (peak_for_lanes(8)) when hw::sgemm runs
// avx2-6x16, the machine's widest (machine_peak()) otherwise. "% of peak" under
// HW_SGEMM_KERNEL=avx2 on an AVX-512 machine is a fraction of what AVX2 can do there.
const Peak& sgemm_peak();
// Below this many flops (2·m·n·k) hw::sgemm stays on the calling thread: a parallel region
// costs a few microseconds, more than a small product takes.
constexpr double kSgemmThreadingMinFlops = 2.0e6;

// The yardstick: C_out = alpha·op(A)·op(B) + beta·C_in computed in double precision
// (C_out is m×n, row stride ldo). When abs_out is not null it receives the error scale
//     abs_out[i,j] = |alpha|·Σ_p |op(A)[i,p]|·|op(B)[p,j]| + |beta|·|C_in[i,j]|
// that a rounding-error bound multiplies (see tests/test_03_gemm.cpp). C_in is not read when
// beta == 0 (it may be null then).
void sgemm_reference_f64(Op op_a, Op op_b, int m, int n, int k, double alpha, const float* A,
                         int lda, const float* B, int ldb, double beta, const float* C_in,
                         int ldc, double* C_out, int ldo, double* abs_out = nullptr);


}  // namespace hw
