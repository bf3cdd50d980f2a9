// sequential.cpp — building an MLP from a layer list, running it, saving and loading it.
#include "handwritten/nn/sequential.hpp"

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "handwritten/core/number_list.hpp"
#include "handwritten/nn/dropout_layer.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/relu.hpp"
#include "handwritten/nn/sigmoid.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"

namespace hw {

// ---------------------------------------------------------------- MlpSpec

std::string layer_list(const std::vector<int>& sizes) {
    std::string out;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(sizes[i]);
    }
    return out;
}

namespace {
std::string rate_list(const std::vector<float>& rates) {
    std::string out;
    for (std::size_t i = 0; i < rates.size(); ++i) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%g", i ? "," : "", rates[i]);
        out += buf;
    }
    return out;
}
std::vector<float> parse_rate_list(const std::string& text) {
    std::vector<float> rates = parse_float_list(text);
    if (rates.empty()) throw std::invalid_argument("malformed dropout rate list '" + text + "'");
    return rates;
}
}  // namespace

float MlpSpec::dropout_after_hidden(std::size_t hidden_index) const {
    if (dropout.empty()) return 0.0f;
    return dropout.size() == 1 ? dropout[0] : dropout.at(hidden_index);
}

std::string MlpSpec::to_config() const {
    std::string config = "layers=" + layer_list(sizes) + " activation=" + activation;
    bool any_dropout = false;
    for (float r : dropout) any_dropout = any_dropout || r > 0;
    if (any_dropout) config += " dropout=" + rate_list(dropout);
    if (input_dropout > 0) config += " input_dropout=" + rate_list({input_dropout});
    return config;
}

void MlpSpec::validate() const {
    if (sizes.size() < 2)
        throw std::invalid_argument("a layer list needs at least an input and an output size, got '" +
                                    layer_list(sizes) + "'");
    for (int s : sizes)
        if (s <= 0) throw std::invalid_argument("layer sizes must be positive, got '" + layer_list(sizes) + "'");
    if (activation != "relu" && activation != "sigmoid")
        throw std::invalid_argument("unknown activation '" + activation + "' (expected relu or sigmoid)");
    const std::size_t hidden = sizes.size() - 2;
    if (dropout.size() > 1 && dropout.size() != hidden)
        throw std::invalid_argument("dropout needs one rate, or one per hidden layer (" +
                                    std::to_string(hidden) + "), got '" + rate_list(dropout) + "'");
    for (float r : dropout)
        if (!(r >= 0 && r < 1)) throw std::invalid_argument("dropout rates must be in [0, 1), got " + rate_list(dropout));
    if (!(input_dropout >= 0 && input_dropout < 1))
        throw std::invalid_argument("input dropout must be in [0, 1)");
}

MlpSpec MlpSpec::from_config(const std::string& config) {
    MlpSpec spec;
    bool have_layers = false;
    std::istringstream in(config);
    std::string item;
    while (in >> item) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("config item '" + item + "' is not key=value");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "layers") {
            spec.sizes = parse_int_list(value);
            if (spec.sizes.empty()) throw std::invalid_argument("config has a malformed layer list '" + value + "'");
            have_layers = true;
        } else if (key == "activation") {
            spec.activation = value;
        } else if (key == "dropout") {
            spec.dropout = parse_rate_list(value);
        } else if (key == "input_dropout") {
            const std::vector<float> r = parse_rate_list(value);
            if (r.size() != 1) throw std::invalid_argument("input_dropout takes one rate, got '" + value + "'");
            spec.input_dropout = r[0];
        }
    }
    if (!have_layers) throw std::invalid_argument("config '" + config + "' has no layers=...");
    spec.validate();
    return spec;
}

// ---------------------------------------------------------------- building

