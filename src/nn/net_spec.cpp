// net_spec.cpp — parsing and printing the one-line network description.
#include "handwritten/nn/net_spec.hpp"

#include <cstdio>
#include <memory>
// libstdc++ 12's <regex> trips a false -Wmaybe-uninitialized inside its own std::function
// moves when built with -O1 and the sanitizers (make sanitize); the warning points into the
// header, so it is silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <sstream>
#include <stdexcept>

#include "handwritten/core/number_list.hpp"
#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/conv_pool2d.hpp"
#include "handwritten/nn/dense.hpp"
#include "handwritten/nn/dropout_layer.hpp"
#include "handwritten/nn/flatten.hpp"
#include "handwritten/nn/image_shape.hpp"
#include "handwritten/nn/max_pool2d.hpp"
#include "handwritten/nn/relu.hpp"
#include "handwritten/nn/sigmoid.hpp"

namespace hw {

const std::vector<std::pair<std::string, std::string>>& net_presets() {
    static const std::vector<std::pair<std::string, std::string>> presets = {
        {"lenet5", "conv5x5x6p2,relu,pool2,conv5x5x16,relu,pool2,fc120,relu,fc84,relu,fc10"},
        {"cnn", "conv5x5x32p2,relu,pool2,conv5x5x64p2,relu,pool2,fc256,relu,fc10"},
    };
    return presets;
}

std::string LayerSpec::to_string() const {
    switch (kind) {
        case Kind::Conv: {
            std::string s = "conv";
            s += std::to_string(kernel_h) + 'x' + std::to_string(kernel_w) + 'x' + std::to_string(units);
            if (stride != 1) s += 's' + std::to_string(stride);
            if (pad != 0) s += 'p' + std::to_string(pad);
            return s;
        }
        case Kind::Pool: return "pool" + std::to_string(pool);
        case Kind::Dense: return "fc" + std::to_string(units);
        case Kind::Relu: return "relu";
        case Kind::Sigmoid: return "sigmoid";
        case Kind::Flatten: return "flatten";
        case Kind::Dropout: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "dropout%g", rate);
            return buf;
        }
    }
    return "?";
}

namespace {

int positive(const std::string& digits, const std::string& item) {
    int v = 0;
    if (!parse_number(digits, v) || v <= 0) throw std::invalid_argument("'" + item + "': sizes must be positive");
    return v;
}

LayerSpec parse_item(const std::string& item) {
    using Kind = LayerSpec::Kind;
    LayerSpec s;
    std::smatch m;
    static const std::regex conv(R"(conv(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?)");
    static const std::regex pool(R"(pool(\d+))"), fc(R"(fc(\d+))"), dropout(R"(dropout([0-9.]+))");
    if (item == "relu") s.kind = Kind::Relu;
    else if (item == "sigmoid") s.kind = Kind::Sigmoid;
    else if (item == "flatten") s.kind = Kind::Flatten;
    else if (std::regex_match(item, m, conv)) {
        s.kind = Kind::Conv;
        s.kernel_h = positive(m[1], item);
        s.kernel_w = positive(m[2], item);
        s.units = positive(m[3], item);
        if (m[4].matched) s.stride = positive(m[4], item);
        if (m[5].matched && !parse_number(m[5].str(), s.pad)) throw std::invalid_argument("'" + item + "': bad padding");
    } else if (std::regex_match(item, m, pool)) {
        s.kind = Kind::Pool;
        s.pool = positive(m[1], item);
    } else if (std::regex_match(item, m, fc)) {
        s.kind = Kind::Dense;
        s.units = positive(m[1], item);
    } else if (std::regex_match(item, m, dropout)) {
        s.kind = Kind::Dropout;
        if (!parse_number(m[1].str(), s.rate) || !(s.rate >= 0 && s.rate < 1))
            throw std::invalid_argument("'" + item + "': the dropout rate must be in [0, 1)");
    } else {
        throw std::invalid_argument("unknown layer '" + item +
                                    "' (expected convKxKxN[sS][pP], poolK, fcN, relu, sigmoid, dropoutR, flatten)");
    }
    return s;
}

}  // namespace

NetSpec NetSpec::parse(const std::string& text) {
    for (const auto& [name, items] : net_presets())
        if (text == name) return parse(items);
    NetSpec spec;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        if (item.empty()) throw std::invalid_argument("empty item in the network '" + text + "'");
        spec.layers.push_back(parse_item(item));
        start = comma + 1;
    }
    if (spec.layers.back().kind != LayerSpec::Kind::Dense)
        throw std::invalid_argument("the network '" + text + "' must end with an fc layer (the logits)");
    return spec;
}

std::string NetSpec::to_string() const {
    std::string out;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (i) out += ',';
        out += layers[i].to_string();
    }
    return out;
}

NetSpec NetSpec::with_dropout(float rate) const {
    if (rate == 0) return *this;
    NetSpec out;
    bool after_hidden_fc = false;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const LayerSpec& l = layers[i];
        out.layers.push_back(l);
        if (l.kind == LayerSpec::Kind::Dense) after_hidden_fc = i + 1 < layers.size();
        const bool activation = l.kind == LayerSpec::Kind::Relu || l.kind == LayerSpec::Kind::Sigmoid;
        if (activation && after_hidden_fc) {
            LayerSpec d;
            d.kind = LayerSpec::Kind::Dropout;
            d.rate = rate;
            out.layers.push_back(d);
            after_hidden_fc = false;
        }
    }
    return out;
}

// ---------------------------------------------------------------- building

