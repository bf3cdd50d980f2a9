// test_06_simd.cpp — chapter 06 (SIMD micro-kernels): AVX2 6×16 and AVX-512 12×32, and the
// portable fallback behind the dispatcher. Kernels this CPU cannot run are skipped (and said so).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gemm_check.hpp"
#include "handwritten/gemm/microkernel.hpp"
#include "handwritten/gemm/pack.hpp"
#include "handwritten/gemm/tile_avx2.hpp"
#include "handwritten/gemm/tile_avx512.hpp"

namespace {

namespace d = hw::detail;
// Exercise 06-1's tiles: other template arguments of the same kernels, generic packers.
const d::MicroKernel kAvx2Tile4x24 = {"avx2-4x24", 4, 24, d::avx2_kernel<4, 3>, d::pack_a<4>, d::pack_b<24>, nullptr};
const d::MicroKernel kAvx512Tile14x32 = {"avx512-14x32", 14, 32, d::avx512_kernel<14, 2>, d::pack_a<14>, d::pack_b<32>,
                                         nullptr};
const d::MicroKernel kAvx512Tile6x64 = {"avx512-6x64", 6, 64, d::avx512_kernel<6, 4>, d::pack_a<6>, d::pack_b<64>, nullptr};

// A descriptor run through the serial nest, as a GemmFn the checks take.
template <const d::MicroKernel& UK>
void nest_with(hw::Op op_a, hw::Op op_b, int m, int n, int k, float alpha, const float* A, int lda, const float* B,
               int ldb, float beta, float* C, int ldc) {
    d::loop_nest(UK, op_a, op_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

// A float buffer whose data() starts on a cache line, optionally `offset` floats after one.
struct LineAligned {
    std::vector<float> storage;
    float* data;
    LineAligned(std::size_t count, float fill, int offset = 0) : storage(count + 16 + offset, fill) {
        const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
        data = reinterpret_cast<float*>((address + 63) / 64 * 64) + offset;
    }
};

// Sets HW_GEMM_IN_PLACE for one scope (null: unset), and restores what was there.
struct InPlaceEnv {
    std::string saved;
    bool had;
    explicit InPlaceEnv(const char* value) : had(std::getenv("HW_GEMM_IN_PLACE") != nullptr) {
        if (had) saved = std::getenv("HW_GEMM_IN_PLACE");
        if (value) setenv("HW_GEMM_IN_PLACE", value, 1);
        else unsetenv("HW_GEMM_IN_PLACE");
    }
    ~InPlaceEnv() {
        if (had) setenv("HW_GEMM_IN_PLACE", saved.c_str(), 1);
        else unsetenv("HW_GEMM_IN_PLACE");
    }
};

// C = alpha·op(A)·op(B) + beta·C through one descriptor's nest (threads 1: serial; 2: slabs).
std::vector<float> product(const d::MicroKernel& uk, int threads, hw::Op oa, hw::Op ob, int m, int n, int k,
                           float alpha, const float* A, int lda, const float* B, int ldb, float beta,
                           const std::vector<float>& C_in) {
    std::vector<float> C = C_in;
    if (threads == 1) d::loop_nest(uk, oa, ob, m, n, k, alpha, A, lda, B, ldb, beta, C.data(), n);
    else d::loop_nest_parallel(uk, threads, oa, ob, m, n, k, alpha, A, lda, B, ldb, beta, C.data(), n);
    return C;
}

}  // namespace

TEST_SUITE("06-simd") {
    TEST_CASE("avx2 and avx512 kernels against the reference") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            REQUIRE(k != nullptr);
            if (!k->supported) {
                MESSAGE((std::string(name) + " not supported on this CPU: skipped"));
                continue;
            }
            gemm_test::check_small_sweep(name, k->fn);
            gemm_test::check_large(name, k->fn);
        }
    }

