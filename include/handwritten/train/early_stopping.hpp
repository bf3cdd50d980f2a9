// early_stopping.hpp — stop when the validation loss stops improving, keep the best weights.
//
// After every epoch the trainer reports the validation loss. When it beats the best so far (by
// more than min_delta) we copy every parameter (a snapshot: a few MB for an MLP); when `patience`
// epochs in a row fail to beat it, training stops and restore() puts the best snapshot back.
// So the model you keep is the one from the best epoch, not the last one — the one that had
// already begun to overfit.
//
// What it is not: a model selector on the TEST set. It must see validation loss only, or the
// reported test accuracy is no longer an honest estimate.
#pragma once
#include <limits>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

class EarlyStopping {
public:
    // patience ≥ 1: epochs without improvement tolerated before stopping.
    explicit EarlyStopping(int patience, float min_delta = 0.0f);

    // End of epoch `epoch` (0-based) with validation loss `val_loss`; `params` are the
    // model's parameter matrices (snapshotted when this is the best epoch so far).
    // Returns true when training should stop now.
    bool update(int epoch, float val_loss, const std::vector<const Matrix*>& params);
    // Copies the best snapshot back into `params` (same order and shapes as in update()).
    // Returns false (and changes nothing) when there is no snapshot yet.
    bool restore(const std::vector<Matrix*>& params) const;

    int best_epoch() const { return best_epoch_; }     // -1 before the first update
    float best_loss() const { return best_loss_; }
    int patience() const { return patience_; }
    int epochs_without_improvement() const { return waited_; }

private:
    int patience_;
    float min_delta_;
    float best_loss_ = std::numeric_limits<float>::infinity();
    int best_epoch_ = -1;
    int waited_ = 0;
    std::vector<Matrix> snapshot_;
};

}  // namespace hw
