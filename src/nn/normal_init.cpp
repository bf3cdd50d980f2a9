// normal_init.cpp — N(0, σ²) for every weight (normal_init.hpp).
#include "handwritten/nn/normal_init.hpp"

namespace hw {

void init_normal(Sequential& net, float weight_sigma, float bias_sigma, Rng& rng) {
    for (const Param& p : net.params()) {
        if (p.is_weight) p.value->fill_normal(rng, 0.0f, weight_sigma);
        else if (bias_sigma > 0) p.value->fill_normal(rng, 0.0f, bias_sigma);
    }
}

}  // namespace hw
