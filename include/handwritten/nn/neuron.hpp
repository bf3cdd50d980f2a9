// neuron.hpp — chapter 01: one artificial neuron, the unit every later network is built from.
//
//     z = w · x + b            (pre-activation: a weighted sum plus a bias)
//     y = f(z)                 (activation: a step for the perceptron, a sigmoid later)
//
// Plain std::vector and loops on purpose: this chapter is about the idea, not speed.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace hw {

enum class Activation { Step, Sigmoid, Identity };

float sigmoid(float z);
float apply_activation(Activation f, float z);
const char* activation_name(Activation f);

struct Neuron {
    std::vector<float> weights;
    float bias = 0.0f;
    Activation activation = Activation::Step;

    // w · x + b. x must have weights.size() entries (std::invalid_argument otherwise).
    float pre_activation(const std::vector<float>& x) const;
    float forward(const std::vector<float>& x) const { return apply_activation(activation, pre_activation(x)); }
};

struct Example {
    std::vector<float> x;
    float target;
};

// The four rows of a two-input truth table for a named gate: "AND", "OR", "NAND", "XOR".
std::vector<Example> truth_table(const std::string& gate);

// ---- The perceptron learning rule (Rosenblatt, 1958) --------------------------------------
// For each example: error = target − step(w·x + b);  w += lr·error·x;  b += lr·error.
// It changes the weights only on mistakes, and stops after an epoch with none. When the
// classes are linearly separable it is guaranteed to stop (Novikoff, 1962); when they are
// not (XOR), it never will.
struct PerceptronEpoch {
    int epoch;
    int mistakes;
    std::vector<float> weights;
    float bias;
};
struct PerceptronResult {
    bool converged = false;
    std::vector<PerceptronEpoch> trace;  // one entry per epoch, after its updates
};
PerceptronResult train_perceptron(Neuron& neuron, const std::vector<Example>& data, float lr,
                                  int max_epochs);

// ---- A sigmoid neuron trained by gradient descent -----------------------------------------
// Loss: mean squared error L = 1/N Σ (y − t)², with y = σ(w·x + b).
// Chain rule: ∂L/∂w = 2/N Σ (y − t) · σ'(z) · x, with σ'(z) = y(1 − y); the same without x for b.
float mean_squared_error(const Neuron& neuron, const std::vector<Example>& data);
// One full-batch gradient step; returns the loss before the step.
float gradient_step(Neuron& neuron, const std::vector<Example>& data, float lr);
// Runs `epochs` steps and returns the loss before each step, followed by the final loss.
std::vector<float> train_sigmoid_neuron(Neuron& neuron, const std::vector<Example>& data, float lr,
                                        int epochs);

// Gradient of the MSE w.r.t. (w..., b), as the chain rule above gives it (for the tests'
// finite-difference check).
std::vector<float> mse_gradient(const Neuron& neuron, const std::vector<Example>& data);

}  // namespace hw
