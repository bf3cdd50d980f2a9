// normal_init.hpp — every weight drawn from N(0, σ²) with a σ you choose, as the NumPy tutorials
// do (np.random.randn(...) · σ), instead of a σ derived from the layer's fan-in (He, Xavier).
//
// Why it matters: with a fixed σ the scale of the signal after a Dense layer of fan-in n is
// about σ·√n times its input's. σ = 1 on 64 inputs multiplies it by 8 (sigmoids saturate);
// σ = 0.01 on 784 then 32 then 16 inputs multiplies it by 0.28, 0.057 and 0.04 — after three
// layers the logits are ~1000× smaller than the inputs, every class looks alike, and the
// gradients that reach the first layer vanish with them. He init uses σ = √(2/n) instead.
#pragma once
#include "handwritten/core/random.hpp"
#include "handwritten/nn/sequential.hpp"

namespace hw {

// Overwrites every weight of `net` with N(0, weight_sigma²), and every bias with
// N(0, bias_sigma²) when bias_sigma > 0 (else the biases are left as they are: zero after
// construction).
void init_normal(Sequential& net, float weight_sigma, float bias_sigma, Rng& rng);

}  // namespace hw
