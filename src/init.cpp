// init.cpp — He / Xavier / small initialisation (see init.hpp for the variance argument).
#include "handwritten/init.hpp"

#include <cmath>
#include <stdexcept>

namespace hw {

float init_stddev(const std::string& scheme, std::size_t fan_in, std::size_t fan_out) {
    if (fan_in == 0) throw std::invalid_argument("init: fan_in must be > 0");
    if (scheme == "he") return std::sqrt(2.0f / float(fan_in));
    if (scheme == "xavier") return std::sqrt(2.0f / float(fan_in + fan_out));
    if (scheme == "small") return 0.01f;
    throw std::invalid_argument("unknown init '" + scheme + "' (expected he, xavier or small)");
}

void init_weights(Matrix& W, const std::string& scheme, const std::string& distribution,
                  Rng& rng) {
    const float sigma = init_stddev(scheme, W.rows(), W.cols());
    if (distribution == "normal") {
        W.fill_normal(rng, 0.0f, sigma);
    } else if (distribution == "uniform") {
        const float a = std::sqrt(3.0f) * sigma;  // U(-a, a) has variance a²/3 = σ²
        W.fill_uniform(rng, -a, a);
    } else {
        throw std::invalid_argument("unknown init distribution '" + distribution +
                                    "' (expected normal or uniform)");
    }
}

}  // namespace hw
