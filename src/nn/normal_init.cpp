// normal_init.cpp — N(0, σ²) for every weight (normal_init.hpp).
#include "handwritten/nn/normal_init.hpp"

namespace hw {

void init_normal(Sequential& net, float sigma, bool biases_too, Rng& rng) {
    for (const Param& p : net.params())
        if (p.is_weight || biases_too) p.value->fill_normal(rng, 0.0f, sigma);
}

}  // namespace hw