Sequential::Sequential(const MlpSpec& spec, Rng& rng) : spec_(spec) {
    spec.validate();
    input_shape_ = Shape{spec.sizes.front()};
    const std::size_t n_dense = spec.sizes.size() - 1;
    // Every Dense layer is initialised first, so the weights are the same with or without
    // dropout; the dropout masks then get their own seeds from the same Rng.
    std::vector<std::unique_ptr<Dense>> dense;
    for (std::size_t i = 0; i < n_dense; ++i) {
        dense.push_back(std::make_unique<Dense>(spec.sizes[i], spec.sizes[i + 1], static_cast<int>(i)));
        dense.back()->initialize(spec.init, rng);
    }
    bool any_dropout = spec.input_dropout > 0;
    for (std::size_t i = 0; i + 1 < n_dense; ++i) any_dropout = any_dropout || spec.dropout_after_hidden(i) > 0;
    Rng dropout_seeds(any_dropout ? rng.next_u64() : 0);
    if (spec.input_dropout > 0) add(std::make_unique<Dropout>(spec.input_dropout, dropout_seeds.next_u64()));
    for (std::size_t i = 0; i < n_dense; ++i) {
        add(std::move(dense[i]));
        const bool last = i + 1 == n_dense;  // the last Dense outputs logits: no activation
        if (!last) {
            if (spec.activation == "relu") add(std::make_unique<Relu>());
            else add(std::make_unique<Sigmoid>());
            if (spec.dropout_after_hidden(i) > 0)
                add(std::make_unique<Dropout>(spec.dropout_after_hidden(i), dropout_seeds.next_u64()));
        }
    }
}

void Sequential::add(std::unique_ptr<Layer> layer) {
    // ∂loss/∂(input) is only needed when some earlier layer has parameters to train: the first
    // layer's dX feeds nothing (nor does a parameter-free layer in front of it, e.g. dropout).
    bool params_before = false;
    for (const auto& earlier : layers_) params_before = params_before || earlier->parameter_count() > 0;
    layer->set_input_grad_needed(params_before);
    if (input_shape_.empty()) {
        const std::optional<Shape> fixed = layer->fixed_input_shape();
        if (!fixed)
            throw std::logic_error("Sequential: the first layer (" + layer->name() +
                                   ") takes any shape; construct the network with its input shape");
        input_shape_ = *fixed;
    }
    shapes_.push_back(layer->output_shape(output_shape()));  // throws when the layer does not fit
    layers_.push_back(std::move(layer));
    outputs_.resize(layers_.size());
    grads_.resize(layers_.size());
}

// ---------------------------------------------------------------- forward / backward

const Matrix& Sequential::forward(const Matrix& X, bool training) {
    if (layers_.empty()) throw std::logic_error("Sequential: forward on an empty network");
    // X: B×in → outputs_[0] → outputs_[1] → ... → outputs_.back(): B×classes (logits)
    const Matrix* input = &X;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        layers_[i]->forward(*input, outputs_[i], training);
        input = &outputs_[i];
    }
    return outputs_.back();
}

void Sequential::backward(const Matrix& dLogits) {
    // Walk the layers in reverse: each turns ∂loss/∂(its output) into ∂loss/∂(its input),
    // filling its parameter gradients on the way. grads_[i] is ∂loss/∂(input of layer i).
    const Matrix* upstream = &dLogits;
    for (std::size_t i = layers_.size(); i-- > 0;) {
        layers_[i]->backward(*upstream, grads_[i]);
        upstream = &grads_[i];
    }
}

std::vector<Param> Sequential::params() {
    std::vector<Param> all;
    for (auto& layer : layers_)
        for (Param& p : layer->params()) all.push_back(p);
    return all;
}

std::size_t Sequential::parameter_count() const {
    std::size_t n = 0;
    for (const auto& layer : layers_) n += layer->parameter_count();
    return n;
}

// ---------------------------------------------------------------- prediction

