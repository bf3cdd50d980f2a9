#include "handwritten/nn/neuron.hpp"

#include <cmath>
#include <stdexcept>

namespace hw {

float sigmoid(float z) {
    // Written so that exp never overflows: for z < 0 use e^z / (1 + e^z).
    if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
    const float e = std::exp(z);
    return e / (1.0f + e);
}

float apply_activation(Activation f, float z) {
    switch (f) {
        case Activation::Step: return z > 0.0f ? 1.0f : 0.0f;
        case Activation::Sigmoid: return sigmoid(z);
        case Activation::Identity: return z;
    }
    return z;
}

const char* activation_name(Activation f) {
    switch (f) {
        case Activation::Step: return "step";
        case Activation::Sigmoid: return "sigmoid";
        case Activation::Identity: return "identity";
    }
    return "?";
}

float Neuron::pre_activation(const std::vector<float>& x) const {
    if (x.size() != weights.size())
        throw std::invalid_argument("Neuron: input has " + std::to_string(x.size()) +
                                    " values, the neuron has " + std::to_string(weights.size()) +
                                    " weights");
    float z = bias;
    for (std::size_t i = 0; i < x.size(); ++i) z += weights[i] * x[i];
    return z;
}

std::vector<Example> truth_table(const std::string& gate) {
    auto out = [&](bool a, bool b) -> float {
        if (gate == "AND") return a && b;
        if (gate == "OR") return a || b;
        if (gate == "NAND") return !(a && b);
        if (gate == "XOR") return a != b;
        throw std::invalid_argument("truth_table: unknown gate '" + gate + "'");
    };
    std::vector<Example> rows;
    for (int a = 0; a <= 1; ++a)
        for (int b = 0; b <= 1; ++b) rows.push_back({{float(a), float(b)}, out(a, b)});
    return rows;
}

PerceptronResult train_perceptron(Neuron& neuron, const std::vector<Example>& data, float lr,
                                  int max_epochs) {
    PerceptronResult result;
    for (int epoch = 1; epoch <= max_epochs; ++epoch) {
        int mistakes = 0;
        for (const auto& ex : data) {
            const float error = ex.target - apply_activation(Activation::Step, neuron.pre_activation(ex.x));
            if (error == 0.0f) continue;
            ++mistakes;
            // BEGIN SOLUTION 01 the perceptron rule: move w and b towards the target on a mistake
            for (std::size_t i = 0; i < ex.x.size(); ++i) neuron.weights[i] += lr * error * ex.x[i];
            neuron.bias += lr * error;
            // END SOLUTION
        }
        result.trace.push_back({epoch, mistakes, neuron.weights, neuron.bias});
        if (mistakes == 0) {
            result.converged = true;
            break;
        }
    }
    return result;
}

float mean_squared_error(const Neuron& neuron, const std::vector<Example>& data) {
    float sum = 0.0f;
    for (const auto& ex : data) {
        const float diff = sigmoid(neuron.pre_activation(ex.x)) - ex.target;
        sum += diff * diff;
    }
    return sum / static_cast<float>(data.size());
}

std::vector<float> mse_gradient(const Neuron& neuron, const std::vector<Example>& data) {
    std::vector<float> grad(neuron.weights.size() + 1, 0.0f);  // weights..., then bias
    const float scale = 2.0f / static_cast<float>(data.size());
    for (const auto& ex : data) {
        // BEGIN SOLUTION 01 the gradient of the squared error for one example
        const float y = sigmoid(neuron.pre_activation(ex.x));
        const float delta = scale * (y - ex.target) * y * (1.0f - y);  // ∂L/∂z for this example
        for (std::size_t i = 0; i < ex.x.size(); ++i) grad[i] += delta * ex.x[i];
        grad.back() += delta;
        // END SOLUTION
    }
    return grad;
}

float gradient_step(Neuron& neuron, const std::vector<Example>& data, float lr) {
    const float loss = mean_squared_error(neuron, data);
    const std::vector<float> grad = mse_gradient(neuron, data);
    for (std::size_t i = 0; i < neuron.weights.size(); ++i) neuron.weights[i] -= lr * grad[i];
    neuron.bias -= lr * grad.back();
    return loss;
}

std::vector<float> train_sigmoid_neuron(Neuron& neuron, const std::vector<Example>& data, float lr,
                                        int epochs) {
    std::vector<float> losses;
    for (int e = 0; e < epochs; ++e) losses.push_back(gradient_step(neuron, data, lr));
    losses.push_back(mean_squared_error(neuron, data));
    return losses;
}

}  // namespace hw
