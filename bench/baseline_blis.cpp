// baseline_blis.cpp — BLIS's typed API bli_sgemm behind the hw::sgemm signature. BLIS takes a
// row stride and a column stride per matrix, so row-major is (rs, cs) = (ld, 1).
#include "baselines.hpp"

#ifdef HW_HAVE_BLIS
// blis.h trips -Wextra in its own inline functions; those are BLIS's, not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <blis.h>
#pragma GCC diagnostic pop

namespace {
void blis_sgemm(hw::Op oa, hw::Op ob, int m, int n, int k, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
    bli_sgemm(oa == hw::Op::N ? BLIS_NO_TRANSPOSE : BLIS_TRANSPOSE,
              ob == hw::Op::N ? BLIS_NO_TRANSPOSE : BLIS_TRANSPOSE, m, n, k, &alpha,
              const_cast<float*>(A), lda, 1, const_cast<float*>(B), ldb, 1, &beta, C, ldc, 1);
}
void blis_threads(int t) { bli_thread_set_num_threads(t); }
}  // namespace

bench::Baseline bench::blis_baseline() { return {"blis", blis_sgemm, blis_threads, ""}; }
#else
bench::Baseline bench::blis_baseline() {
    return {"blis", nullptr, nullptr,
            "BLIS baseline not built: apt-get install libblis-dev, then make bench"};
}
#endif
