// sigmoid_network.cpp — forward, backward and update of the per-sample sigmoid network.
//
// Shapes (H = hidden units, 10 outputs, weights stored inputs × outputs):
//   x: 784   W1: 784×H   z1 = W1ᵀx + b1: H   h = σ(z1): H
//            W2: H×10    z2 = W2ᵀh + b2: 10  o = σ(z2): 10
#include "handwritten/nn/sigmoid_network.hpp"


#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "handwritten/data/idx.hpp"
#include "handwritten/core/progress.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/nn/vector_ops.hpp"

namespace hw {

namespace {

void add_bias(float* v, const Matrix& b, bool use_bias) {
    if (!use_bias) return;
    for (std::size_t i = 0; i < b.cols(); ++i) v[i] += b.data()[i];
}

// The loss of one sample: ½‖o − t‖², or the cross-entropy −Σ t·log o + (1−t)·log(1−o)
// (outputs clamped away from 0 and 1 so that a saturated sigmoid gives a large loss, not inf).
float sample_loss(const std::string& loss, const float* o, const float* t, int n) {
    float sum = 0;
    if (loss == "cross-entropy") {
        for (int k = 0; k < n; ++k) {
            const float ok = std::clamp(o[k], 1e-7f, 1.0f - 1e-7f);
            sum -= t[k] * std::log(ok) + (1.0f - t[k]) * std::log(1.0f - ok);
        }
        return sum;
    }
    for (int k = 0; k < n; ++k) sum += (o[k] - t[k]) * (o[k] - t[k]);
    return 0.5f * sum;
}

// The two backward steps shared by gradients() and train_sample():
//   δo = ∂loss/∂z2 = (o − t) ⊙ o ⊙ (1 − o)   for the squared error            [10]
//   δh = ∂loss/∂z1 = (W2 δo) ⊙ h ⊙ (1 − h)     W2: H×10, δo: 10 → [H]
void output_delta(const std::string& loss, const float* o, const float* t, int n, float* delta_o) {
    if (loss == "cross-entropy") {
        // Exercise 09-1: derive δo for the cross-entropy (the o(1 − o) of the sigmoid cancels).
        // BEGIN SOLUTION 09 exercise 1: the output delta of the cross-entropy
        for (int k = 0; k < n; ++k) delta_o[k] = o[k] - t[k];
        // ELSE
        // for (int k = 0; k < n; ++k) delta_o[k] = 0.0f;
        // END SOLUTION
        return;
    }
    // BEGIN SOLUTION 09 the output delta of the squared error
    for (int k = 0; k < n; ++k) delta_o[k] = (o[k] - t[k]) * o[k] * (1.0f - o[k]);
    // END SOLUTION
}

void hidden_delta(const Matrix& W2, const float* h, const float* delta_o, float* delta_h) {
    const int H = static_cast<int>(W2.rows()), outputs = static_cast<int>(W2.cols());
    // BEGIN SOLUTION 09 backprop: the hidden delta
    matvec(W2.data(), H, outputs, delta_o, delta_h);  // ∂loss/∂h = W2 · δo
    for (int j = 0; j < H; ++j) delta_h[j] *= h[j] * (1.0f - h[j]);
    // END SOLUTION
}

}  // namespace

SigmoidNetwork::SigmoidNetwork(const SigmoidNetworkConfig& config, Rng& rng)
    : config_(config),
      w1_(config.inputs, config.hidden),
      w2_(config.hidden, config.outputs),
      b1_(1, config.hidden),
      b2_(1, config.outputs) {
    if (config.inputs <= 0 || config.hidden <= 0 || config.outputs <= 0)
        throw std::invalid_argument("SigmoidNetwork: layer sizes must be positive");
    if (config.loss != "squared" && config.loss != "cross-entropy")
        throw std::invalid_argument("SigmoidNetwork: unknown loss '" + config.loss + "'");
    if (config.init == "uniform") {
        w1_.fill_uniform(rng, -0.5f, 0.5f);
        w2_.fill_uniform(rng, -0.5f, 0.5f);
    } else if (config.init == "normal") {
        // The book's choice: standard deviation 1/√(number of inputs to the layer), so every
        // z starts with variance ≈ (mean of x²) — small enough to stay off the sigmoid's flats.
        w1_.fill_normal(rng, 0.0f, 1.0f / std::sqrt(float(config.inputs)));
        w2_.fill_normal(rng, 0.0f, 1.0f / std::sqrt(float(config.hidden)));
    } else {
        throw std::invalid_argument("SigmoidNetwork: unknown init '" + config.init + "'");
    }
}

void SigmoidNetwork::forward(const float* x, float* h, float* o) const {
    const int I = config_.inputs, H = config_.hidden, O = config_.outputs;
    matvec_t(w1_.data(), I, H, x, h);  // z1 = W1ᵀ x   (784×H)ᵀ · 784 → H
    add_bias(h, b1_, config_.bias);
    sigmoid_inplace(h, H);
    matvec_t(w2_.data(), H, O, h, o);  // z2 = W2ᵀ h   (H×10)ᵀ · H → 10
    add_bias(o, b2_, config_.bias);
    sigmoid_inplace(o, O);
}

void SigmoidNetwork::target(int label, float* t) const {
    for (int k = 0; k < config_.outputs; ++k) t[k] = k == label ? config_.target_on : config_.target_off;
}

void SigmoidNetwork::gradients(const float* x, int label, SigmoidGradients& g) const {
    const int I = config_.inputs, H = config_.hidden, O = config_.outputs;
    std::vector<float> h(H), o(O), t(O), delta_o(O), delta_h(H);
    forward(x, h.data(), o.data());
    target(label, t.data());
    output_delta(config_.loss, o.data(), t.data(), O, delta_o.data());
    hidden_delta(w2_, h.data(), delta_o.data(), delta_h.data());
    // ∂loss/∂W2 = h δoᵀ (H×10), ∂loss/∂W1 = x δhᵀ (784×H), ∂loss/∂b = δ.
    g.W1 = Matrix(I, H);
    g.W2 = Matrix(H, O);
    rank1_update(g.W1.data(), I, H, 1.0f, x, delta_h.data());
    rank1_update(g.W2.data(), H, O, 1.0f, h.data(), delta_o.data());
    g.b1 = Matrix(1, H);
    g.b2 = Matrix(1, O);
    if (config_.bias) {
        std::copy(delta_h.begin(), delta_h.end(), g.b1.data());
        std::copy(delta_o.begin(), delta_o.end(), g.b2.data());
    }
}

float SigmoidNetwork::train_sample(const float* x, int label, float lr) {
    const int I = config_.inputs, H = config_.hidden, O = config_.outputs;
    h_.resize(H);  // no-ops after the first sample
    o_.resize(O);
    target_.resize(O);
    delta_o_.resize(O);
    delta_h_.resize(H);
    forward(x, h_.data(), o_.data());
    target(label, target_.data());
    const float loss = sample_loss(config_.loss, o_.data(), target_.data(), O);
    output_delta(config_.loss, o_.data(), target_.data(), O, delta_o_.data());
    // δh needs W2 as it was in the forward pass, so it comes before W2's update.
    hidden_delta(w2_, h_.data(), delta_o_.data(), delta_h_.data());
    // W -= lr · ∂loss/∂W, as rank-1 updates (they skip the zero pixels of x).
    // BEGIN SOLUTION 09 the SGD step: W -= lr·(input ⊗ delta), b -= lr·delta
    rank1_update(w2_.data(), H, O, -lr, h_.data(), delta_o_.data());  // W2: H×10
    rank1_update(w1_.data(), I, H, -lr, x, delta_h_.data());           // W1: 784×H
    if (config_.bias) {
        for (int k = 0; k < O; ++k) b2_.data()[k] -= lr * delta_o_[k];
        for (int j = 0; j < H; ++j) b1_.data()[j] -= lr * delta_h_[j];
    }
    // END SOLUTION
    return loss;
}

int SigmoidNetwork::predict(const float* x) const {
    std::vector<float> h(config_.hidden), o(config_.outputs);
    forward(x, h.data(), o.data());
    return static_cast<int>(std::max_element(o.begin(), o.end()) - o.begin());
}

Matrix SigmoidNetwork::predict_all(const Matrix& X) const {
    if (X.cols() != static_cast<std::size_t>(config_.inputs))
        throw std::invalid_argument("predict_all: inputs have " + std::to_string(X.cols()) +
                                    " columns, the network expects " +
                                    std::to_string(config_.inputs));
    Matrix out(X.rows(), config_.outputs);
    std::vector<float> h(config_.hidden);
    for (std::size_t r = 0; r < X.rows(); ++r) forward(X.row(r), h.data(), out.row(r));
    return out;
}

std::string config_value(const std::string& config, const std::string& key) {
    std::istringstream in(config);
    std::string word;
    while (in >> word)
        if (word.size() > key.size() && word.compare(0, key.size(), key) == 0 &&
            word[key.size()] == '=')
            return word.substr(key.size() + 1);
    return "";
}

ModelFile SigmoidNetwork::to_model_file(const std::string& extra_config) const {
    std::ostringstream cfg;
    cfg << "inputs=" << config_.inputs << " hidden=" << config_.hidden
        << " outputs=" << config_.outputs << " bias=" << (config_.bias ? "on" : "off")
        << " init=" << config_.init << " target_on=" << config_.target_on
        << " target_off=" << config_.target_off << " loss=" << config_.loss;
    if (!extra_config.empty()) cfg << ' ' << extra_config;
    ModelFile f;
    f.kind = "sigmoid-mlp";
    f.config = cfg.str();
    f.tensors.push_back({"W1", w1_.clone()});
    f.tensors.push_back({"W2", w2_.clone()});
    f.tensors.push_back({"b1", b1_.clone()});
    f.tensors.push_back({"b2", b2_.clone()});
    return f;
}

SigmoidNetwork SigmoidNetwork::from_model_file(const ModelFile& file) {
    if (file.kind != "sigmoid-mlp")
        throw ModelFileError("this is a '" + file.kind +
                             "' model; chapter 09 needs a 'sigmoid-mlp' model");
    auto number = [&](const std::string& key) {
        const std::string v = config_value(file.config, key);
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0')
            throw ModelFileError("model config lacks a valid '" + key + "' (config: \"" +
                                 file.config + "\")");
        return d;
    };
    SigmoidNetwork net;
    SigmoidNetworkConfig& c = net.config_;
    c.inputs = static_cast<int>(number("inputs"));
    c.hidden = static_cast<int>(number("hidden"));
    c.outputs = static_cast<int>(number("outputs"));
    if (c.inputs <= 0 || c.hidden <= 0 || c.outputs <= 0 || c.inputs > 1 << 24 ||
        c.hidden > 1 << 24 || c.outputs > 1 << 16)
        throw ModelFileError("model config has implausible layer sizes: \"" + file.config + "\"");
    c.bias = config_value(file.config, "bias") == "on";
    c.init = config_value(file.config, "init");
    c.target_on = static_cast<float>(number("target_on"));
    c.target_off = static_cast<float>(number("target_off"));
    const std::string loss = config_value(file.config, "loss");  // absent in older files: squared
    if (!loss.empty() && loss != "squared" && loss != "cross-entropy")
        throw ModelFileError("model config has an unknown loss '" + loss + "'");
    if (!loss.empty()) c.loss = loss;
    net.w1_ = file.get("W1", c.inputs, c.hidden).clone();
    net.w2_ = file.get("W2", c.hidden, c.outputs).clone();
    net.b1_ = file.get("b1", 1, c.hidden).clone();
    net.b2_ = file.get("b2", 1, c.outputs).clone();
    return net;
}

EpochResult train_epoch(SigmoidNetwork& net, const LabeledSet& train, float lr, Rng& rng,
                        ProgressBar* bar) {
    std::vector<std::size_t> order(train.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    rng.shuffle(order);
    EpochResult result;
    double loss_sum = 0;
    Stopwatch clock;
    const double cpu_start = thread_cpu_seconds();
    const std::size_t row_bytes = train.images.cols() * sizeof(float);
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t i = order[k];
        // The shuffled order jumps around a 188 MB matrix, which no hardware prefetcher can
        // follow; we know the next image, so ask for its cache lines while this one trains.
        if (k + 1 < order.size()) {
            const char* next = reinterpret_cast<const char*>(train.images.row(order[k + 1]));
            for (std::size_t line = 0; line < row_bytes; line += 64) __builtin_prefetch(next + line);
        }
        loss_sum += net.train_sample(train.images.row(i), train.labels[i], lr);
        if (bar && (k & 1023) == 0) {
            char suffix[48];
            std::snprintf(suffix, sizeof suffix, "loss %.4f", loss_sum / double(k + 1));
            bar->update(k, suffix);
        }
    }
    result.seconds = clock.seconds();
    result.cpu_seconds = thread_cpu_seconds() - cpu_start;
    result.mean_loss = order.empty() ? 0.0 : loss_sum / double(order.size());
    return result;
}

}  // namespace hw
