// hidden_02_matrix.cpp — chapter 02's withheld checks (rubric: hidden). Student trees do not
// contain this file; the grader runs it on submission.
#include <doctest/doctest.h>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"

TEST_SUITE("02-matrix") {

TEST_CASE("hidden: transpose and matvec against plain loops on odd shapes") {
    hw::Rng rng(3);
    for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{1, 1}, {1, 97}, {97, 1}, {33, 65}, {64, 31}}) {
        CAPTURE(rows);
        CAPTURE(cols);
        hw::Matrix m(rows, cols);
        m.fill_uniform(rng, -1, 1);
        const hw::Matrix t = m.transposed();
        REQUIRE(t.rows() == cols);
        bool same = true;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c) same = same && t(c, r) == m(r, c);
        CHECK(same);
        std::vector<float> x(cols), y(rows, 123.0f);
        for (float& v : x) v = rng.uniform(-1, 1);
        m.matvec(x.data(), y.data());
        for (std::size_t r = 0; r < rows; ++r) {
            double want = 0;
            for (std::size_t c = 0; c < cols; ++c) want += double(m(r, c)) * x[c];
            CHECK(y[r] == doctest::Approx(want).epsilon(1e-5));
        }
    }
}

TEST_CASE("hidden: element-wise operations touch every element of a large matrix") {
    hw::Matrix a(37, 41, 2.0f), b(37, 41, 3.0f);
    a += b;  // 5
    a -= hw::Matrix(37, 41, 1.0f);  // 4
    a *= 0.25f;  // 1
    a.hadamard_inplace(b);  // 3
    CHECK(a.sum() == doctest::Approx(3.0 * 37 * 41));
    CHECK(a.max_abs() == 3.0f);
    CHECK(a(36, 40) == 3.0f);
}

}  // TEST_SUITE
