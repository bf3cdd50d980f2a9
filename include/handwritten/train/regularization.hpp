// regularization.hpp — the small tensor operations behind L2, weight decay, max-norm and
// gradient clipping. Each is a few lines of arithmetic on hw::Matrix; the trainer calls them at
// its named phases (see trainer.hpp):
//
//   backward → [L2: dW += λ·W] → [clip: scale all grads so ‖g‖ ≤ c] → [AdamW: W *= 1 - lr·λ]
//            → optimizer step → [max-norm: project each unit's incoming weights onto ‖w‖ ≤ c]
//
// Weights vs biases: L2, weight decay and max-norm act on weight matrices only. Biases shift a
// unit's threshold; shrinking them towards 0 does not make the model any simpler.
//
// Layout: a Dense layer computes Z = X·W + b with X: B×in, W: in×out. The weights INCOMING to
// output unit j are therefore COLUMN j of W (in entries). max_norm() constrains columns.
#pragma once
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

// ---- L2 regularisation (coupled weight decay) ---------------------------------------------
// Adds λ/2·‖W‖² to the loss. Its gradient is λ·W, added to dW BEFORE the optimizer sees it
// (so Adam rescales it like any other gradient: this is why AdamW exists).
float l2_penalty(const Matrix& W, float lambda);           // λ/2 · Σ W²
void add_l2_gradient(const Matrix& W, Matrix& dW, float lambda);  // dW += λ·W

// ---- decoupled weight decay (AdamW, Loshchilov & Hutter 2019) -------------------------------
// W ← W · (1 - lr·λ), outside the gradient: every weight shrinks by the same fraction whatever
// Adam's per-weight scaling. Applied just BEFORE the optimizer step, this is exactly the
// paper's θ_t = θ_{t-1} - lr·(adam_step + λ·θ_{t-1}).
void decay_weights(Matrix& W, float lr, float lambda);

// ---- gradient clipping by global norm ---------------------------------------------------
// n = sqrt(Σ over all matrices of Σ g²). When n > max_norm every gradient is multiplied by
// max_norm / n, so the update keeps its direction but not its size. Returns n (before
// clipping), which the trainer logs: a spike in it is an exploding gradient.
double global_norm(const std::vector<const Matrix*>& grads);
double clip_by_global_norm(const std::vector<Matrix*>& grads, float max_norm);

// ---- max-norm constraint (Srivastava et al. 2014) -------------------------------------------
// For each output unit j (each COLUMN of W: in×out), if ‖W[:, j]‖ > c rescale the column to
// norm exactly c. Returns how many columns were rescaled.
int max_norm_columns(Matrix& W, float c);

}  // namespace hw
