// init.hpp — the weight initialisations every layer with weights shares (Dense, Conv2D).
//
// He (Kaiming) keeps the variance of ReLU activations constant from layer to layer:
// Var(w) = 2/fan_in. Xavier (Glorot) balances forward and backward variance:
// Var(w) = 2/(fan_in + fan_out); Keras' default Dense initialiser is Xavier-uniform.
// For a Dense layer fan_in = in and fan_out = out; for a convolution every output sees
// fan_in = KH·KW·C_in inputs and every input feeds fan_out = KH·KW·C_out outputs.
// Biases start at 0.
#pragma once
#include <string>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"

namespace hw {

enum class Init { HeNormal, HeUniform, XavierNormal, XavierUniform };
// "he-normal", "he-uniform", "xavier-normal", "xavier-uniform" (std::invalid_argument otherwise).
Init parse_init(const std::string& name);
std::string init_name(Init init);

// Fills W with draws of the chosen distribution for a layer of the given fans.
void fill_initial_weights(Matrix& W, Init init, int fan_in, int fan_out, Rng& rng);

}  // namespace hw
