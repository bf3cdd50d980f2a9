// baselines.hpp — the peer libraries the benchmark races against (bench only: the library and
// the chapters never link them). Each is compiled in only when its Debian -dev package is
// present (the Makefile defines HW_HAVE_OPENBLAS / HW_HAVE_BLIS); otherwise the functions
// below are null and the bench says how to install the package.
#pragma once
#include <string>

#include "handwritten/gemm/gemm_kernels.hpp"

namespace bench {

struct Baseline {
    const char* name;               // "openblas", "blis"
    hw::GemmFn fn;                  // null when not compiled in
    void (*set_threads)(int);       // the library's own thread-count setter
    const char* install_hint;       // printed when fn is null
    std::string (*kernel)();        // the kernel the library runs on this CPU (null when absent)
};

Baseline openblas_baseline();  // baseline_openblas.cpp
Baseline blis_baseline();      // baseline_blis.cpp

}  // namespace bench
