// flush_denormals.cpp — FlushDenormalsScope: set MXCSR's FTZ and DAZ bits, restore them after.
#include "handwritten/core/flush_denormals.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace hw {

#if defined(__x86_64__) || defined(__i386__)
namespace {
constexpr unsigned kFlushToZero = 0x8000;       // MXCSR bit 15: subnormal results become 0
constexpr unsigned kDenormalsAreZero = 0x0040;  // MXCSR bit 6: subnormal operands read as 0
}  // namespace

FlushDenormalsScope::FlushDenormalsScope() : saved_control_(_mm_getcsr()) {
    _mm_setcsr(saved_control_ | kFlushToZero | kDenormalsAreZero);
}

FlushDenormalsScope::~FlushDenormalsScope() { _mm_setcsr(saved_control_); }
#else
// Other architectures keep IEEE subnormals; the scope does nothing there.
FlushDenormalsScope::FlushDenormalsScope() = default;
FlushDenormalsScope::~FlushDenormalsScope() = default;
#endif

}  // namespace hw
