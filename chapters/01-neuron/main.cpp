// Chapter 01 — the neuron. Trains a perceptron on AND, OR, NAND; watches it fail on XOR and
// says why; then trains a sigmoid neuron by gradient descent and prints the falling loss.
#include <algorithm>
#include <cstdio>
#include <string>

#include "handwritten/app/cli.hpp"
#include "handwritten/nn/neuron.hpp"

namespace {

hw::Neuron print_perceptron_run(const std::string& gate, float lr, int max_epochs, bool verbose) {
    hw::Neuron neuron{{0.0f, 0.0f}, 0.0f, hw::Activation::Step};
    const auto data = hw::truth_table(gate);
    const hw::PerceptronResult result = hw::train_perceptron(neuron, data, lr, max_epochs);

    std::printf("\n== %s ==\n", gate.c_str());
    for (const auto& e : result.trace)
        if (verbose || e.epoch <= 6 || &e == &result.trace.back())
            std::printf("  epoch %3d  mistakes %d  w = (%+.2f, %+.2f)  b = %+.2f\n", e.epoch,
                        e.mistakes, e.weights[0], e.weights[1], e.bias);
        else if (e.epoch == 7)
            std::printf("  ...\n");
    if (result.converged) {
        std::printf("  converged after %zu epochs. Truth table of the trained neuron:\n",
                    result.trace.size());
        for (const auto& ex : data)
            std::printf("    %g %g -> %g (want %g)\n", ex.x[0], ex.x[1], neuron.forward(ex.x), ex.target);
    } else {
        std::printf("  did NOT converge in %d epochs: every epoch still makes %d mistake(s).\n",
                    max_epochs, result.trace.back().mistakes);
    }
    return neuron;
}

void explain_xor() {
    std::printf(
        "\nWhy XOR fails: a step neuron outputs 1 exactly when w1*x1 + w2*x2 + b > 0, a straight\n"
        "line through the plane. XOR needs\n"
        "    (0,0) -> 0:  b <= 0\n"
        "    (1,0) -> 1:  w1 + b > 0\n"
        "    (0,1) -> 1:  w2 + b > 0\n"
        "    (1,1) -> 0:  w1 + w2 + b <= 0\n"
        "Adding the middle two gives w1 + w2 + 2b > 0, so w1 + w2 + b > -b >= 0, contradicting\n"
        "the last line. No line separates XOR's 1s from its 0s: it is not linearly separable.\n"
        "A second layer fixes it: XOR(a, b) = AND(OR(a, b), NAND(a, b)).\n");
}

// Two layers of the neurons trained above: hidden = (OR, NAND), output = AND of the two.
void print_two_layer_xor(const hw::Neuron& or_n, const hw::Neuron& nand_n, const hw::Neuron& and_n) {
    std::printf("Wiring the trained OR, NAND and AND neurons into two layers:\n");
    for (const auto& ex : hw::truth_table("XOR")) {
        const std::vector<float> hidden = {or_n.forward(ex.x), nand_n.forward(ex.x)};
        std::printf("    %g %g -> hidden (%g, %g) -> %g (want %g)\n", ex.x[0], ex.x[1], hidden[0],
                    hidden[1], and_n.forward(hidden), ex.target);
    }
}

void print_sigmoid_run(float lr, int epochs) {
    // A tiny problem: OR, learned by a sigmoid neuron with gradient descent on the MSE.
    hw::Neuron neuron{{0.0f, 0.0f}, 0.0f, hw::Activation::Sigmoid};
    const auto data = hw::truth_table("OR");
    std::printf("\n== sigmoid neuron, gradient descent on OR (lr %g, %d epochs) ==\n", lr, epochs);
    const std::vector<float> losses = hw::train_sigmoid_neuron(neuron, data, lr, epochs);
    // Every one of the first ten steps, then every tenth of the run, ending on the last.
    std::vector<int> shown;
    for (int e = 0; e <= std::min(10, epochs); ++e) shown.push_back(e);
    for (int tenth = 1; tenth <= 10; ++tenth)
        if (epochs * tenth / 10 > 10) shown.push_back(epochs * tenth / 10);
    for (int e : shown) {
        const int bar = static_cast<int>(losses[e] / losses[0] * 40.0f + 0.5f);
        std::printf("  epoch %4d  loss %.5f  %s\n", e, losses[e], std::string(bar, '*').c_str());
    }
    std::printf("  learned w = (%.3f, %.3f), b = %.3f\n", neuron.weights[0], neuron.weights[1], neuron.bias);
    for (const auto& ex : data)
        std::printf("    %g %g -> %.3f (want %g)\n", ex.x[0], ex.x[1], neuron.forward(ex.x), ex.target);
}

}  // namespace

int main(int argc, char** argv) {
    float lr = 0.1f, sigmoid_lr = 2.0f;
    int max_epochs = 100, sigmoid_epochs = 1000;
    bool verbose = false;
    hw::Cli cli("01-neuron", "A single neuron: the perceptron rule on logic gates, then a sigmoid "
                             "neuron trained by gradient descent.");
    cli.option("--lr", lr, "perceptron learning rate")
        .option("--max-epochs", max_epochs, "perceptron epochs before giving up")
        .option("--sigmoid-lr", sigmoid_lr, "gradient-descent learning rate of the sigmoid neuron")
        .option("--sigmoid-epochs", sigmoid_epochs, "gradient-descent steps of the sigmoid neuron")
        .flag("--verbose", verbose, "print every perceptron epoch");
    cli.parse(argc, argv);
    cli.check(lr > 0, "--lr must be positive");
    cli.check(max_epochs > 0, "--max-epochs must be positive");
    cli.check(sigmoid_lr > 0, "--sigmoid-lr must be positive");
    cli.check(sigmoid_epochs >= 10, "--sigmoid-epochs must be at least 10");

    std::printf("Perceptron rule: w += lr*(target - output)*x,  b += lr*(target - output)  (lr %g)\n", lr);
    const hw::Neuron and_n = print_perceptron_run("AND", lr, max_epochs, verbose);
    const hw::Neuron or_n = print_perceptron_run("OR", lr, max_epochs, verbose);
    const hw::Neuron nand_n = print_perceptron_run("NAND", lr, max_epochs, verbose);
    print_perceptron_run("XOR", lr, max_epochs, verbose);
    explain_xor();
    print_two_layer_xor(or_n, nand_n, and_n);
    print_sigmoid_run(sigmoid_lr, sigmoid_epochs);
    return 0;
}
