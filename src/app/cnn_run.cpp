// cnn_run.cpp — chapter 12's settings, flags, toolbox glue, one training run, time shares.
#include "handwritten/app/cnn_run.hpp"

#include <cmath>
#include <cstdio>

#include "handwritten/core/timer.hpp"
#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/max_pool2d.hpp"
#include "handwritten/nn/net_spec.hpp"

namespace hw {

void add_cnn_flags(Cli& cli, CnnSettings& s) {
    std::string presets;
    for (const auto& [name, items] : net_presets()) presets += "\n      " + name + " = " + items;
    MlpRunHelp help;
    help.seed = "seed for weights, shuffles, dropout masks and warps";
    help.out = "directory for the SVG files";
    help.load = "evaluate a saved model (its network line wins); several, comma-separated: their ensemble";
    help.data = "directory with the four IDX files (default: data/mnist or data/fashion, or $HW_DATA_DIR)";
    help.val = "fraction of the training set held out for validation (the last rows)";
    cli.option("--net", s.net, "the network: a preset or a layer line (see below)")
        .choice("--init", s.init, {"he-uniform", "he-normal", "xavier-uniform", "xavier-normal"}, "weight init")
        .option("--dropout", s.dropout, "dropout rate after each hidden fc layer's activation (0: none)");
    add_optimizer_flags(cli, s, help);
    add_loop_flags(cli, s, help);
    cli.option("--l2", s.l2, "L2 penalty λ/2·‖W‖² (gradient += λ·W)")
        .option("--weight-decay", s.weight_decay, "decoupled weight decay λ: W *= 1 − lr·λ per step (AdamW)")
        .option("--clip-norm", s.clip_norm, "clip the global gradient norm to this (0: off)")
        .choice("--schedule", s.schedule, {"constant", "step", "cosine"}, "learning-rate schedule")
        .option("--step-every", s.step_every, "step schedule: epochs between decays")
        .option("--step-gamma", s.step_gamma, "step schedule: factor per decay")
        .option("--warmup", s.warmup, "cosine schedule: linear warm-up epochs")
        .option("--min-lr", s.min_lr, "cosine schedule: the lowest learning rate")
        .option("--early-stopping", s.early_stopping, "stop after this many epochs without a better validation "
                                                      "loss, restoring the best weights (0: off; needs --val)")
        .flag("--augment", s.augment, "random shifts/rotations/scales of every training batch")
        .option("--shift", s.shift, "augmentation: largest shift in pixels")
        .option("--rotate", s.rotate, "augmentation: largest rotation in degrees")
        .option("--scale", s.scale, "augmentation: largest relative scale change (0.1 = ±10%)")
        .option("--ensemble", s.ensemble, "train this many networks (seeds seed, seed+1, ...) and average "
                                          "their probabilities")
        .flag("--profile", s.profile, "print each epoch's time shares: GEMM, im2col, col2im, pooling, rest");
    add_data_and_output_flags(cli, s, help);
    cli.epilog("Network line items: convKxKxN[sS][pP] (conv, stride S, padding P), poolK (max-pool), fcN,\n"
               "relu, sigmoid, dropoutR, flatten. Presets:" + presets + "\n"
               "Examples (chapters/12-cnn/README.md shows what each gives):\n"
               "  build/bin/12-cnn --net lenet5\n"
               "  build/bin/12-cnn --net cnn --epochs 15 --profile\n"
               "  build/bin/12-cnn --net cnn --augment --dropout 0.4 --schedule cosine --epochs 30 --ensemble 3\n"
               "  build/bin/12-cnn --net \"conv3x3x16p1,relu,pool2,fc10\" --epochs 3");
}

void check_cnn_settings(const Cli& cli, const CnnSettings& s) {
    cli.check(s.lr > 0 && s.batch > 0 && s.epochs >= 0, "--lr and --batch must be positive, --epochs >= 0");
    cli.check(s.epochs > 0 || !s.load.empty(), "--epochs 0 only makes sense with --load FILE");
    cli.check(s.val >= 0 && s.val < 1, "--val must be in [0, 1)");
    cli.check(s.dropout >= 0 && s.dropout < 1, "--dropout must be in [0, 1)");
    cli.check(s.optimizer.momentum >= 0 && s.optimizer.momentum < 1, "--momentum must be in [0, 1)");
    cli.check(s.threads >= 0 && s.limit >= 0 && s.show >= 0, "--threads, --limit and --show must be >= 0");
    cli.check(s.l2 >= 0 && s.weight_decay >= 0 && s.clip_norm >= 0, "--l2, --weight-decay and --clip-norm must be >= 0");
    cli.check(s.shift >= 0 && s.rotate >= 0 && s.scale >= 0 && s.scale < 1, "--shift/--rotate >= 0, --scale in [0, 1)");
    cli.check(s.early_stopping >= 0 && (s.early_stopping == 0 || s.val > 0),
              "--early-stopping watches the validation loss: it needs --val > 0");
    cli.check(s.ensemble >= 1 && s.ensemble <= 20, "--ensemble must be in 1..20");
    cli.check(s.load.empty() || s.ensemble == 1, "--load evaluates saved models (list several for an ensemble): no --ensemble");
    try {
        build_cnn(s, Shape{28, 28, 1}, 0);
        TrainingToolbox probe(cnn_toolbox_options(s, LabeledSet{}, 0), s.lr, std::max(1, s.epochs));
    } catch (const std::invalid_argument& e) {
        cli.fail(e.what());
    }
}

Sequential build_cnn(const CnnSettings& s, const Shape& input, std::uint64_t seed) {
    Rng rng(seed);
    return build_network(NetSpec::parse(s.net).with_dropout(s.dropout), input, parse_init(s.init), rng);
}

ToolboxOptions cnn_toolbox_options(const CnnSettings& s, const LabeledSet& train, std::uint64_t seed) {
    ToolboxOptions o;
    o.l2 = s.l2;
    o.weight_decay = s.weight_decay;
    o.clip_norm = s.clip_norm;
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
    o.early_stopping = s.early_stopping;
    o.seed = seed * 0x9E3779B97F4A7C15ULL + 11;
    return o;
}

namespace {
void print_epoch(const EpochStats& e, int epochs, const CnnSettings& s, const Sequential& net) {
    std::printf("epoch %2d/%d  lr %.3g  train loss %.4f acc %6.2f%%", e.epoch, epochs, e.lr, e.train_loss,
                100 * e.train_accuracy);
    if (!std::isnan(e.val_loss)) std::printf("  val loss %.4f acc %6.2f%%", e.val_loss, 100 * e.val_accuracy);
    std::printf("  %.1fs (train %.1fs)", e.seconds, e.train_seconds);
    if (s.profile) std::printf("\n           %s", describe_time_shares(epoch_time_shares(net, e), e).c_str());
    std::printf("\n");
    std::fflush(stdout);
}
}  // namespace

CnnRun train_cnn(const CnnSettings& s, const Mnist& data, std::uint64_t seed, bool verbose) {
    CnnRun r;
    const Shape input{data.train.height, data.train.width, 1};
    r.net = build_cnn(s, input, seed);
    TrainingToolbox toolbox(cnn_toolbox_options(s, data.train, seed), s.lr, std::max(1, s.epochs));
    TrainOptions o = train_options(s);
    o.seed = seed;
    o.threads = s.threads;
    o.progress = verbose && !s.quiet;
    // The toolbox at the trainer's phases (schedules count epochs from 0, the trainer from 1).
    o.hooks.learning_rate = [&](int epoch) { return toolbox.epoch_lr(epoch - 1); };
    if (s.augment) o.hooks.augment = [&](Matrix& X) { toolbox.augment_batch(X); };
    o.hooks.before_step = [&](const std::vector<Param>& p, float lr) { toolbox.before_step(p, lr); };
    o.hooks.end_epoch = [&](const EpochStats& e, const std::vector<Param>& p) {
        return toolbox.end_epoch(e.epoch - 1, e.val_loss, p);
    };
    if (verbose)
        for (const std::string& line : toolbox.describe()) std::printf("  %s\n", line.c_str());
    Stopwatch clock;
    r.history = train(r.net, data.train, o, [&](const EpochStats& e) {
        if (verbose) print_epoch(e, s.epochs, s, r.net);
    });
    r.train_seconds = clock.seconds();
    const int best = toolbox.finish(r.net.params());
    if (best >= 0) r.best_epoch = best + 1;
    return r;
}

EpochTimeShares epoch_time_shares(const Sequential& net, const EpochStats& epoch) {
    EpochTimeShares t;
    t.total = epoch.train_seconds;
    t.gemm = epoch.gemm_seconds;
    for (std::size_t i = 0; i < net.size(); ++i) {
        const Layer& layer = net.layer(i);
        if (const auto* conv = dynamic_cast<const Conv2D*>(&layer)) {
            t.im2col += conv->copy_times().im2col_seconds;
            t.col2im += conv->copy_times().col2im_seconds;
        } else if (const auto* pool = dynamic_cast<const MaxPool2D*>(&layer)) {
            t.pooling += pool->seconds();
        }
    }
    return t;
}

std::string describe_time_shares(const EpochTimeShares& t, const EpochStats& epoch) {
    auto pct = [&](double part) { return t.total > 0 ? 100.0 * part / t.total : 0.0; };
    char buf[160];
    std::snprintf(buf, sizeof buf, "time: GEMM %.0f%% (%.1f GFLOP/s)  im2col %.0f%%  col2im %.0f%%  pool %.0f%%  rest %.0f%%",
                  pct(t.gemm), epoch.gemm_gflops(), pct(t.im2col), pct(t.col2im), pct(t.pooling), pct(t.rest()));
    return buf;
}

}  // namespace hw
