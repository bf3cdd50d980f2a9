// toolbox_run.cpp — chapter 11's settings → network, toolbox, training run, sweep (toolbox_run.hpp).
#include "handwritten/app/toolbox_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "handwritten/core/number_list.hpp"
#include "handwritten/app/tutorials.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/nn/normal_init.hpp"
#include "handwritten/report/sweep.hpp"

namespace hw {

void declare_toolbox_flags(FlagTable& flags, ToolboxSettings& s) {
    MlpRunHelp help;
    help.lr = "(base) learning rate (default 1e-3 for adam, 0.05 for sgd)";
    help.momentum = "sgd momentum";
    help.val = "fraction of the training set held out for validation (the last rows)";
    help.seed = "seed for weights, shuffles, dropout masks and warps";
    help.data = "data directory (default: data/mnist, data/fashion or data/digits by --dataset; $HW_DATA_DIR for IDX sets)";
    help.out = "directory for SVG plots (and the sweep's CSV)";
    help.metrics = "write history, tools, temperature table and confusion matrix as JSON";
    help.load = "start from a saved model (its layer list and dropout win)";
    const Range non_negative = Range::at_least(0);
    add_layers_flag(flags, s, "layer sizes, input first, classes last (e.g. 784,800,800,10)");
    flags.choice("activation", s.activation, {"relu", "sigmoid"}, "hidden-layer activation")
        .choice("init", s.init, {"he", "xavier", "small", "normal"},
                "weight init: He (ReLU), Xavier, N(0, 0.01²), or N(0, σ²) with --init-sigma")
        .choice("init-dist", s.init_dist, {"normal", "uniform"}, "distribution with the init's variance")
        .number("init-sigma", s.init_sigma, "--init normal: the weights' standard deviation σ", Range::positive())
        .number("bias-sigma", s.bias_sigma, "--init normal: biases from N(0, σ²) too (0: zero biases)", non_negative);
    add_optimizer_flags(flags, s, help);
    add_loop_flags(flags, s, help);
    flags.float_list("dropout", s.dropout, "dropout rate after each hidden layer: one rate, or one per hidden layer",
                     Range::fraction())
        .number("input-dropout", s.input_dropout, "dropout rate on the input pixels", Range::fraction())
        .number("max-norm", s.max_norm, "bound on the norm of each unit's incoming weights (0: off)", non_negative);
    add_training_tool_flags(flags, s);
    flags.number("temperature", s.temperature, "softmax temperature for the reported probabilities", Range::positive())
        .json_key("softmax_temperature")  // "temperature" is the metrics file's table of temperatures
        .text("sweep", s.sweep, "run a grid, e.g. \"lr=1e-3,3e-3;batch=64,128\", and tabulate it")
        .not_in_metrics().not_sweepable()
        .toggle("show-init", s.show_init, "print each layer's output spread at initialisation")
        .not_in_metrics().not_sweepable()
        .number("print-every", s.print_every, "print the first, every N-th and the last epoch's line", Range::at_least(1))
        .not_in_metrics().not_sweepable()
        .toggle("eval-train", s.eval_train, "after training: accuracy on the whole training set, final weights")
        .not_in_metrics().not_sweepable()
        .toggle("prediction-grid", s.prediction_grid,
                "after training: 64 random training images titled actual | predicted (SVG), and the errors")
        .not_in_metrics().not_sweepable()
        .toggle("round-trip", s.round_trip, "after training: test-set time, save → load → identical predictions")
        .not_in_metrics().not_sweepable()
        .text("tutorial", s.tutorial, "T1, T3, T4 or T5: a tutorial's own settings; the flags after it still win")
        .not_in_metrics().not_sweepable();
    add_data_and_output_flags(flags, s, help);
}

void add_training_tool_flags(FlagTable& flags, ToolboxSettings& s) {
    const Range non_negative = Range::at_least(0);
    flags.number("l2", s.l2, "L2 penalty λ/2·‖W‖² added to the loss (gradient += λ·W)", non_negative)
        .number("weight-decay", s.weight_decay, "decoupled weight decay λ: W *= 1 − lr·λ per step (AdamW)",
                non_negative)
        .number("clip-norm", s.clip_norm, "clip the global gradient norm to this (0: off)", non_negative)
        .choice("schedule", s.schedule, {"constant", "step", "cosine", "plateau"}, "learning-rate schedule")
        .number("step-every", s.step_every, "step schedule: epochs between decays")
        .number("step-gamma", s.step_gamma, "step schedule: factor per decay")
        .number("warmup", s.warmup, "cosine schedule: linear warm-up epochs")
        .number("min-lr", s.min_lr, "cosine/plateau: the lowest learning rate")
        .number("plateau-factor", s.plateau_factor, "plateau: factor when validation loss stalls")
        .number("plateau-patience", s.plateau_patience, "plateau: epochs without improvement before cutting")
        .number("early-stopping", s.early_stopping,
                "stop after this many epochs without a better validation loss, restoring the best weights (0: off)",
                non_negative)
        .toggle("augment", s.augment, "random shifts/rotations/scales of every training batch")
        .number("shift", s.shift, "augmentation: largest shift in pixels", non_negative)
        .number("rotate", s.rotate, "augmentation: largest rotation in degrees", non_negative)
        .number("scale", s.scale, "augmentation: largest relative scale change (0.1 = ±10%)", Range::fraction());
}

MlpSpec toolbox_spec(const ToolboxSettings& s) {
    MlpSpec spec;
    spec.sizes = parse_int_list(s.layers);
    spec.activation = s.activation;
    // "small" and "normal" are initialised as He, then overwritten (build_toolbox_network).
    const bool fixed_sigma = s.init == "small" || s.init == "normal";
    spec.init = parse_init((fixed_sigma ? std::string("he") : s.init) + "-" + s.init_dist);
    spec.dropout = parse_float_list(s.dropout);
    if (spec.dropout.empty()) throw std::invalid_argument("--dropout: malformed rate list '" + s.dropout + "'");
    if (std::all_of(spec.dropout.begin(), spec.dropout.end(), [](float r) { return r == 0; })) spec.dropout.clear();
    spec.input_dropout = s.input_dropout;
    spec.validate();
    return spec;
}

void check_toolbox_settings(const ToolboxSettings& s) {
    toolbox_spec(s);
    if ((s.schedule == "plateau" || s.early_stopping > 0) && !(s.val > 0))
        throw std::invalid_argument(
            "--schedule plateau and --early-stopping watch the validation loss: they need --val > 0");
    TrainingToolbox probe(toolbox_options(s, LabeledSet{}), s.lr, std::max(1, s.epochs));  // schedule parameters
}

Sequential build_toolbox_network(const ToolboxSettings& s) {
    Rng rng(static_cast<std::uint64_t>(s.seed));
    Sequential net(toolbox_spec(s), rng);
    if (s.init == "small" || s.init == "normal") {
        // Every weight from N(0, σ²) whatever the fan-in; "small" is σ = 0.01, the "just make them
        // small" choice. In a deep ReLU net the signal then shrinks by ~σ·sqrt(fan_in/2) per layer
        // (≈0.1 for 256 units at σ = 0.01).
        Rng fixed(static_cast<std::uint64_t>(s.seed) ^ 0x5A11ULL);
        init_normal(net, s.init == "small" ? 0.01f : s.init_sigma, s.init == "small" ? 0.0f : s.bias_sigma, fixed);
    }
    return net;
}

ToolboxOptions toolbox_options(const ToolboxSettings& s, const LabeledSet& train) {
    ToolboxOptions o;
    o.l2 = s.l2;
    o.weight_decay = s.weight_decay;
    o.clip_norm = s.clip_norm;
    o.max_norm = s.max_norm;
    o.augment = s.augment;
    o.augment_options.max_shift = s.shift;
    o.augment_options.max_degrees = s.rotate;
    o.augment_options.max_scale = s.scale;
    o.image_height = train.height;
    o.image_width = train.width;
    o.schedule.kind = s.schedule;
    o.schedule.step_every = s.step_every;
    o.schedule.step_gamma = s.step_gamma;
    o.schedule.warmup_epochs = s.warmup;
    o.schedule.min_lr = s.min_lr;
    o.schedule.plateau_factor = s.plateau_factor;
    o.schedule.plateau_patience = s.plateau_patience;
    o.early_stopping = s.early_stopping;
    o.seed = static_cast<std::uint64_t>(s.seed) * 0x9E3779B97F4A7C15ULL + 11;
    return o;
}

namespace {

void print_epoch(const EpochStats& e, int epochs, const TrainingToolbox& tb) {
    std::printf("epoch %2d/%d  lr %.3g  train loss %.4f acc %6.2f%%", e.epoch, epochs, e.lr, e.train_loss,
                100 * e.train_accuracy);
    if (!std::isnan(e.val_loss)) std::printf("  val loss %.4f acc %6.2f%%", e.val_loss, 100 * e.val_accuracy);
    std::printf("  %.1fs", e.seconds);
    const ToolboxEpochStats& t = tb.epoch_stats();
    if (tb.options().clip_norm > 0)
        std::printf("  |g| mean %.2f max %.2f, clipped %.0f%%", t.mean_grad_norm, t.max_grad_norm,
                    t.steps ? 100.0 * t.clipped_steps / t.steps : 0.0);
    if (tb.options().max_norm > 0) std::printf("  max-norm %ld cols", t.max_norm_rescaled);
    std::printf("\n");
    std::fflush(stdout);
}

// The toolbox at the trainer's phases (the schedule counts epochs from 0, the trainer from 1).
void hook_toolbox(TrainOptions& o, TrainingToolbox& toolbox, const ToolboxSettings& s, bool verbose) {
    o.hooks.learning_rate = [&toolbox](int epoch) { return toolbox.epoch_lr(epoch - 1); };
    if (s.augment) o.hooks.augment = [&toolbox](Matrix& X) { toolbox.augment_batch(X); };
    o.hooks.before_step = [&toolbox](const std::vector<Param>& p, float lr) { toolbox.before_step(p, lr); };
    o.hooks.after_step = [&toolbox](const std::vector<Param>& p) { toolbox.after_step(p); };
    o.hooks.end_epoch = [&toolbox, &s, verbose](const EpochStats& e, const std::vector<Param>& p) {
        const bool stop = toolbox.end_epoch(e.epoch - 1, e.val_loss, p);
        if (verbose && toolbox.lr_was_reduced())
            std::printf("           plateau: validation loss stalled, lr → %.3g\n", toolbox.epoch_lr(e.epoch));
        if (verbose && stop)
            std::printf("           early stopping: no improvement for %d epochs\n", s.early_stopping);
        return stop;
    };
}

}  // namespace

ToolboxRun train_with_toolbox(const ToolboxSettings& s, const Mnist& data, bool verbose) {
    return train_with_toolbox(s, build_toolbox_network(s), data, verbose);
}

ToolboxRun train_with_toolbox(const ToolboxSettings& s, Sequential net, const Mnist& data, bool verbose,
                              const RunEpochCallback& after_epoch) {
    ToolboxRun r;
    r.net = std::move(net);
    TrainingToolbox toolbox(toolbox_options(s, data.train), s.lr, std::max(1, s.epochs));
    TrainOptions o = train_options(s);
    o.threads = s.threads;
    o.progress = verbose && !s.quiet;
    hook_toolbox(o, toolbox, s, verbose);
    if (verbose)
        for (const std::string& line : toolbox.describe()) std::printf("  %s\n", line.c_str());

    Stopwatch clock;
    r.history = train(r.net, data.train, o, [&](const EpochStats& e) {
        if (verbose && epoch_line_due(e.epoch, s.epochs, s.print_every)) print_epoch(e, s.epochs, toolbox);
        if (after_epoch) after_epoch(e, r.net);
    });
    r.train_seconds = clock.seconds();
    if (const int best = toolbox.finish(r.net.params()); best >= 0) {
        r.best_epoch = best + 1;
        if (verbose)
            std::printf("early stopping: restored the weights of epoch %d (val loss %.4f)\n", r.best_epoch,
                        toolbox.early_stopping()->best_loss());
    }
    r.test = evaluate(r.net, data.test.images, data.test.labels, 0, data.test.size(), 1000, s.loss);
    return r;
}

namespace {

// The base settings with one grid point's values set through the flag table, exactly as the
// flags would set them, then checked as a command line would be.
ToolboxSettings trial_settings(const ToolboxSettings& base, const SweepSetting& setting) {
    ToolboxSettings trial = base;
    FlagTable flags;
    declare_toolbox_flags(flags, trial);
    try {
        for (const auto& [name, value] : setting) flags.set(name, value);
        check_toolbox_settings(trial);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("sweep: ") + e.what());
    }
    return trial;
}

}  // namespace

