// init.hpp — weight initialisation: He and Xavier, normal or uniform.
//
// The idea: pick the spread of a layer's weights so that the variance of the signal neither
// grows nor shrinks from layer to layer. For z = Σ_i w_i x_i over fan_in inputs,
// Var(z) = fan_in · Var(w) · E[x²].
//   He (Kaiming, 2015), for ReLU (which zeroes half its inputs):   Var(w) = 2 / fan_in
//   Xavier (Glorot, 2010), for tanh/sigmoid, a compromise between
//     the forward and backward passes:                            Var(w) = 2 / (fan_in + fan_out)
// A normal with that variance has σ = sqrt(Var); a uniform U(-a, a) has Var = a²/3, so
// a = sqrt(3·Var): sqrt(6/fan_in) for He, sqrt(6/(fan_in+fan_out)) for Xavier.
//   small: N(0, 0.01²), the "just make them small" choice, kept as the counter-example: in a
//          deep net the signal shrinks ~ by 0.01·sqrt(fan_in/2) per layer.
//
// Layout: W is fan_in × fan_out (Z = X·W), so fan_in = W.rows(), fan_out = W.cols().
// Biases start at 0.
#pragma once
#include <string>

#include "handwritten/matrix.hpp"
#include "handwritten/random.hpp"

namespace hw {

// The standard deviation the scheme asks for ("he" | "xavier" | "small").
// std::invalid_argument on an unknown scheme.
float init_stddev(const std::string& scheme, std::size_t fan_in, std::size_t fan_out);

// Fills W (fan_in × fan_out) with the scheme's variance from `distribution` ("normal" |
// "uniform"). std::invalid_argument on unknown names.
void init_weights(Matrix& W, const std::string& scheme, const std::string& distribution, Rng& rng);

}  // namespace hw
