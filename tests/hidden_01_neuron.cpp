// hidden_01_neuron.cpp — chapter 01's withheld checks (rubric: hidden). Student trees do not
// contain this file; the grader runs it on submission.
#include <doctest/doctest.h>

#include <vector>

#include "handwritten/nn/neuron.hpp"

TEST_SUITE("01-neuron") {

TEST_CASE("hidden: the perceptron learns a three-input majority vote") {
    // Linearly separable (x1 + x2 + x3 > 1.5), so the rule must converge; a rule that updates
    // the weights but forgets the bias (or the other way round) does not.
    std::vector<hw::Example> data;
    for (int bits = 0; bits < 8; ++bits) {
        const float a = bits & 1, b = (bits >> 1) & 1, c = (bits >> 2) & 1;
        data.push_back({{a, b, c}, a + b + c > 1.5f ? 1.0f : 0.0f});
    }
    hw::Neuron n{{0.0f, 0.0f, 0.0f}, 0.0f, hw::Activation::Step};
    const auto result = hw::train_perceptron(n, data, 0.25f, 200);
    CHECK(result.converged);
    for (const auto& ex : data) CHECK(n.forward(ex.x) == ex.target);
}

TEST_CASE("hidden: the squared-error gradient of a three-input neuron by hand") {
    // One example, y = σ(0) = 0.5, target 1: ∂L/∂z = (y − t)·y·(1 − y) = −0.125 (times the
    // chapter's 1/N = 1), so ∂L/∂w = −0.125·x and ∂L/∂b = −0.125.
    hw::Neuron n{{0.0f, 0.0f, 0.0f}, 0.0f, hw::Activation::Sigmoid};
    const std::vector<hw::Example> data = {{{1.0f, 2.0f, -1.0f}, 1.0f}};
    const std::vector<float> g = hw::mse_gradient(n, data);
    REQUIRE(g.size() == 4);
    const float dz = g[3];
    CHECK(dz < 0.0f);
    CHECK(g[0] == doctest::Approx(dz * 1.0f));
    CHECK(g[1] == doctest::Approx(dz * 2.0f));
    CHECK(g[2] == doctest::Approx(dz * -1.0f));
}

}  // TEST_SUITE