namespace {

// The shape arriving at a layer, as an image (a flat {n} is 1×1×n).
ImageShape image_of(const Shape& shape, const LayerSpec& item) {
    const std::optional<ImageShape> image = ImageShape::from(shape);
    if (!image) {
        std::string message = "layer '";  // built piece by piece: g++ 12 warns falsely on "'" + ...
        message += item.to_string() + "' cannot take samples of shape " + shape.to_string();
        throw std::invalid_argument(message);
    }
    return *image;
}

std::string dims_text(const Shape& shape) {
    std::string out;
    for (std::size_t i = 0; i < shape.dims.size(); ++i) {
        if (i) out += 'x';
        out += std::to_string(shape.dims[i]);
    }
    return out;
}

// A convolution directly followed by a max-pool runs as one ConvPool2D (conv_pool2d.hpp), and
// a ReLU right after the pool runs inside the pool (MaxPool2D::set_relu_after). Dropout items
// are still empty slots here, so a dropout between two of them keeps them apart.
void fuse_conv_pool(std::vector<std::unique_ptr<Layer>>& layers) {
    for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
        if (!dynamic_cast<Conv2D*>(layers[i].get()) || !dynamic_cast<MaxPool2D*>(layers[i + 1].get())) continue;
        std::unique_ptr<Conv2D> conv(static_cast<Conv2D*>(layers[i].release()));
        std::unique_ptr<MaxPool2D> pool(static_cast<MaxPool2D*>(layers[i + 1].release()));
        const bool relu_next = i + 2 < layers.size() && dynamic_cast<Relu*>(layers[i + 2].get());
        pool->set_relu_after(relu_next);
        layers[i] = std::make_unique<ConvPool2D>(std::move(conv), std::move(pool));
        layers.erase(layers.begin() + std::ptrdiff_t(i) + 1, layers.begin() + std::ptrdiff_t(i) + (relu_next ? 3 : 2));
    }
}

}  // namespace

Sequential build_network(const NetSpec& spec, const Shape& input, Init init, Rng& rng) {
    using Kind = LayerSpec::Kind;
    if (spec.layers.empty()) throw std::invalid_argument("an empty network");
    Sequential net(input);
    // Layers with weights are created and initialised first, in order, so the weights do not
    // depend on whether dropout is present (its masks draw from a seed taken afterwards).
    std::vector<std::unique_ptr<Layer>> layers;
    std::vector<float> dropout_rates;  // in order of the dropout items
    Shape shape = input;
    int convs = 0, denses = 0;
    bool previous_is_relu = false;
    for (const LayerSpec& item : spec.layers) {
        std::unique_ptr<Layer> layer;
        switch (item.kind) {
            case Kind::Conv: {
                ConvGeometry g;
                g.input = image_of(shape, item);
                g.kernel_h = item.kernel_h;
                g.kernel_w = item.kernel_w;
                g.stride = item.stride;
                g.pad = item.pad;
                g.out_channels = item.units;
                auto conv = std::make_unique<Conv2D>(g, convs++);
                conv->initialize(init, rng);
                layer = std::move(conv);
                break;
            }
            case Kind::Pool:
                layer = std::make_unique<MaxPool2D>(image_of(shape, item), item.pool);
                if (previous_is_relu) {  // "relu,pool" runs as pool, relu (see build_network's comment)
                    shape = layer->output_shape(shape);
                    std::swap(layers.back(), layer);  // layer is the ReLU now: it keeps the pooled shape
                }
                break;
            case Kind::Flatten: layer = std::make_unique<Flatten>(image_of(shape, item)); break;
            case Kind::Dense: {
                if (shape.dims.size() != 1) {  // an image arrives: flatten it first
                    layers.push_back(std::make_unique<Flatten>(image_of(shape, item)));
                    shape = layers.back()->output_shape(shape);
                }
                auto dense = std::make_unique<Dense>(static_cast<int>(shape.size()), item.units, denses++);
                dense->initialize(init, rng);
                layer = std::move(dense);
                break;
            }
            case Kind::Relu: layer = std::make_unique<Relu>(); break;
            case Kind::Sigmoid: layer = std::make_unique<Sigmoid>(); break;
            case Kind::Dropout:
                dropout_rates.push_back(item.rate);
                layer = nullptr;  // created below, once every weight is drawn
                break;
        }
        if (layer) shape = layer->output_shape(shape);
        layers.push_back(std::move(layer));
        previous_is_relu = item.kind == Kind::Relu;
    }
    fuse_conv_pool(layers);
    Rng dropout_seeds(dropout_rates.empty() ? 0 : rng.next_u64());
    std::size_t next_dropout = 0;
    for (auto& layer : layers) {
        if (!layer) layer = std::make_unique<Dropout>(dropout_rates[next_dropout++], dropout_seeds.next_u64());
        net.add(std::move(layer));
    }
    net.describe_as("cnn", "net=" + spec.to_string() + " input=" + dims_text(input));
    return net;
}

Sequential network_from_config(const std::string& config, Init init, Rng& rng) {
    std::istringstream in(config);
    std::string item, net_text, input_text;
    while (in >> item) {
        if (item.rfind("net=", 0) == 0) net_text = item.substr(4);
        else if (item.rfind("input=", 0) == 0) input_text = item.substr(6);
    }
    if (net_text.empty() || input_text.empty())
        throw std::invalid_argument("config '" + config + "' needs net=... and input=HxWxC");
    std::vector<int> dims;
    for (std::size_t start = 0; start <= input_text.size();) {
        const std::size_t x = std::min(input_text.find('x', start), input_text.size());
        int d = 0;
        if (!parse_number(input_text.substr(start, x - start), d) || d <= 0)
            throw std::invalid_argument("malformed input shape '" + input_text + "'");
        dims.push_back(d);
        start = x + 1;
    }
    return build_network(NetSpec::parse(net_text), Shape(dims), init, rng);
}

}  // namespace hw