    TEST_CASE("micro-tile edges: every m mod 12 and n mod 32") {
        using gemm_test::Case;
        using hw::Op;
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            for (int m = 1; m <= 25; m += 1)
                for (int n : {1, 8, 15, 16, 17, 31, 33, 47})
                    gemm_test::check_case(name, k->fn, Case{Op::N, Op::N, m, n, 9, 1.0f, 0.5f, 1});
        }
    }

    TEST_CASE("odd shapes 1, 7, 15, 16, 17, 33 through the SIMD steps (skinny paths included)") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            gemm_test::check_odd_shapes(name, k->fn);
        }
    }

    TEST_CASE("skinny products (n <= 16 take a separate path on AVX2 and on AVX-512)") {
        using gemm_test::Case;
        using hw::Op;
        for (const char* name : {"avx2", "avx512", "auto"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (!k->supported) continue;
            for (Op oa : {Op::N, Op::T})
                for (Op ob : {Op::N, Op::T})
                    for (int n = 1; n <= 17; ++n) {  // each column count has its own kernel
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 47, n, 33, 0.5f, -1.0f, 0});
                        gemm_test::check_case(name, k->fn, Case{oa, ob, 33, n, 1, 1.0f, 1.0f, 1});
                        if (n == 1 || n == 10 || n >= 15)
                            gemm_test::check_case(name, k->fn, Case{oa, ob, 300, n, 128, 1.0f, 0.0f, 2});
                    }
        }
    }

    TEST_CASE("the tile templates hold for other tiles: avx2 4x24, avx512 14x32 and 6x64 (exercise 06-1)") {
        using gemm_test::Case;
        using hw::Op;
        struct Tile {
            const d::MicroKernel& uk;
            hw::GemmFn fn;
            bool supported;
        };
        const Tile tiles[] = {{kAvx2Tile4x24, nest_with<kAvx2Tile4x24>, d::cpu_has_avx2_fma()},
                              {kAvx512Tile14x32, nest_with<kAvx512Tile14x32>, d::cpu_has_avx512()},
                              {kAvx512Tile6x64, nest_with<kAvx512Tile6x64>, d::cpu_has_avx512()}};
        for (const Tile& t : tiles) {
            if (!t.supported) {
                MESSAGE(t.uk.name, " not supported on this CPU: skipped");
                continue;
            }
            gemm_test::check_odd_shapes(t.uk.name, t.fn);
            for (int m = 1; m <= 2 * t.uk.mr + 1; ++m)  // every edge sliver of the tile, in both directions
                for (int n : {1, t.uk.nr - 1, t.uk.nr, t.uk.nr + 1, 2 * t.uk.nr + 3})
                    gemm_test::check_case(t.uk.name, t.fn, Case{Op::N, Op::N, m, n, 9, 1.0f, 0.5f, 1});
            gemm_test::check_case(t.uk.name, t.fn, Case{Op::T, Op::T, 301, 203, 517, 1.0f, 0.0f, 2});
        }
    }

    TEST_CASE("calling an unsupported SIMD kernel throws instead of crashing") {
        for (const char* name : {"avx2", "avx512"}) {
            const auto* k = hw::find_gemm_kernel(name);
            if (k->supported) continue;
            float a = 1, b = 1, c = 0;
            CHECK_THROWS(k->fn(hw::Op::N, hw::Op::N, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1));
        }
    }

    TEST_CASE("the dispatcher picks a micro-kernel this CPU can run") {
        const std::string name = hw::sgemm_microkernel_name();
        MESSAGE("hw::sgemm uses ", name);
        if (name.rfind("avx512", 0) == 0) CHECK(hw::find_gemm_kernel("avx512")->supported);
        else if (name.rfind("avx2", 0) == 0) CHECK(hw::find_gemm_kernel("avx2")->supported);
        else CHECK(name.rfind("portable", 0) == 0);
        // the best available one: AVX-512 when supported, else AVX2 — unless HW_SGEMM_KERNEL
        // forces a lower one (that is how the AVX2 and portable dispatch paths get tested here)
        if (std::getenv("HW_SGEMM_KERNEL") && *std::getenv("HW_SGEMM_KERNEL")) {
            MESSAGE("HW_SGEMM_KERNEL=", std::getenv("HW_SGEMM_KERNEL"), ": best-kernel check skipped");
        } else if (hw::find_gemm_kernel("avx512")->supported) {
            CHECK(name.rfind("avx512", 0) == 0);
        } else if (hw::find_gemm_kernel("avx2")->supported) {
            CHECK(name.rfind("avx2", 0) == 0);
        }
    }

    TEST_CASE("each vector width has its own peak, and hw::sgemm is judged against its kernel's") {
        const bool avx512 = hw::find_gemm_kernel("avx512")->supported, avx2 = hw::find_gemm_kernel("avx2")->supported;
        const hw::Peak& widest = hw::machine_peak();
        CHECK(&hw::peak_for_lanes(16) == &widest);
        CHECK(&hw::peak_for_lanes(64) == &widest);  // wider than any CPU has: the widest
        CHECK(widest.lanes == (avx512 ? 16 : avx2 ? 8 : 4));
        const hw::Peak& ymm = hw::peak_for_lanes(8);
        CHECK(ymm.lanes == (avx2 ? 8 : 4));
        CHECK(ymm.flops_per_cycle == doctest::Approx(ymm.lanes * 2 * ymm.fma_per_cycle));
        CHECK(ymm.gflops_per_core > 0);
        CHECK(hw::peak_for_lanes(4).isa == "SSE2");
        // The clock is measured separately for each width: two runs of the same loop, so
        // within a factor of two of each other even on a busy machine.
        CHECK(ymm.ghz > 0.5 * widest.ghz);
        CHECK(ymm.ghz < 2.0 * widest.ghz);
        const bool held_to_avx2 = hw::sgemm_microkernel_name().rfind("avx2", 0) == 0;
        CHECK(&hw::sgemm_peak() == (held_to_avx2 ? &ymm : &widest));
    }

    TEST_CASE("which operands are read in place: the rule's boundaries") {
        using hw::Op;
        const InPlaceEnv env(nullptr);
        const LineAligned B(784 * 1024, 0.0f), B_off(784 * 1024, 0.0f, 1);
        for (const d::MicroKernel* uk : {&d::kAvx2Kernel, &d::kAvx512Kernel}) {
            INFO(uk->name);
            // The MLP's dW = Xᵀ·dY (784×256, batch 128): A in place when 256 columns are at most
            // 8 B slivers (AVX-512's 32-wide ones; rows 3,136 bytes apart cycle through all 64 sets).
            // dY's rows, 1 KiB apart, cycle through 4 sets only: packed.
            const int max_n = d::kInPlaceMaxBSlivers * uk->nr, max_m = d::kInPlaceMaxASlivers * uk->mr;
            const d::InPlace dW = d::choose_in_place(*uk, Op::T, Op::N, 784, 256, 784, B.data, 256);
            CHECK(dW.a == (256 <= max_n));
            CHECK_FALSE(dW.b);
            CHECK(d::choose_in_place(*uk, Op::T, Op::N, 784, max_n, 784, B.data, 784).a);
            CHECK_FALSE(d::choose_in_place(*uk, Op::T, Op::N, 784, max_n + 1, 784, B.data, 784).a);
            CHECK_FALSE(d::choose_in_place(*uk, Op::T, Op::N, 784, 256, 1024, B.data, 784).a);  // one set
            CHECK_FALSE(d::choose_in_place(*uk, Op::T, Op::N, 784, 256, 256, B.data, 784).a);   // 4 sets
            CHECK_FALSE(d::choose_in_place(*uk, Op::T, Op::N, uk->mr - 1, 256, 784, B.data, 784).a);
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, 784, 256, 784, B.data, 784).a);
            // B (op N) in place: few enough rows of A, rows on cache lines that spread over L1.
            CHECK(d::choose_in_place(*uk, Op::N, Op::N, max_m, 784, 784, B.data, 784).b);
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, max_m + 1, 784, 784, B.data, 784).b);
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, 128, 784, 784, B_off.data, 784).b);  // off a line
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, 128, 784, 784, B.data, 792).b);  // rows off lines
            CHECK(d::choose_in_place(*uk, Op::N, Op::N, 128, 100, 784, B.data, 128).b);    // 512 B: 8 sets
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, 128, 100, 784, B.data, 256).b);  // 4 sets
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::T, 128, 784, 784, B.data, 784).b);
            CHECK_FALSE(d::choose_in_place(*uk, Op::N, Op::N, 128, uk->nr - 1, 784, B.data, 784).b);
        }
        // A kernel without the strided entry point packs everything; so does HW_GEMM_IN_PLACE=0.
        const d::InPlace portable = d::choose_in_place(d::kPortableKernel, Op::T, Op::N, 784, 256, 784, B.data, 784);
        CHECK_FALSE(portable.a);
        CHECK_FALSE(portable.b);
        const InPlaceEnv off("0");
        const d::InPlace forced = d::choose_in_place(d::kAvx2Kernel, Op::T, Op::N, 784, 256, 784, B.data, 784);
        CHECK_FALSE(forced.a);
        CHECK_FALSE(forced.b);
    }

    TEST_CASE("operands read in place give the packed nest's bits, within the reference's bound") {
        using hw::Op;
        struct Shape {
            Op oa, ob;
            int m, n, k, lda, ldb;
            bool a_in_place, b_in_place;
        };
        // Edge slivers in both directions (m and n not multiples of any MR or NR), k over several
        // KC blocks, rows padded past the matrix (lda > m, ldb > n) and B on 64-byte rows.
        const Shape shapes[] = {{Op::T, Op::N, 37, 70, 300, 40, 80, true, true},
                                {Op::T, Op::T, 100, 120, 1000, 100, 1000, true, false},
                                {Op::N, Op::N, 190, 100, 33, 40, 112, false, true},
                                {Op::N, Op::N, 13, 35, 700, 700, 48, false, true}};
        const InPlaceEnv env(nullptr);
        const double u = std::ldexp(1.0, -24);
        hw::Rng rng(5);
        for (const d::MicroKernel* uk : {&d::kAvx2Kernel, &d::kAvx512Kernel}) {
            if (!(uk == &d::kAvx2Kernel ? d::cpu_has_avx2_fma() : d::cpu_has_avx512())) {
                MESSAGE(uk->name, " not supported on this CPU: skipped");
                continue;
            }
            for (const Shape& s : shapes) {
                const int a_rows = s.oa == Op::N ? s.m : s.k, b_rows = s.ob == Op::N ? s.k : s.n;
                LineAligned A(std::size_t(a_rows) * s.lda, 0.0f), B(std::size_t(b_rows) * s.ldb, 0.0f);
                for (std::size_t i = 0; i < std::size_t(a_rows) * s.lda; ++i) A.data[i] = rng.uniform(-1, 1);
                for (std::size_t i = 0; i < std::size_t(b_rows) * s.ldb; ++i) B.data[i] = rng.uniform(-1, 1);
                const d::InPlace chosen = d::choose_in_place(*uk, s.oa, s.ob, s.m, s.n, s.lda, B.data, s.ldb);
                INFO(uk->name, " m=", s.m, " n=", s.n, " k=", s.k, " lda=", s.lda, " ldb=", s.ldb);
                REQUIRE(chosen.a == s.a_in_place);
                REQUIRE(chosen.b == s.b_in_place);
                for (const float beta : {0.0f, 0.5f}) {
                    std::vector<float> C_in(std::size_t(s.m) * s.n, std::numeric_limits<float>::quiet_NaN());
                    if (beta != 0.0f)
                        for (float& c : C_in) c = rng.uniform(-1, 1);
                    std::vector<float> packed;
                    {
                        const InPlaceEnv off("0");
                        packed = product(*uk, 1, s.oa, s.ob, s.m, s.n, s.k, 0.75f, A.data, s.lda, B.data, s.ldb,
                                         beta, C_in);
                    }
                    std::vector<double> ref(std::size_t(s.m) * s.n), mag(ref.size());
                    hw::sgemm_reference_f64(s.oa, s.ob, s.m, s.n, s.k, 0.75, A.data, s.lda, B.data, s.ldb, beta,
                                            C_in.data(), s.n, ref.data(), s.n, mag.data());
                    for (const int threads : {1, 2}) {
                        INFO("beta=", beta, " threads=", threads);
                        const std::vector<float> C = product(*uk, threads, s.oa, s.ob, s.m, s.n, s.k, 0.75f, A.data,
                                                             s.lda, B.data, s.ldb, beta, C_in);
                        CHECK(std::memcmp(C.data(), packed.data(), C.size() * sizeof(float)) == 0);
                        double worst = 0;  // |err| / (2(k+3)·u·Σ|a||b|), as gemm_check.hpp bounds it
                        for (std::size_t i = 0; i < C.size(); ++i)
                            worst = std::max(worst, std::fabs(C[i] - ref[i]) / (2.0 * (s.k + 3) * u * mag[i] + 1e-30));
                        CHECK(worst <= 1.0);
                    }
                }
            }
        }
    }
}
