// baseline_openblas.cpp — OpenBLAS cblas_sgemm behind the hw::sgemm signature.
// Its own file because OpenBLAS's cblas.h and BLIS's blis.h do not mix in one translation unit.
#include "baselines.hpp"

#ifdef HW_HAVE_OPENBLAS
#include <cblas.h>

namespace {
void openblas_sgemm(hw::Op oa, hw::Op ob, int m, int n, int k, float alpha, const float* A,
                    int lda, const float* B, int ldb, float beta, float* C, int ldc) {
    cblas_sgemm(CblasRowMajor, oa == hw::Op::N ? CblasNoTrans : CblasTrans,
                ob == hw::Op::N ? CblasNoTrans : CblasTrans, m, n, k, alpha, A, lda, B, ldb, beta,
                C, ldc);
}
void openblas_threads(int t) { openblas_set_num_threads(t); }
}  // namespace

// Not in cblas.h, but exported by libopenblas (it is what OpenBLAS runs before a fork): joins
// the pthread pool. The next call starts a fresh pool. OpenBLAS's idle workers spin for about
// 2^28 cycles (~70 ms here) after each call, long enough to take a core from the next contender.
extern "C" int blas_thread_shutdown_(void);
namespace {
void openblas_park() { blas_thread_shutdown_(); }
}  // namespace

bench::Baseline bench::openblas_baseline() {
    return {"openblas", openblas_sgemm, openblas_threads, openblas_park, ""};
}
#else
bench::Baseline bench::openblas_baseline() {
    return {"openblas", nullptr, nullptr, nullptr,
            "OpenBLAS baseline not built: apt-get install libopenblas-dev, then make bench"};
}
#endif