void run_sweep(const ToolboxSettings& base, const Mnist& data) {
    const std::vector<SweepAxis> axes = parse_sweep(base.sweep);
    const std::vector<SweepSetting> settings = sweep_settings(axes);
    for (const SweepSetting& setting : settings) trial_settings(base, setting);  // reject before training
    std::printf("sweep: %zu runs of %s\n\n", settings.size(), base.sweep.c_str());
    SweepTable table(axes);
    std::printf("%s\n", table.header_line().c_str());
    for (const SweepSetting& setting : settings) {
        const ToolboxRun r = train_with_toolbox(trial_settings(base, setting), data, /*verbose=*/false);
        SweepResult row;
        row.setting = setting;
        row.val_accuracy = r.history.epochs.empty() ? NAN : r.history.epochs.back().val_accuracy;
        row.test_accuracy = r.test.accuracy;
        row.epochs = static_cast<int>(r.history.epochs.size());
        row.seconds = r.train_seconds;
        table.add(row);
        std::printf("%s\n", table.format_row(row).c_str());
        std::fflush(stdout);
    }
    std::filesystem::create_directories(base.out);
    table.write_csv(base.out + "/sweep.csv");
    table.write_chart(base.out + "/sweep.svg", "11: sweep " + base.sweep);
    std::printf("\nwrote: %s/sweep.csv %s/sweep.svg\n", base.out.c_str(), base.out.c_str());
}

}  // namespace hw
