// net_spec.cpp — parsing and printing the one-line network description.
#include "handwritten/nn/net_spec.hpp"

#include <cstdio>
#include <regex>
#include <stdexcept>

#include "handwritten/core/number_list.hpp"

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

}  // namespace hw
