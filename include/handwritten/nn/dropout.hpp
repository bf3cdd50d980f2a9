// dropout.hpp — inverted dropout (Srivastava et al. 2014), the arithmetic.
//
// Training: each activation is kept with probability q = 1 - rate and, when kept, multiplied by
// 1/q; dropped ones become 0. So E[y] = q · x/q + (1-q) · 0 = x: the expected activation is the
// activation, and evaluation needs NO rescaling — it is the identity. (The original "non-inverted"
// form scales by q at test time instead; inverted dropout moves that cost into training.)
//
// Backward: y = x ⊙ m, so dx = dy ⊙ m with the SAME mask m the forward pass drew.
//
// Why it helps: a unit cannot rely on any particular other unit being present, so features must
// be useful on their own; training samples a different thinned network every batch and
// evaluation averages them (approximately) for free.
//
// The layer object wrapping this (hw::Dropout, a hw::Layer) lives in dropout_layer.hpp.
#pragma once
#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"

namespace hw {

// mask (rows × cols) gets entries 0 or `scale` = 1/q. Keep decisions use 16 random bits each,
// so the keep probability is exactly q' = 1 - round(rate·65536)/65536 and the scale is 1/q'
// (E[y] = x holds exactly, not just to float precision of `rate`). Returns the scale.
float draw_dropout_mask(Matrix& mask, std::size_t rows, std::size_t cols, float rate, Rng& rng);

// Y = X ⊙ mask (Y resized when needed). dX = dY ⊙ mask.
void apply_mask(const Matrix& X, const Matrix& mask, Matrix& Y);

}  // namespace hw
