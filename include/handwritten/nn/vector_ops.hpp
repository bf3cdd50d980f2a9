// vector_ops.hpp — the three matrix–vector kernels that per-sample training lives on
// (plus the element-wise sigmoid that follows them).
//
// One sample at a time, a dense layer never multiplies two matrices: it needs
//     matvec      y = W·x           W m×n, x: n → y: m    each output a dot product of a row with x
//     matvec_t    y = Wᵀ·x          W m×n, x: m → y: n    the rows of W scaled by x and summed
//     rank1       W += alpha·u·vᵀ   W m×n, u: m, v: n     row i of W gets alpha·u[i]·v added
// All matrices are row-major with row stride n (W[i*n + j]). matvec_t and rank1 SKIP rows whose
// scale factor (x[i], u[i]) is exactly zero: the result is the same (adding 0·w changes nothing),
// and an MNIST digit is ~81% zero pixels, so the first layer does a fifth of the work.
// The results of the two implementations differ in the last bits (the AVX2 one uses fused
// multiply-add and sums in another order); each is deterministic.
//
// Two implementations with the same semantics: a portable one (plain loops, any x86-64) and an
// AVX2+FMA one (src/nn/vector_ops_avx2.cpp, eight floats per instruction). The first call picks the
// AVX2 one when the CPU has it; HW_SIMD=portable in the environment, or set_vector_isa(), forces
// the portable one (to measure what SIMD buys, or to test both).
//
// What it is not: a BLAS. No strides other than n, no alpha/beta on matvec, no threads: these
// calls take microseconds, far less than waking a second thread.
#pragma once
#include <string>

namespace hw {

// y[0..m) = W[m×n] · x[0..n)
void matvec(const float* W, int m, int n, const float* x, float* y);
// y[0..n) = W[m×n]ᵀ · x[0..m) = Σ_i x[i]·W[i,:]  (rows with x[i] == 0 are skipped)
void matvec_t(const float* W, int m, int n, const float* x, float* y);
// W[m×n] += alpha · u[0..m) · v[0..n)ᵀ  (rows with u[i] == 0 are skipped)
void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v);

// v[i] = σ(v[i]) = 1 / (1 + e^(−v[i])) for i in [0, n). The AVX2 version evaluates e^x with a
// polynomial (relative error < 2e-7, see vector_ops_avx2.cpp) eight lanes at a time; the
// portable one calls std::exp. Either way the result is within 1e-6 of the exact value.
void sigmoid_inplace(float* v, int n);

// "avx2" or "portable": the implementation the calls above use.
std::string vector_isa();
// Force one ("avx2" or "portable"); returns false (and changes nothing) when this CPU cannot
// run the one asked for, or the name is unknown.
bool set_vector_isa(const std::string& name);

// The implementations themselves, for tests and benchmarks.
namespace portable {
void matvec(const float* W, int m, int n, const float* x, float* y);
void matvec_t(const float* W, int m, int n, const float* x, float* y);
void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v);
void sigmoid_inplace(float* v, int n);
}  // namespace portable
namespace avx2 {  // call only when the CPU supports AVX2 and FMA
void matvec(const float* W, int m, int n, const float* x, float* y);
void matvec_t(const float* W, int m, int n, const float* x, float* y);
void rank1_update(float* W, int m, int n, float alpha, const float* u, const float* v);
void sigmoid_inplace(float* v, int n);
}  // namespace avx2

}  // namespace hw
