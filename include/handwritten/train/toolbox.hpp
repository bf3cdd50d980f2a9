// toolbox.hpp — the better-training tools of chapter 11, bundled for the trainer's loop.
//
// The shared trainer (trainer.hpp) owns THE training loop; it calls this object at its named
// phases, so every tool is one switch in TrainingToolbox and zero lines of a second loop:
//
//   per epoch   lr = epoch_lr(epoch)                                     [schedule]
//   per batch   gather batch → augment_batch(X)                          [augmentation]
//               forward → loss → backward
//               before_step(params, lr)   dW += λ·W                      [L2]
//                                         g *= c/‖g‖ when ‖g‖ > c        [clip by global norm]
//                                         W *= 1 − lr·λ_decoupled        [AdamW-style decay]
//               optimizer.step(params, lr)
//               after_step(params)        ‖W[:,j]‖ ≤ c                   [max-norm]
//   end epoch   end_epoch(epoch, val_loss, params) → stop?               [plateau, early stopping]
//   after loop  finish(params)             restore the best weights      [early stopping]
//
// Every tool is off by default (0 / false / "constant"), so an all-default toolbox changes
// nothing: chapter 10's results stay chapter 10's results.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "handwritten/data/augment.hpp"
#include "handwritten/train/early_stopping.hpp"
#include "handwritten/nn/layer.hpp"
#include "handwritten/train/schedule.hpp"

namespace hw {

struct ToolboxOptions {
    float l2 = 0.0f;              // λ of the penalty λ/2·‖W‖² (weights only)
    float weight_decay = 0.0f;    // decoupled decay λ: W *= 1 − lr·λ every step (weights only)
    float clip_norm = 0.0f;       // > 0: clip the global gradient norm to this
    float max_norm = 0.0f;        // > 0: bound each unit's incoming weight vector
    bool augment = false;         // random shifts / rotations / scales of each training batch
    AugmentOptions augment_options;
    int image_height = 28, image_width = 28;
    ScheduleOptions schedule;     // kind "constant" = no schedule
    int early_stopping = 0;       // patience in epochs; 0 = off
    float early_stopping_min_delta = 0.0f;
    std::uint64_t seed = 42;      // for the augmentation's random warps
};

// What the tools did in one epoch, for the per-epoch line and the metrics file.
struct ToolboxEpochStats {
    double max_grad_norm = 0;     // largest pre-clip global gradient norm (clipping on only)
    double mean_grad_norm = 0;
    long steps = 0, clipped_steps = 0;
    long max_norm_rescaled = 0;   // columns projected back onto the max-norm ball
};

class TrainingToolbox {
public:
    // std::invalid_argument on a bad combination (negative λ, unknown schedule, ...).
    TrainingToolbox(const ToolboxOptions& options, float base_lr, int epochs);

    const ToolboxOptions& options() const { return options_; }
    // Lines for the run header: only the tools that are switched on.
    std::vector<std::string> describe() const;

    float epoch_lr(int epoch) const { return schedule_.lr(epoch); }
    // The images of a training batch (B × h·w), warped in place when augmentation is on.
    void augment_batch(Matrix& X);
    void before_step(const std::vector<Param>& params, float lr);
    void after_step(const std::vector<Param>& params);
    // Returns true when early stopping says stop. `val_loss` NaN (no validation split) skips
    // plateau and early stopping. Also resets the per-epoch stats.
    bool end_epoch(int epoch, double val_loss, const std::vector<Param>& params);
    // Restores the best weights when early stopping ran. Returns the best epoch (0-based) or -1.
    int finish(const std::vector<Param>& params);

    // Stats of the epoch in progress (reset by end_epoch, after you read them).
    const ToolboxEpochStats& epoch_stats() const { return stats_; }
    bool lr_was_reduced() const { return lr_reduced_; }  // by the last end_epoch (plateau)
    const EarlyStopping* early_stopping() const { return early_.get(); }

    // The L2 penalty λ/2·Σ‖W‖² over the weights (to report the loss actually minimised).
    double l2_penalty(const std::vector<Param>& params) const;

private:
    ToolboxOptions options_;
    LrSchedule schedule_;
    std::unique_ptr<Augmenter> augmenter_;
    std::unique_ptr<EarlyStopping> early_;
    ToolboxEpochStats stats_;
    double grad_norm_sum_ = 0;
    bool lr_reduced_ = false;
};

}  // namespace hw