void Sequential::forward_batches(const Matrix& X, std::size_t begin, std::size_t end, std::size_t batch,
                                 const BatchVisitor& each) {
    if (X.cols() != std::size_t(input_size()))
        throw std::invalid_argument("the network expects " + std::to_string(input_size()) +
                                    " inputs per sample, the data has " + std::to_string(X.cols()));
    if (batch == 0) throw std::invalid_argument("Sequential: batch size must be positive");
    for (std::size_t first = begin; first < end; first += batch) {
        const std::size_t rows = std::min(batch, end - first);
        // rows [first, first+rows) of X: rows×in → logits rows×classes
        ensure_shape(batch_, rows, X.cols());
        std::memcpy(batch_.data(), X.row(first), rows * X.cols() * sizeof(float));
        each(first, forward(batch_, /*training=*/false));
    }
}

Matrix Sequential::logits(const Matrix& X, std::size_t begin, std::size_t end, std::size_t batch) {
    const std::size_t C = static_cast<std::size_t>(output_size());
    Matrix out(end > begin ? end - begin : 0, C);
    forward_batches(X, begin, end, batch, [&](std::size_t first, const Matrix& z) {
        std::memcpy(out.row(first - begin), z.data(), z.size() * sizeof(float));
    });
    return out;
}

Matrix Sequential::predict_proba(const Matrix& X, std::size_t batch) {
    Matrix probs;
    softmax_rows(logits(X, 0, X.rows(), batch), probs);  // row by row: the same as per batch
    return probs;
}

std::vector<int> Sequential::predict(const Matrix& X, std::size_t batch) {
    const Matrix probs = predict_proba(X, batch);
    std::vector<int> labels(probs.rows());
    for (std::size_t r = 0; r < probs.rows(); ++r)
        labels[r] = argmax(probs.row(r), static_cast<int>(probs.cols()));
    return labels;
}

// ---------------------------------------------------------------- model files

void Sequential::save(const std::string& path) const {
    if (spec_.sizes.empty())
        throw ModelFileError(path + ": only networks built from a layer list can be saved");
    ModelFile file;
    file.kind = "mlp";
    file.config = spec_.to_config();
    for (const auto& layer : layers_)
        for (const Param& p : layer->params()) file.tensors.push_back({p.name, p.value->clone()});
    save_model(path, file);
}

Sequential Sequential::load(const std::string& path) {
    const ModelFile file = load_model(path);
    if (file.kind != "mlp")
        throw ModelFileError(path + ": holds a '" + file.kind + "' model, not an 'mlp' (wrong chapter?)");
    MlpSpec spec;
    try {
        spec = MlpSpec::from_config(file.config);
    } catch (const std::invalid_argument& e) {
        throw ModelFileError(path + ": bad config: " + e.what());
    }
    Rng unused(0);  // the weights are overwritten below
    Sequential net(spec, unused);
    const std::vector<Param> params = net.params();
    if (file.tensors.size() != params.size())
        throw ModelFileError(path + ": " + std::to_string(file.tensors.size()) + " tensors, but layers=" +
                             layer_list(spec.sizes) + " needs " + std::to_string(params.size()));
    for (const Param& p : params) {
        try {
            const Matrix& t = file.get(p.name, p.value->rows(), p.value->cols());
            std::memcpy(p.value->data(), t.data(), t.size() * sizeof(float));
        } catch (const ModelFileError& e) {
            throw ModelFileError(path + ": " + e.what());
        }
    }
    return net;
}

// ---------------------------------------------------------------- reporting

std::string Sequential::summary() const {
    std::ostringstream os;
    for (const auto& layer : layers_) {
        const std::size_t n = layer->parameter_count();
        os << "  " << layer->name();
        if (n) os << "  (" << n << " parameters)";
        os << "\n";
    }
    os << "  total " << parameter_count() << " parameters\n";
    return os.str();
}

GemmStats Sequential::gemm_stats() const {
    GemmStats total;
    for (const auto& layer : layers_) total += layer->gemm_stats();
    return total;
}

void Sequential::reset_gemm_stats() {
    for (auto& layer : layers_) layer->reset_gemm_stats();
}

}  // namespace hw
