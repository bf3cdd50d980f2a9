// net_spec.hpp — a network written as one readable line, and the presets of chapter 12.
//
//     conv5x5x32p2,relu,pool2,conv5x5x64p2,relu,pool2,fc256,relu,fc10
//
// Items, left to right (the sample shape flows through them, starting from the images' 28×28×1):
//     conv<KH>x<KW>x<C_out>[s<stride>][p<pad>]   Conv2D, stride 1 and pad 0 unless given
//     pool<k>                                    MaxPool2D over k×k windows, stride k
//     fc<n>                                      Dense with n outputs; a Flatten goes in front
//                                                of the first one automatically
//     relu | sigmoid                             activations
//     dropout<rate>                              inverted dropout, e.g. dropout0.5
//     flatten                                    explicit (optional) flattening
// The last item must be an fc: its outputs are the logits (one per class).
//
// Presets (`--net lenet5`, `--net cnn`): the two networks of the PyTorch yardstick
// (bench/torch_cnn.py), layer for layer:
//     lenet5  conv5x5x6p2,relu,pool2,conv5x5x16,relu,pool2,fc120,relu,fc84,relu,fc10   61,706 parameters
//     cnn     conv5x5x32p2,relu,pool2,conv5x5x64p2,relu,pool2,fc256,relu,fc10         857,738 parameters
//
// What it is not: a graph language (no branches), or a place for training settings.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "handwritten/core/random.hpp"
#include "handwritten/nn/init.hpp"
#include "handwritten/nn/layer.hpp"
#include "handwritten/nn/sequential.hpp"

namespace hw {

struct LayerSpec {
    enum class Kind { Conv, Pool, Dense, Relu, Sigmoid, Dropout, Flatten };
    Kind kind = Kind::Relu;
    int kernel_h = 0, kernel_w = 0;  // conv
    int stride = 1, pad = 0;         // conv
    int units = 0;                   // conv: output channels; fc: outputs
    int pool = 0;                    // pool: window size (= stride)
    float rate = 0;                  // dropout

    // The canonical text of the item ("conv5x5x32p2", "pool2", "fc10", "dropout0.5").
    std::string to_string() const;
    bool operator==(const LayerSpec&) const = default;
};

struct NetSpec {
    std::vector<LayerSpec> layers;

    // A preset name or a comma-separated item list. std::invalid_argument naming the bad item.
    static NetSpec parse(const std::string& text);
    // Items joined by commas, in canonical form: parse(to_string()) gives the same spec.
    std::string to_string() const;
    // The same network with dropout at `rate` after the activation of every hidden fc layer
    // (chapter 11's place for it); `rate` 0 returns it unchanged.
    NetSpec with_dropout(float rate) const;
    bool operator==(const NetSpec&) const = default;
};

// {name, item list} of every preset, for --help.
const std::vector<std::pair<std::string, std::string>>& net_presets();

// The network of `spec` for samples of shape `input` ({28, 28, 1} for MNIST), every Conv2D and
// Dense initialised with `init` from rng (in layer order; dropout masks get their own seeds from
// it afterwards, so the weights do not depend on the dropout). A Flatten is put in front of the
// first fc that follows an image. The network is described as kind "cnn" with the config
// "net=<spec> input=HxWxC" for its model file. std::invalid_argument when a layer does not fit
// the shape it gets (a kernel larger than the padded image, a pool larger than the map).
//
// A "relu" directly followed by a "pool" is built as the max-pool first, then the ReLU. The two
// commute, values and gradients alike: ReLU never changes which value of a window is largest, and
// where that largest value is ≤ 0 both orders give 0 and route no gradient. Pooling first leaves
// the ReLU a quarter of the values to touch (for 2×2 pools), forward and backward.
// A convolution then directly followed by the max-pool is built as one hw::ConvPool2D, which
// runs the pair a few images at a time (conv_pool2d.hpp): same numbers, less memory traffic.
// A ReLU right after that pool runs inside it (MaxPool2D::set_relu_after): same numbers again,
// without the ReLU's own passes over the batch.
// The spec text (and so the model file) keeps the order as written; summary() shows the built one.
Sequential build_network(const NetSpec& spec, const Shape& input, Init init, Rng& rng);
// The same from a model file's config "net=... input=HxWxC" (unknown keys are ignored).
Sequential network_from_config(const std::string& config, Init init, Rng& rng);

}  // namespace hw
