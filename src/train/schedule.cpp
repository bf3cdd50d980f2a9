// schedule.cpp — the learning-rate schedules of schedule.hpp.
#include "handwritten/train/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace hw {

LrSchedule::LrSchedule(const ScheduleOptions& options, float base_lr, int total_epochs)
    : options_(options),
      base_lr_(base_lr),
      total_epochs_(total_epochs),
      current_lr_(base_lr),
      best_loss_(std::numeric_limits<float>::infinity()) {
    const std::string& k = options.kind;
    if (k != "constant" && k != "step" && k != "cosine" && k != "plateau")
        throw std::invalid_argument("unknown schedule '" + k +
                                    "' (expected constant, step, cosine or plateau)");
    if (!(base_lr > 0)) throw std::invalid_argument("schedule: base learning rate must be > 0");
    if (total_epochs < 1) throw std::invalid_argument("schedule: need at least one epoch");
    if (k == "step" && (options.step_every < 1 || !(options.step_gamma > 0)))
        throw std::invalid_argument("step schedule: every must be ≥ 1 and gamma > 0");
    if (k == "cosine" && (options.warmup_epochs < 0 || options.warmup_epochs >= total_epochs))
        throw std::invalid_argument("cosine schedule: warm-up must be in [0, epochs)");
    if (options.min_lr < 0 || options.min_lr > base_lr)
        throw std::invalid_argument("schedule: min lr must be in [0, base lr]");
    if (k == "plateau" && (!(options.plateau_factor > 0 && options.plateau_factor < 1) ||
                           options.plateau_patience < 1))
        throw std::invalid_argument("plateau schedule: factor in (0,1), patience ≥ 1");
}

float LrSchedule::lr(int epoch) const {
    const ScheduleOptions& o = options_;
    // BEGIN SOLUTION 11 step and cosine schedules
    if (o.kind == "step") return base_lr_ * std::pow(o.step_gamma, float(epoch / o.step_every));
    if (o.kind == "cosine") {
        const int warm = o.warmup_epochs;
        if (epoch < warm) return base_lr_ * float(epoch + 1) / float(warm + 1);
        const double progress = double(epoch - warm) / double(total_epochs_ - warm);  // [0, 1)
        return float(o.min_lr + (base_lr_ - o.min_lr) * 0.5 * (1.0 + std::cos(M_PI * progress)));
    }
    // END SOLUTION
    if (o.kind == "plateau") return current_lr_;
    return base_lr_;
}

bool LrSchedule::observe(float val_loss) {
    if (options_.kind != "plateau") return false;
    // "Better" must beat the best by a relative margin, so noise-level wiggles do not count.
    if (val_loss < best_loss_ * (1.0f - options_.plateau_threshold)) {
        best_loss_ = val_loss;
        epochs_without_improvement_ = 0;
        return false;
    }
    if (++epochs_without_improvement_ < options_.plateau_patience) return false;
    epochs_without_improvement_ = 0;
    const float lowered = std::max(current_lr_ * options_.plateau_factor, options_.min_lr);
    const bool changed = lowered < current_lr_;
    current_lr_ = lowered;
    return changed;
}

std::string LrSchedule::describe() const {
    std::ostringstream s;
    const ScheduleOptions& o = options_;
    s << o.kind << " (base " << base_lr_;
    if (o.kind == "step") s << ", ×" << o.step_gamma << " every " << o.step_every << " epochs";
    if (o.kind == "cosine") s << ", min " << o.min_lr << ", warm-up " << o.warmup_epochs;
    if (o.kind == "plateau")
        s << ", ×" << o.plateau_factor << " after " << o.plateau_patience
          << " epochs without improvement, min " << o.min_lr;
    s << ")";
    return s.str();
}

}  // namespace hw
