// test_07_threads.cpp — chapter 07 (threads): gemm_threaded and hw::sgemm with 1 and 2 threads,
// slabs split both ways, calls from several threads at once, and the Matrix wrapper.
#include <omp.h>

#include <array>
#include <cstring>
#include <thread>
#include <vector>

#include "gemm_check.hpp"
#include "handwritten/core/matrix.hpp"

using gemm_test::Case;
using hw::Op;

namespace {
struct ThreadsGuard {  // restores the default thread count after a test
    ~ThreadsGuard() { hw::set_gemm_threads(0); }
};
}  // namespace

TEST_SUITE("07-threads") {
    TEST_CASE("threaded and auto with 1 and 2 threads") {
        ThreadsGuard guard;
        for (int t : {1, 2}) {
            hw::set_gemm_threads(t);
            CHECK(hw::gemm_threads() == t);
            for (const char* name : {"threaded", "auto"}) {
                const auto* k = hw::find_gemm_kernel(name);
                gemm_test::check_small_sweep(name, k->fn);
                // n ≥ m splits columns, n < m splits rows; both above the threading threshold
                gemm_test::check_case(name, k->fn, Case{Op::N, Op::N, 100, 333, 97, 1.0f, 0.0f, 1});
                gemm_test::check_case(name, k->fn, Case{Op::T, Op::N, 401, 61, 120, 0.5f, 1.0f, 0});
                gemm_test::check_case(name, k->fn, Case{Op::N, Op::T, 128, 256, 784, 1.0f, 0.0f, 0});
                gemm_test::check_case(name, k->fn, Case{Op::T, Op::T, 35, 40, 700, -2.0f, 0.25f, 2});
            }
        }
        gemm_test::check_large("auto", hw::sgemm);
    }

    TEST_CASE("odd shapes and skinny products on 1 and 2 threads (threaded splits even small ones)") {
        ThreadsGuard guard;
        for (int t : {1, 2}) {
            hw::set_gemm_threads(t);
            gemm_test::check_odd_shapes("threaded", hw::gemm_threaded);
            // skinny products big enough for sgemm itself to split (above 2 MFLOP)
            for (Op oa : {Op::N, Op::T})
                for (Op ob : {Op::N, Op::T})
                    for (int n : {1, 7, 15, 16, 17})
                        gemm_test::check_case("auto", hw::sgemm, Case{oa, ob, 1000, n, 129, 1.0f, 0.0f, 1});
        }
    }

    TEST_CASE("results do not depend on the thread count (bitwise)") {
        ThreadsGuard guard;
        hw::Rng rng(11);
        // The last three have k above every kernel's KC (the nest then adds KC-deep partial
        // sums into C) and n a little over one or two NR-wide slivers (16 for AVX2, 32 for
        // AVX-512), so a column split leaves a slab of n ≤ 16: it must still run the nest, not
        // the skinny path, whose sums over all of k round differently.
        for (const auto& d : {std::array<int, 3>{200, 300, 129}, std::array<int, 3>{500, 40, 77},
                              std::array<int, 3>{300, 10, 256}, std::array<int, 3>{6, 25, 3000},
                              std::array<int, 3>{8, 40, 3000}, std::array<int, 3>{20, 70, 1500}}) {
            const int m = d[0], n = d[1], k = d[2];
            std::vector<float> A(std::size_t(m) * k), B(std::size_t(k) * n), C1(std::size_t(m) * n),
                C2(std::size_t(m) * n);
            for (auto& x : A) x = rng.uniform(-1, 1);
            for (auto& x : B) x = rng.uniform(-1, 1);
            for (Op oa : {Op::N, Op::T})
                for (Op ob : {Op::N, Op::T}) {
                    const int lda = oa == Op::N ? k : m, ldb = ob == Op::N ? n : k;
                    hw::set_gemm_threads(1);
                    hw::gemm_threaded(oa, ob, m, n, k, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C1.data(), n);
                    hw::set_gemm_threads(2);
                    hw::gemm_threaded(oa, ob, m, n, k, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C2.data(), n);
                    INFO("m=", m, " n=", n, " k=", k, " op_a=", oa == Op::N ? "N" : "T", " op_b=", ob == Op::N ? "N" : "T");
                    CHECK(std::memcmp(C1.data(), C2.data(), C1.size() * sizeof(float)) == 0);
                }
        }
    }

    TEST_CASE("set_gemm_threads(0) restores the OpenMP default") {
        hw::set_gemm_threads(3);
        CHECK(hw::gemm_threads() == 3);
        hw::set_gemm_threads(0);
        CHECK(hw::gemm_threads() == omp_get_max_threads());
    }

    TEST_CASE("the back-off counters account for every call large enough to split") {
        ThreadsGuard guard;
        hw::Matrix A(96, 200), B(200, 160), C;  // 2·96·160·200 = 6.1 MFLOP: above the threshold
        hw::Rng rng(5);
        A.fill_uniform(rng, -1, 1);
        B.fill_uniform(rng, -1, 1);
        const auto calls = [] {
            const hw::BackoffStats s = hw::thread_policy::stats();
            return s.parallel_calls + s.solo_calls;
        };
        hw::set_gemm_threads(2);
        const int dynamic = omp_get_dynamic();
        omp_set_dynamic(0);  // OMP_DYNAMIC may shrink a team to one thread: then nothing is split
        long before = calls();
        for (int i = 0; i < 5; ++i) hw::matmul(A, Op::N, B, Op::N, C);
        // Each call ran in parallel or, during a back-off, solo: counted exactly once either way.
        CHECK(calls() - before == 5);
        hw::set_gemm_threads(1);  // one thread asked for: nothing to back off from, not counted
        before = calls();
        hw::matmul(A, Op::N, B, Op::N, C);
        CHECK(calls() == before);
        hw::set_gemm_threads(2);  // below kSgemmThreadingMinFlops: stays serial, not counted
        hw::Matrix a(8, 8), b(8, 8), c;
        before = calls();
        hw::matmul(a, Op::N, b, Op::N, c);
        CHECK(calls() == before);
        const hw::BackoffStats s = hw::thread_policy::stats();
        CHECK(s.backoffs <= s.parallel_calls);  // a back-off starts only after a parallel call
        omp_set_dynamic(dynamic);
    }

    TEST_CASE("sgemm is reentrant: two threads call it at once") {
        ThreadsGuard guard;
        hw::set_gemm_threads(2);
        bool ok[2] = {false, false};
        auto caller = [&ok](int t) {
            const Case c{t ? Op::T : Op::N, Op::N, 150 + t, 170, 180, 1.0f, 0.0f, t};
            const auto r = gemm_test::run_case(hw::sgemm, c, 100 + t);
            ok[t] = r.finite && r.worst_ratio <= 1.0 && r.padding_intact;
        };
        std::thread first(caller, 0), second(caller, 1);  // each may start its own OpenMP team
        first.join();
        second.join();
        CHECK(ok[0]);
        CHECK(ok[1]);
    }

    TEST_CASE("matmul wrapper: shapes, transposes, errors") {
        hw::Matrix A = hw::Matrix::from_rows({{1, 2, 3}, {4, 5, 6}});    // 2×3
        hw::Matrix B = hw::Matrix::from_rows({{1, 0}, {0, 1}, {1, 1}});  // 3×2
        hw::Matrix C = hw::matmul(A, B);
        REQUIRE(C.rows() == 2);
        REQUIRE(C.cols() == 2);
        CHECK(C(0, 0) == 4);
        CHECK(C(0, 1) == 5);
        CHECK(C(1, 0) == 10);
        CHECK(C(1, 1) == 11);
        hw::Matrix G;  // Aᵀ·A, 3×3
        hw::matmul(A, Op::T, A, Op::N, G);
        CHECK(G.rows() == 3);
        CHECK(G(0, 0) == 17);
        CHECK(G(2, 2) == 45);
        hw::Matrix bad;
        CHECK_THROWS_AS(hw::matmul(A, Op::N, A, Op::N, bad), std::invalid_argument);
    }
}
