// Chapter 02 tests: hw::Matrix layout, alignment, moves and clones, and every operation
// against values computed by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"

TEST_SUITE("02-matrix") {

TEST_CASE("row-major layout and zero fill") {
    hw::Matrix m(2, 3);
    CHECK(m.rows() == 2);
    CHECK(m.cols() == 3);
    CHECK(m.size() == 6);
    for (std::size_t i = 0; i < m.size(); ++i) CHECK(m.data()[i] == 0.0f);
    m(1, 2) = 7.0f;
    CHECK(m.data()[1 * 3 + 2] == 7.0f);
    CHECK(m.row(1)[2] == 7.0f);
}

TEST_CASE("storage is 64-byte aligned for every shape") {
    for (std::size_t n : {1u, 3u, 17u, 64u, 1000u}) {
        hw::Matrix m(n, n + 1);
        CHECK(reinterpret_cast<std::uintptr_t>(m.data()) % 64 == 0);
    }
}

TEST_CASE("from_rows, at() bounds checks") {
    hw::Matrix m = hw::Matrix::from_rows({{1, 2, 3}, {4, 5, 6}});
    CHECK(m.at(0, 0) == 1.0f);
    CHECK(m.at(1, 2) == 6.0f);
    CHECK_THROWS_AS(m.at(2, 0), std::out_of_range);
    CHECK_THROWS_AS(m.at(0, 3), std::out_of_range);
    CHECK_THROWS_AS(hw::Matrix::from_rows({{1, 2}, {3}}), std::invalid_argument);
    CHECK_THROWS_AS(hw::Matrix(std::numeric_limits<std::size_t>::max() / 2, 4), std::length_error);
}

TEST_CASE("copies are explicit, moves hand over the buffer") {
    static_assert(!std::is_copy_constructible_v<hw::Matrix>);
    static_assert(!std::is_copy_assignable_v<hw::Matrix>);
    static_assert(std::is_nothrow_move_constructible_v<hw::Matrix>);
    static_assert(std::is_nothrow_move_assignable_v<hw::Matrix>);

    hw::Matrix a(3, 4, 2.5f);
    const float* buffer = a.data();
    hw::Matrix b = std::move(a);
    CHECK(b.data() == buffer);
    CHECK(b.rows() == 3);
    CHECK(a.rows() == 0);  // moved-from: a valid empty matrix
    CHECK(a.empty());

    hw::Matrix c = b.clone();
    CHECK(c.data() != b.data());
    CHECK(max_abs_diff(b, c) == 0.0f);
    c(0, 0) = -1.0f;
    CHECK(b(0, 0) == 2.5f);  // the clone is independent

    hw::Matrix d(1, 1);
    d = std::move(c);
    CHECK(d.rows() == 3);
    CHECK(d(0, 0) == -1.0f);
}

TEST_CASE("transpose") {
    hw::Matrix m = hw::Matrix::from_rows({{1, 2, 3}, {4, 5, 6}});
    hw::Matrix t = m.transposed();
    REQUIRE(t.rows() == 3);
    REQUIRE(t.cols() == 2);
    CHECK(t(0, 1) == 4.0f);
    CHECK(t(2, 0) == 3.0f);
    // Larger than the 32×32 blocking, and not a multiple of it.
    hw::Rng rng(1);
    hw::Matrix big(70, 45);
    big.fill_uniform(rng, -1, 1);
    hw::Matrix bt = big.transposed();
    for (std::size_t r = 0; r < big.rows(); ++r)
        for (std::size_t c = 0; c < big.cols(); ++c) CHECK(bt(c, r) == big(r, c));
    CHECK(max_abs_diff(bt.transposed(), big) == 0.0f);
}

TEST_CASE("element-wise operations") {
    hw::Matrix a = hw::Matrix::from_rows({{1, 2}, {3, 4}});
    hw::Matrix b = hw::Matrix::from_rows({{10, 20}, {30, 40}});
    hw::Matrix sum = a + b;
    CHECK(sum(1, 1) == 44.0f);
    hw::Matrix diff = b - a;
    CHECK(diff(0, 1) == 18.0f);
    hw::Matrix prod = hadamard(a, b);
    CHECK(prod(1, 0) == 90.0f);
    a *= 0.5f;
    CHECK(a(1, 1) == 2.0f);
    a.apply([](float v) { return v * v; });
    CHECK(a(1, 1) == 4.0f);
    CHECK(b.sum() == 100.0f);
    CHECK(hw::Matrix::from_rows({{-7, 3}}).max_abs() == 7.0f);
    hw::Matrix wrong(3, 2);
    CHECK_THROWS_AS(a += wrong, std::invalid_argument);
    CHECK_THROWS_AS(hadamard(a, wrong), std::invalid_argument);
}

TEST_CASE("matrix-vector product") {
    hw::Matrix a = hw::Matrix::from_rows({{1, 2, 3}, {4, 5, 6}});
    const float x[3] = {1, 0, -1};
    float y[2] = {99, 99};
    a.matvec(x, y);
    CHECK(y[0] == -2.0f);
    CHECK(y[1] == -2.0f);
}

TEST_CASE("seeded random fill is reproducible and has the right moments") {
    hw::Rng r1(123), r2(123), r3(124);
    hw::Matrix a(200, 200), b(200, 200), c(200, 200);
    a.fill_normal(r1, 0.0f, 2.0f);
    b.fill_normal(r2, 0.0f, 2.0f);
    c.fill_normal(r3, 0.0f, 2.0f);
    CHECK(max_abs_diff(a, b) == 0.0f);
    CHECK(max_abs_diff(a, c) > 0.0f);
    // 40000 samples: the mean's standard error is 2/200 = 0.01, so |mean| < 0.05 is 5 sigma.
    const double mean = a.sum() / a.size();
    double var = 0;
    for (std::size_t i = 0; i < a.size(); ++i) var += (a.data()[i] - mean) * (a.data()[i] - mean);
    var /= a.size();
    CHECK(std::fabs(mean) < 0.05);
    CHECK(var == doctest::Approx(4.0).epsilon(0.05));

    hw::Matrix u(100, 100);
    u.fill_uniform(r1, -0.5f, 0.5f);
    float lo = 1, hi = -1;
    for (std::size_t i = 0; i < u.size(); ++i) lo = std::min(lo, u.data()[i]), hi = std::max(hi, u.data()[i]);
    CHECK(lo >= -0.5f);
    CHECK(hi < 0.5f);
    CHECK(lo < -0.49f);
    CHECK(hi > 0.49f);
}

TEST_CASE("Rng: below() stays in range and shuffle is a permutation") {
    hw::Rng rng(5);
    int counts[3] = {0, 0, 0};
    for (int i = 0; i < 3000; ++i) ++counts[rng.below(3)];
    for (int c : counts) CHECK(c > 900);
    std::vector<int> v(50);
    for (int i = 0; i < 50; ++i) v[i] = i;
    rng.shuffle(v);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; ++i) CHECK(sorted[i] == i);
    CHECK(v != sorted);
}

TEST_CASE("printing elides large matrices") {
    hw::Matrix m(20, 20, 1.0f);
    std::ostringstream os;
    m.print(os, 1, 4, 4);
    const std::string s = os.str();
    CHECK(s.find("Matrix 20x20") != std::string::npos);
    CHECK(s.find("...") != std::string::npos);
}

}  // TEST_SUITE
