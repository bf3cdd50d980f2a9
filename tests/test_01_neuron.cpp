// Chapter 01 tests: the neuron's forward pass, the perceptron rule, and the sigmoid neuron's
// gradient (checked against central finite differences).
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "handwritten/nn/neuron.hpp"

TEST_SUITE("01-neuron") {

TEST_CASE("forward pass is w·x + b through the activation") {
    hw::Neuron n{{0.5f, -2.0f, 1.0f}, 0.25f, hw::Activation::Identity};
    // 0.5*2 - 2*1 + 1*3 + 0.25 = 2.25
    CHECK(n.forward({2.0f, 1.0f, 3.0f}) == doctest::Approx(2.25f));
    n.activation = hw::Activation::Step;
    CHECK(n.forward({2.0f, 1.0f, 3.0f}) == 1.0f);
    CHECK(n.forward({0.0f, 1.0f, 0.0f}) == 0.0f);  // z = -1.75
    n.activation = hw::Activation::Sigmoid;
    CHECK(n.forward({2.0f, 1.0f, 3.0f}) == doctest::Approx(1.0 / (1.0 + std::exp(-2.25))));
    CHECK_THROWS_AS(n.forward({1.0f}), std::invalid_argument);
}

TEST_CASE("sigmoid is stable at extreme inputs") {
    CHECK(hw::sigmoid(0.0f) == 0.5f);
    CHECK(hw::sigmoid(100.0f) == 1.0f);
    CHECK(hw::sigmoid(-100.0f) >= 0.0f);
    CHECK(hw::sigmoid(-100.0f) < 1e-40f);
    CHECK(std::isfinite(hw::sigmoid(-1e4f)));
    CHECK(hw::sigmoid(-2.0f) == doctest::Approx(1.0f - hw::sigmoid(2.0f)));
}

TEST_CASE("truth tables") {
    const auto xor_rows = hw::truth_table("XOR");
    REQUIRE(xor_rows.size() == 4);
    CHECK(xor_rows[0].target == 0.0f);  // 0 0
    CHECK(xor_rows[1].target == 1.0f);  // 0 1
    CHECK(xor_rows[2].target == 1.0f);  // 1 0
    CHECK(xor_rows[3].target == 0.0f);  // 1 1
    CHECK_THROWS_AS(hw::truth_table("XNOR"), std::invalid_argument);
}

TEST_CASE("the perceptron rule learns AND, OR and NAND exactly") {
    for (const char* gate : {"AND", "OR", "NAND"}) {
        CAPTURE(gate);
        hw::Neuron n{{0.0f, 0.0f}, 0.0f, hw::Activation::Step};
        const auto data = hw::truth_table(gate);
        const auto result = hw::train_perceptron(n, data, 0.1f, 100);
        CHECK(result.converged);
        CHECK(result.trace.back().mistakes == 0);
        for (const auto& ex : data) CHECK(n.forward(ex.x) == ex.target);
    }
}

TEST_CASE("the perceptron's first update follows the rule by hand") {
    // AND from zero weights: rows (0,0) (0,1) (1,0) are predicted 0, correct; (1,1) is predicted
    // step(0) = 0 but wants 1, so w += 0.1*(1)*(1,1) and b += 0.1.
    hw::Neuron n{{0.0f, 0.0f}, 0.0f, hw::Activation::Step};
    const auto result = hw::train_perceptron(n, hw::truth_table("AND"), 0.1f, 1);
    REQUIRE(result.trace.size() == 1);
    CHECK(result.trace[0].mistakes == 1);
    CHECK(n.weights[0] == doctest::Approx(0.1f));
    CHECK(n.weights[1] == doctest::Approx(0.1f));
    CHECK(n.bias == doctest::Approx(0.1f));
}

TEST_CASE("the perceptron never converges on XOR") {
    hw::Neuron n{{0.0f, 0.0f}, 0.0f, hw::Activation::Step};
    const auto data = hw::truth_table("XOR");
    const auto result = hw::train_perceptron(n, data, 0.1f, 500);
    CHECK_FALSE(result.converged);
    CHECK(result.trace.size() == 500);
    int wrong = 0;
    for (const auto& ex : data) wrong += n.forward(ex.x) != ex.target;
    CHECK(wrong >= 1);  // no line classifies all four rows
}

TEST_CASE("sigmoid neuron gradient matches central finite differences") {
    hw::Neuron n{{0.3f, -0.7f}, 0.2f, hw::Activation::Sigmoid};
    const auto data = hw::truth_table("OR");
    const std::vector<float> analytic = hw::mse_gradient(n, data);
    // Central differences in float with h = 1e-3: truncation error O(h²) ≈ 1e-6 and rounding
    // ≈ eps·L/h ≈ 1e-7·0.3/1e-3 = 3e-5 — so we allow 1e-3 relative (+1e-5 absolute).
    const float h = 1e-3f;
    for (std::size_t i = 0; i <= n.weights.size(); ++i) {
        hw::Neuron plus = n, minus = n;
        float& p = i < n.weights.size() ? plus.weights[i] : plus.bias;
        float& m = i < n.weights.size() ? minus.weights[i] : minus.bias;
        p += h;
        m -= h;
        const float numeric =
            (hw::mean_squared_error(plus, data) - hw::mean_squared_error(minus, data)) / (2 * h);
        CAPTURE(i);
        CHECK(std::fabs(analytic[i] - numeric) <= 1e-3f * std::fabs(numeric) + 1e-5f);
    }
}

TEST_CASE("gradient descent makes the sigmoid neuron's loss fall and solves OR") {
    hw::Neuron n{{0.0f, 0.0f}, 0.0f, hw::Activation::Sigmoid};
    const auto data = hw::truth_table("OR");
    const auto losses = hw::train_sigmoid_neuron(n, data, 2.0f, 1000);
    REQUIRE(losses.size() == 1001);
    CHECK(losses.front() == doctest::Approx(0.25f));  // σ(0) = 0.5 everywhere: (0.5)² on average
    for (std::size_t e = 1; e < losses.size(); ++e) CHECK(losses[e] <= losses[e - 1]);
    CHECK(losses.back() < 0.005f);
    for (const auto& ex : data) CHECK(std::round(n.forward(ex.x)) == ex.target);
}

}  // TEST_SUITE
