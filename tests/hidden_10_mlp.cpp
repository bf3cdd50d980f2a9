// hidden_10_mlp.cpp — chapter 10's withheld checks (rubric: hidden). Student trees do not
// contain this file; the grader runs it on submission.
#include <doctest/doctest.h>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/nn/dense.hpp"

TEST_SUITE("10-mlp") {

TEST_CASE("hidden: Dense on a batch of one: dW is the outer product x·dyᵀ, dX = W·dy") {
    hw::Dense dense(3, 2);
    dense.weights() = hw::Matrix::from_rows({{1, 2}, {3, 4}, {5, 6}});
    dense.bias() = hw::Matrix::from_rows({{0.5f, -0.5f}});
    const hw::Matrix X = hw::Matrix::from_rows({{1, -1, 2}});
    hw::Matrix Y, dX;
    dense.forward(X, Y, true);
    CHECK(Y(0, 0) == doctest::Approx(1 - 3 + 10 + 0.5));
    CHECK(Y(0, 1) == doctest::Approx(2 - 4 + 12 - 0.5));
    const hw::Matrix dY = hw::Matrix::from_rows({{1, 10}});
    dense.backward(dY, dX);
    const hw::Matrix& dW = dense.weight_grad();
    CHECK(dW(0, 1) == doctest::Approx(10));   // x0·dy1
    CHECK(dW(1, 0) == doctest::Approx(-1));   // x1·dy0
    CHECK(dW(2, 1) == doctest::Approx(20));   // x2·dy1
    CHECK(dX(0, 0) == doctest::Approx(21));   // W row 0 · dy
    CHECK(dX(0, 2) == doctest::Approx(65));   // W row 2 · dy
}

}  // TEST_SUITE
