// sigmoid_network.hpp — the classic 784-H-10 sigmoid network, trained one sample at a time.
//
// The network of "Make Your Own Neural Network" and of countless NumPy tutorials:
//
//     h = σ(W1ᵀ x + b1)        x: 784 inputs     W1: 784×H    h: H hidden activations
//     o = σ(W2ᵀ h + b2)        h: H              W2: H×10     o: 10 outputs, one per digit
//     loss = ½ ‖o − t‖²        t: the one-hot target (or 0.01 / 0.99, the book's targets)
//                              (or the cross-entropy, config.loss; chapter 09's exercise 1)
//
// Storage convention: a weight matrix is stored inputs × outputs ("W[i][j] = weight from input
// i to output j"), so row i holds every weight LEAVING input i. Then the forward pass adds up
// the rows of W scaled by the inputs (hw::matvec_t), the update adds δ times each input to
// that input's row (hw::rank1_update) — both walk contiguous rows and both skip the rows of
// the ~80% of pixels that are zero. The biases are optional (--bias on); the book has none.
//
// Training is plain stochastic gradient descent with batch size 1: forward, backward, update,
// next sample. It is inherently sequential (sample k+1 needs the weights sample k produced), so
// it runs on one thread.
//
// What it is not: a general network. Chapter 10 builds layers of any size on GEMM; this file is
// the per-sample baseline that chapter is measured against.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"
#include "handwritten/nn/model_file.hpp"

namespace hw {

class Rng;
class ProgressBar;
struct LabeledSet;

struct SigmoidNetworkConfig {
    int inputs = 784, hidden = 100, outputs = 10;
    bool bias = false;
    // "uniform": U(-0.5, 0.5) (the NumPy tutorial); "normal": N(0, 1/√fan_in) (the book).
    std::string init = "uniform";
    // Target for the right class and for the others: 1/0 (one-hot) or the book's 0.99/0.01.
    float target_on = 1.0f, target_off = 0.0f;
    // "squared": ½‖o − t‖² (the book's); "cross-entropy": −Σ t·log o + (1−t)·log(1−o), whose
    // output delta is chapter 09's exercise 1.
    std::string loss = "squared";
};

// Gradients of the loss for one sample, same shapes as the parameters.
struct SigmoidGradients {
    Matrix W1, W2, b1, b2;  // inputs×H, H×outputs, 1×H, 1×outputs
};

class SigmoidNetwork {
public:
    // Weights drawn from `rng` per config.init; biases zero.
    SigmoidNetwork(const SigmoidNetworkConfig& config, Rng& rng);

    const SigmoidNetworkConfig& config() const { return config_; }
    Matrix& W1() { return w1_; }
    Matrix& W2() { return w2_; }
    Matrix& b1() { return b1_; }
    Matrix& b2() { return b2_; }
    const Matrix& W1() const { return w1_; }
    const Matrix& W2() const { return w2_; }
    const Matrix& b1() const { return b1_; }
    const Matrix& b2() const { return b2_; }

    // h (H floats) and o (outputs floats) for one input x (inputs floats).
    void forward(const float* x, float* hidden, float* output) const;
    // The target vector for a label: target_on at the label, target_off elsewhere.
    void target(int label, float* t) const;
    // Gradients of the loss (config.loss) with respect to every parameter, changing nothing.
    void gradients(const float* x, int label, SigmoidGradients& g) const;
    // One step of SGD on one sample: forward, backward, W -= lr·∂loss/∂W. Returns the
    // sample's loss before the step.
    float train_sample(const float* x, int label, float lr);

    int predict(const float* x) const;
    // Outputs for every row of X (N×inputs) → N×outputs. Used for accuracy and mistakes.
    Matrix predict_all(const Matrix& X) const;

    // Model files: kind "sigmoid-mlp"; tensors W1, W2, b1, b2; `extra_config` is appended to
    // the config text (e.g. "scale=unit") and read back by the caller from file.config.
    ModelFile to_model_file(const std::string& extra_config = "") const;
    // Throws hw::ModelFileError when the file holds another kind of model or the shapes
    // disagree with the config it records.
    static SigmoidNetwork from_model_file(const ModelFile& file);

private:
    SigmoidNetwork() = default;
    SigmoidNetworkConfig config_;
    Matrix w1_, w2_, b1_, b2_;
    // Workspace for train_sample, reused so a step never allocates.
    std::vector<float> h_, o_, target_, delta_o_, delta_h_;
};

// A value "key=value" from a config text like "hidden=100 bias=off scale=unit"; "" if absent.
std::string config_value(const std::string& config, const std::string& key);

struct EpochResult {
    double mean_loss = 0;  // average per-sample loss seen during the epoch (before each step)
    double seconds = 0;      // wall time of the training loop alone
    double cpu_seconds = 0;  // CPU time of this thread in the loop: on a busy machine, the
                             // part of the wall time that was really ours
};

// One pass over `train` in the order given by a fresh shuffle from `rng`. `bar` (optional) is
// updated as it goes.
EpochResult train_epoch(SigmoidNetwork& net, const LabeledSet& train, float lr, Rng& rng,
                        ProgressBar* bar = nullptr);

}  // namespace hw
