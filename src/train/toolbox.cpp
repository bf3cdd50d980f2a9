// toolbox.cpp — calling the chapter-11 tools at the trainer's phases (see toolbox.hpp).
#include "handwritten/train/toolbox.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "handwritten/train/regularization.hpp"

namespace hw {

namespace {
std::vector<const Matrix*> values_of(const std::vector<Param>& params) {
    std::vector<const Matrix*> v;
    for (const Param& p : params) v.push_back(p.value);
    return v;
}
std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}
}  // namespace

TrainingToolbox::TrainingToolbox(const ToolboxOptions& options, float base_lr, int epochs)
    : options_(options), schedule_(options.schedule, base_lr, epochs) {
    if (options.l2 < 0) throw std::invalid_argument("--l2 must be ≥ 0");
    if (options.weight_decay < 0) throw std::invalid_argument("--weight-decay must be ≥ 0");
    if (options.clip_norm < 0) throw std::invalid_argument("--clip-norm must be ≥ 0");
    if (options.max_norm < 0) throw std::invalid_argument("--max-norm must be ≥ 0");
    if (options.early_stopping < 0) throw std::invalid_argument("--early-stopping must be ≥ 0");
    if (options.augment) augmenter_ = std::make_unique<Augmenter>(options.augment_options, options.seed);
    if (options.early_stopping > 0)
        early_ = std::make_unique<EarlyStopping>(options.early_stopping, options.early_stopping_min_delta);
}

std::vector<std::string> TrainingToolbox::describe() const {
    std::vector<std::string> lines;
    const ToolboxOptions& o = options_;
    if (o.schedule.kind != "constant") lines.push_back("lr schedule: " + schedule_.describe());
    if (o.l2 > 0) lines.push_back("L2: λ = " + num(o.l2) + " (gradient += λ·W, weights only)");
    if (o.weight_decay > 0)
        lines.push_back("decoupled weight decay: λ = " + num(o.weight_decay) + " (W *= 1 - lr·λ)");
    if (o.clip_norm > 0) lines.push_back("gradient clipping: global norm ≤ " + num(o.clip_norm));
    if (o.max_norm > 0) lines.push_back("max-norm: incoming weights of each unit ‖w‖ ≤ " + num(o.max_norm));
    if (o.augment) {
        const AugmentOptions& a = o.augment_options;
        lines.push_back("augmentation: shifts ±" + num(a.max_shift) + " px, rotation ±" +
                        num(a.max_degrees) + "°, scale ±" + num(100 * a.max_scale) + "%");
    }
    if (o.early_stopping > 0)
        lines.push_back("early stopping: patience " + num(o.early_stopping) +
                        " epochs on validation loss, best weights restored");
    return lines;
}

void TrainingToolbox::augment_batch(Matrix& X) {
    if (augmenter_) augmenter_->augment_batch(X, options_.image_height, options_.image_width);
}

void TrainingToolbox::before_step(const std::vector<Param>& params, float lr) {
    const ToolboxOptions& o = options_;
    if (o.l2 > 0)
        for (const Param& p : params)
            if (p.is_weight) add_l2_gradient(*p.value, *p.grad, o.l2);
    stats_.steps++;
    // The global norm costs a pass over every gradient (~10% of a step for 784-800-800-10),
    // so it is only measured when clipping needs it; then it is logged too: a spike in it is
    // how one sees a gradient explode.
    if (o.clip_norm > 0) {
        std::vector<Matrix*> grads;
        for (const Param& p : params) grads.push_back(p.grad);
        const double norm = clip_by_global_norm(grads, o.clip_norm);
        stats_.clipped_steps += norm > o.clip_norm;
        stats_.max_grad_norm = std::max(stats_.max_grad_norm, norm);
        grad_norm_sum_ += norm;
        stats_.mean_grad_norm = grad_norm_sum_ / double(stats_.steps);
    }
    // Decoupled decay uses the weights from BEFORE the step: θ ← θ − lr·(step + λθ).
    if (o.weight_decay > 0)
        for (const Param& p : params)
            if (p.is_weight) decay_weights(*p.value, lr, o.weight_decay);
}

void TrainingToolbox::after_step(const std::vector<Param>& params) {
    if (options_.max_norm > 0)
        for (const Param& p : params)
            if (p.is_weight) stats_.max_norm_rescaled += max_norm_columns(*p.value, options_.max_norm);
}

bool TrainingToolbox::end_epoch(int epoch, double val_loss, const std::vector<Param>& params) {
    stats_ = {};
    grad_norm_sum_ = 0;
    lr_reduced_ = false;
    if (std::isnan(val_loss)) return false;
    lr_reduced_ = schedule_.observe(static_cast<float>(val_loss));
    return early_ && early_->update(epoch, static_cast<float>(val_loss), values_of(params));
}

int TrainingToolbox::finish(const std::vector<Param>& params) {
    if (!early_) return -1;
    std::vector<Matrix*> values;
    for (const Param& p : params) values.push_back(p.value);
    early_->restore(values);
    return early_->best_epoch();
}

double TrainingToolbox::l2_penalty(const std::vector<Param>& params) const {
    double total = 0;
    if (options_.l2 > 0)
        for (const Param& p : params)
            if (p.is_weight) total += hw::l2_penalty(*p.value, options_.l2);
    return total;
}

}  // namespace hw
