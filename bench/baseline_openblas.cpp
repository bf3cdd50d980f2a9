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
// OpenBLAS picks its kernel at load time, from the CPU or from OPENBLAS_CORETYPE.
std::string openblas_kernel() { return openblas_get_corename(); }
}  // namespace

bench::Baseline bench::openblas_baseline() {
    return {"openblas", openblas_sgemm, openblas_threads, "", openblas_kernel};
}
#else
bench::Baseline bench::openblas_baseline() {
    return {"openblas", nullptr, nullptr,
            "OpenBLAS baseline not built: apt-get install libopenblas-dev, then make bench", nullptr};
}
#endif
