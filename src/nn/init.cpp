// init.cpp — He and Xavier initialisations, normal and uniform.
#include "handwritten/nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace hw {

Init parse_init(const std::string& name) {
    if (name == "he-normal") return Init::HeNormal;
    if (name == "he-uniform") return Init::HeUniform;
    if (name == "xavier-normal") return Init::XavierNormal;
    if (name == "xavier-uniform") return Init::XavierUniform;
    throw std::invalid_argument("unknown initialisation '" + name +
                                "' (expected he-normal, he-uniform, xavier-normal, xavier-uniform)");
}

std::string init_name(Init init) {
    switch (init) {
        case Init::HeNormal: return "he-normal";
        case Init::HeUniform: return "he-uniform";
        case Init::XavierNormal: return "xavier-normal";
        case Init::XavierUniform: return "xavier-uniform";
    }
    return "?";
}

void fill_initial_weights(Matrix& W, Init init, int fan_in, int fan_out, Rng& rng) {
    const bool he = init == Init::HeNormal || init == Init::HeUniform;
    const double var = he ? 2.0 / fan_in : 2.0 / (fan_in + fan_out);  // He: 2/in, Xavier: 2/(in+out)
    if (init == Init::HeNormal || init == Init::XavierNormal) {
        W.fill_normal(rng, 0.0f, static_cast<float>(std::sqrt(var)));
    } else {
        // U(-a, a) has variance a²/3, so the same variance needs a = sqrt(3·var).
        const float a = static_cast<float>(std::sqrt(3.0 * var));
        W.fill_uniform(rng, -a, a);
    }
}

}  // namespace hw
