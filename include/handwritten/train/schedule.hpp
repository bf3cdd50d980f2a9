// schedule.hpp — learning-rate schedules: what rate each epoch trains with.
//
//   constant   lr(e) = base
//   step       lr(e) = base · gamma^floor(e / every)                   (e = 0-based epoch)
//   cosine     lr(e) = min + (base - min) · ½(1 + cos(π · (e - W) / (E - W)))   for e ≥ W,
//              with a linear warm-up lr(e) = base · (e + 1) / (W + 1) for the first W epochs
//              (E = total epochs: the last epoch trains at a rate close to min, never exactly 0)
//   plateau    starts at base; after `patience` epochs in a row whose validation loss did not
//              beat the best so far by a relative `threshold`, multiply by `factor` (not below
//              min). The rule of Keras' ReduceLROnPlateau.
//
// Why schedule at all: a large rate crosses the loss landscape quickly but then rattles around
// the minimum; a small one settles but crawls. Decaying the rate gets both.
//
// What it is not: per-batch. The rate is set once per epoch ("the epoch's lr"), which is all
// these schedules need and keeps the trainer's loop simple.
#pragma once
#include <string>

namespace hw {

struct ScheduleOptions {
    std::string kind = "constant";   // constant | step | cosine | plateau
    // step
    int step_every = 10;
    float step_gamma = 0.1f;
    // cosine
    int warmup_epochs = 0;
    // cosine and plateau: the floor
    float min_lr = 0.0f;
    // plateau
    float plateau_factor = 0.5f;
    int plateau_patience = 2;
    float plateau_threshold = 1e-4f;  // relative improvement that counts as "better"
};

class LrSchedule {
public:
    // Throws std::invalid_argument on an unknown kind or nonsensical parameters.
    LrSchedule(const ScheduleOptions& options, float base_lr, int total_epochs);

    // The rate for 0-based epoch `epoch`. For plateau: the current rate (set by observe()).
    float lr(int epoch) const;
    // End of an epoch: report its validation loss. Only plateau reacts. Returns true when
    // this call lowered the rate (so the trainer can print it).
    bool observe(float val_loss);

    const ScheduleOptions& options() const { return options_; }
    // One line for the run header, e.g. "cosine (base 0.001, min 0, warm-up 2)".
    std::string describe() const;

private:
    ScheduleOptions options_;
    float base_lr_;
    int total_epochs_;
    // plateau state
    float current_lr_;
    float best_loss_;
    int epochs_without_improvement_ = 0;
};

}  // namespace hw
