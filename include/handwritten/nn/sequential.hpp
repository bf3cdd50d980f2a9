// sequential.hpp — a network as a list of layers applied one after the other.
//
// What it is: the layered design of the NumPy tutorials, batched. hw::Sequential owns its
// layers and the activations that flow between them, runs forward over a mini-batch (X: B×in →
// logits: B×classes) and backward from the loss gradient (dLogits: B×classes), and hands the
// optimizer its parameters. An MLP is built from a layer list such as "784,256,10":
//
//     784,256,10    →  dense0 784→256 · relu · dense1 256→10            (logits)
//     784,32,16,10  →  dense0 · relu · dense1 · relu · dense2
//
// The last Dense layer outputs LOGITS: the softmax lives in hw::SoftmaxCrossEntropy (training)
// and in predict_proba() (evaluation).
//
// What it is not: a graph. No branches, no shared layers. It never asks which kind of layer
// it holds: shapes, parameter counts and GEMM work come through the hw::Layer interface, so a
// network of other layers (convolutions, pooling) is built with add() the same way.
//
// Model files (hw::save_model) have kind "mlp" and the config "layers=784,256,10
// activation=relu", or (chapter 12, built by hw::build_network) kind "cnn" and the config
// "net=conv5x5x6p2,relu,... input=28x28x1"; tensors are named after the parameters
// ("dense0.W", "conv0.b", ...). load() rebuilds the network from the config and checks every
// tensor's dims.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "handwritten/nn/dense.hpp"
#include "handwritten/nn/layer.hpp"
#include "handwritten/core/random.hpp"

namespace hw {

// What an MLP is made of. to_config()/from_config() are the model file's config text.
struct MlpSpec {
    std::vector<int> sizes;           // {784, 256, 10}: input, hidden..., classes
    std::string activation = "relu";  // hidden activation: "relu" | "sigmoid"
    Init init = Init::XavierUniform;  // Keras' default for Dense; not stored in model files
    // Chapter 11: inverted dropout (hw::Dropout) after each hidden activation — one rate for
    // every hidden layer, or one per hidden layer; 0 or empty = none — and on the input pixels.
    // Stored in the config ("dropout=0.5 input_dropout=0.2") only when used; at evaluation the
    // layers are the identity, so a loaded model predicts the same with or without them.
    std::vector<float> dropout;
    float input_dropout = 0.0f;
    float dropout_after_hidden(std::size_t hidden_index) const;  // the rate after hidden layer i

    // "layers=784,256,10 activation=relu" (+ " dropout=... input_dropout=..." when used)
    std::string to_config() const;
    // Parses key=value pairs separated by spaces (unknown keys are ignored, so later chapters
    // can add their own). std::invalid_argument naming the problem when malformed.
    static MlpSpec from_config(const std::string& config);
    // Checks ≥ 2 sizes, all positive, a known activation, dropout rates in [0, 1) with 0, 1 or
    // one-per-hidden-layer entries. std::invalid_argument otherwise.
    void validate() const;
};

// "784,256,10"
std::string layer_list(const std::vector<int>& sizes);

class Sequential {
public:
    Sequential() = default;
    // An empty network for samples of this shape, to be filled with add().
    explicit Sequential(Shape input) : input_shape_(std::move(input)) {}
    // The MLP of `spec`: Dense, activation, Dense, ..., Dense (logits), initialised from rng.
    Sequential(const MlpSpec& spec, Rng& rng);

    Sequential(Sequential&&) = default;
    Sequential& operator=(Sequential&&) = default;

    // Appends a layer (for hand-built networks and later chapters, e.g. dropout), checking that
    // it takes the shape the network gives at that point (std::invalid_argument otherwise). A
    // network constructed without an input shape takes the first layer's fixed_input_shape().
    void add(std::unique_ptr<Layer> layer);

    // X: B×in → logits: B×classes. The result lives inside the model until the next forward.
    const Matrix& forward(const Matrix& X, bool training);
    // dLogits: B×classes → fills every parameter gradient. Follows the forward of that batch.
    // The first layer's input gradient is skipped (nothing upstream needs it).
    void backward(const Matrix& dLogits);

    // All trainable parameters, layer by layer, in a fixed order.
    std::vector<Param> params();
    std::size_t parameter_count() const;

    // The evaluation-mode forward over rows [begin, end) of X, `batch` rows at a time: calls
    // each(first_row, logits) with the logits (rows×classes) of rows first_row.. of X. The one
    // chunked loop behind logits(), predict_proba() and hw::evaluate.
    using BatchVisitor = std::function<void(std::size_t first_row, const Matrix& logits)>;
    void forward_batches(const Matrix& X, std::size_t begin, std::size_t end, std::size_t batch,
                         const BatchVisitor& each);
    // Logits ((end-begin)×classes) of rows [begin, end) of X, in evaluation mode.
    Matrix logits(const Matrix& X, std::size_t begin, std::size_t end, std::size_t batch = 1000);
    // Class probabilities (N×classes) for every row of X, computed `batch` rows at a time.
    Matrix predict_proba(const Matrix& X, std::size_t batch = 1000);
    // The most probable class of every row of X.
    std::vector<int> predict(const Matrix& X, std::size_t batch = 1000);

    // Model file of the kind and config set at construction (an MlpSpec) or by describe_as
    // (hw::build_network); a hand-built network without them cannot be saved.
    void save(const std::string& path) const;
    // What save() records so that load() can rebuild the layers: kind ("cnn") and config text.
    void describe_as(std::string kind, std::string config);
    const std::string& kind() const { return kind_; }
    const std::string& config() const { return config_; }
    // Throws hw::ModelFileError naming the file and the problem (wrong kind, bad config,
    // missing tensor, wrong shape, extra tensors; plus everything load_model checks).
    static Sequential load(const std::string& path);

    const MlpSpec& spec() const { return spec_; }
    std::size_t size() const { return layers_.size(); }
    Layer& layer(std::size_t i) { return *layers_[i]; }
    const Layer& layer(std::size_t i) const { return *layers_[i]; }
    // The shape of one sample entering the network and leaving its last layer (empty while
    // nothing is known); the sizes are their values per sample (columns of X and of the logits).
    const Shape& input_shape() const { return input_shape_; }
    Shape output_shape() const { return shapes_.empty() ? input_shape_ : shapes_.back(); }
    int input_size() const { return static_cast<int>(input_shape_.size()); }
    int output_size() const { return static_cast<int>(output_shape().size()); }
    // One line per layer with its parameter count.
    std::string summary() const;

    // GEMM work of all layers since the last reset (for GFLOP/s and time shares).
    GemmStats gemm_stats() const;
    void reset_gemm_stats();

private:
    MlpSpec spec_;
    std::string kind_, config_;    // the model file's header (empty: cannot be saved)
    std::vector<std::unique_ptr<Layer>> layers_;
    Shape input_shape_;            // one sample entering layer 0
    std::vector<Shape> shapes_;    // shapes_[i]: one sample leaving layer i
    std::vector<Matrix> outputs_;  // outputs_[i]: Y of layer i (the input of layer i+1)
    std::vector<Matrix> grads_;    // grads_[i]: ∂loss/∂(input of layer i)
    Matrix batch_;                 // staging rows for forward_batches
};

}  // namespace hw
