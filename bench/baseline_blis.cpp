// baseline_blis.cpp — BLIS's typed API bli_sgemm behind the hw::sgemm signature. BLIS takes a
// row stride and a column stride per matrix, so row-major is (rs, cs) = (ld, 1).
#include "baselines.hpp"

#ifdef HW_HAVE_BLIS
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

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
std::string blis_kernel() { return bli_arch_string(bli_arch_query_id()); }

// BLIS_ARCH_TYPE forces a sub-configuration. BLIS 0.9 reads it as the number of the arch_t
// enum, which changes between versions, so a name ("haswell", "zen3", "skx") is translated here
// with this BLIS's own table. bli_init() must run before the first query: BLIS 0.9 aborts
// ("Accessed uninitialized context in gks") when the variable is read before its kernel table.
void init_blis() {
    const char* want = std::getenv("BLIS_ARCH_TYPE");
    if (want && *want && !std::isdigit(static_cast<unsigned char>(*want))) {
        for (int id = 0; id < BLIS_NUM_ARCHS; ++id)
            if (std::strcmp(bli_arch_string(static_cast<arch_t>(id)), want) == 0) {
                setenv("BLIS_ARCH_TYPE", std::to_string(id).c_str(), 1);
                break;
            }
    }
    bli_init();
}
}  // namespace

bench::Baseline bench::blis_baseline() {
    init_blis();
    return {"blis", blis_sgemm, blis_threads, "", blis_kernel};
}
#else
bench::Baseline bench::blis_baseline() {
    return {"blis", nullptr, nullptr,
            "BLIS baseline not built: apt-get install libblis-dev, then make bench", nullptr};
}
#endif
