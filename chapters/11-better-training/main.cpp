// Chapter 11 — better training: the toolbox that takes a plain MLP from 98% toward 99%.
//
// The same batched MLP and the same training loop as chapter 10 (hw::train), with every tool of
// the chapter one flag away: He/Xavier init, L2 and decoupled weight decay, dropout, max-norm,
// gradient clipping, learning-rate schedules, early stopping, data augmentation, softmax
// temperature — and --sweep, which runs a grid of configurations and tabulates them.
//
// The tools plug into hw::train through its hooks (trainer.hpp), driven by one
// hw::TrainingToolbox (toolbox.hpp); dropout is part of the network (MlpSpec::dropout).
// What it is not: a second training loop.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "handwritten/data/augment.hpp"
#include "handwritten/app/cli.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/report/svg.hpp"
#include "handwritten/report/sweep.hpp"
#include "handwritten/train/temperature.hpp"
#include "handwritten/report/text_art.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/train/toolbox.hpp"
#include "handwritten/train/trainer.hpp"
#include "handwritten/report/training_plots.hpp"

namespace {

// ---------------------------------------------------------------- settings

// Chapter 10's flags (mlp_run.hpp: optimizer, loop, data and output) plus the toolbox.
struct Settings : hw::MlpRunSettings {
    Settings() {
        val = 0.1;
        out = "runs/11-better-training";
    }
    std::string init = "he", init_dist = "normal";
    // the toolbox
    std::string dropout = "0";
    float input_dropout = 0, l2 = 0, weight_decay = 0, max_norm = 0, clip_norm = 0;
    std::string schedule = "constant";
    int step_every = 10, warmup = 0, plateau_patience = 2, early_stopping = 0;
    float step_gamma = 0.1f, min_lr = 0, plateau_factor = 0.5f;
    bool augment = false;
    int shift = 2;
    float rotate = 10, scale = 0.1f;
    float temperature = 1;
    std::string sweep;
    bool show_init = false;
};

std::vector<float> parse_rates(const std::string& text) {
    std::vector<float> rates;
    std::string piece;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',') {
            char* end = nullptr;
            const float v = std::strtof(piece.c_str(), &end);
            if (piece.empty() || end != piece.c_str() + piece.size())
                throw std::invalid_argument("--dropout: malformed rate '" + piece + "' in '" + text + "'");
            rates.push_back(v);
            piece.clear();
        } else {
            piece += text[i];
        }
    }
    return rates;
}

// --sweep sets one of these by name, from text, exactly as the flag would.
void set_by_name(Settings& s, const std::string& name, const std::string& value) {
    auto f = [&](float& x) { x = std::stof(value); };
    auto i = [&](int& x) { x = std::stoi(value); };
    if (name == "lr") f(s.lr);
    else if (name == "batch") i(s.batch);
    else if (name == "epochs") i(s.epochs);
    else if (name == "momentum") f(s.optimizer.momentum);
    else if (name == "l2") f(s.l2);
    else if (name == "weight-decay") f(s.weight_decay);
    else if (name == "max-norm") f(s.max_norm);
    else if (name == "clip-norm") f(s.clip_norm);
    else if (name == "dropout") s.dropout = value;
    else if (name == "input-dropout") f(s.input_dropout);
    else if (name == "schedule") s.schedule = value;
    else if (name == "warmup") i(s.warmup);
    else if (name == "min-lr") f(s.min_lr);
    else if (name == "early-stopping") i(s.early_stopping);
    else if (name == "optimizer") s.optimizer.name = value;
    else if (name == "init") s.init = value;
    else if (name == "init-dist") s.init_dist = value;
    else if (name == "shift") i(s.shift);
    else if (name == "rotate") f(s.rotate);
    else if (name == "scale") f(s.scale);
    else if (name == "seed") s.seed = std::stol(value);
    else if (name == "augment") s.augment = value == "1" || value == "on" || value == "true";
    else if (name == "layers") {  // "784-256-10" (commas separate the sweep's values)
        s.layers = value;
        std::replace(s.layers.begin(), s.layers.end(), '-', ',');
    } else
        throw std::invalid_argument("--sweep: '" + name + "' is not a sweepable setting (try lr, batch, epochs, "
                                    "dropout, l2, weight-decay, max-norm, clip-norm, schedule, optimizer, init, "
                                    "layers, augment, seed, ...)");
}

hw::MlpSpec make_spec(const Settings& s) {
    hw::MlpSpec spec;
    spec.sizes = hw::parse_int_list(s.layers);
    spec.activation = "relu";
    // "small" is the counter-example: it is initialised as He, then overwritten (see below).
    spec.init = hw::parse_init((s.init == "small" ? std::string("he") : s.init) + "-" + s.init_dist);
    spec.dropout = parse_rates(s.dropout);
    if (std::all_of(spec.dropout.begin(), spec.dropout.end(), [](float r) { return r == 0; })) spec.dropout.clear();
    spec.input_dropout = s.input_dropout;
    spec.validate();
    return spec;
}

// --init small: every weight from N(0, 0.01²), the "just make them small" choice. In a deep
// ReLU net the signal then shrinks by ~0.01·sqrt(fan_in/2) per layer (≈0.1 for 256 units).
void init_small(hw::Sequential& net, std::uint64_t seed) {
    hw::Rng rng(seed ^ 0x5A11ULL);
    for (const hw::Param& p : net.params())
        if (p.is_weight) p.value->fill_normal(rng, 0.0f, 0.01f);
}

hw::ToolboxOptions make_toolbox_options(const Settings& s, const hw::LabeledSet& train) {
    hw::ToolboxOptions o;
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

// Logits (N×classes) of every row, in evaluation mode.
hw::Matrix logits_of(hw::Sequential& net, const hw::Matrix& images, std::size_t begin, std::size_t end) {
    const std::size_t chunk = 1000, C = static_cast<std::size_t>(net.output_size());
    hw::Matrix out(end - begin, C), X;
    for (std::size_t b = begin; b < end; b += chunk) {
        const std::size_t rows = std::min(chunk, end - b);
        hw::ensure_shape(X, rows, images.cols());
        std::memcpy(X.data(), images.row(b), rows * images.cols() * sizeof(float));
        const hw::Matrix& z = net.forward(X, /*training=*/false);
        std::memcpy(out.row(b - begin), z.data(), rows * C * sizeof(float));
    }
    return out;
}

// ---------------------------------------------------------------- one training run

struct RunResult {
    hw::Sequential net;
    hw::History history;
    hw::LossAccuracy test;
    int best_epoch = -1;      // 1-based epoch whose weights were restored by early stopping
    double train_seconds = 0;  // wall time of hw::train (validation passes included)
};

void print_epoch(const hw::EpochStats& e, int epochs, const hw::TrainingToolbox& tb) {
    std::printf("epoch %2d/%d  lr %.3g  train loss %.4f acc %6.2f%%", e.epoch, epochs, e.lr, e.train_loss,
                100 * e.train_accuracy);
    if (!std::isnan(e.val_loss)) std::printf("  val loss %.4f acc %6.2f%%", e.val_loss, 100 * e.val_accuracy);
    std::printf("  %.1fs", e.seconds);
    const hw::ToolboxEpochStats& t = tb.epoch_stats();
    if (tb.options().clip_norm > 0)
        std::printf("  |g| mean %.2f max %.2f, clipped %.0f%%", t.mean_grad_norm, t.max_grad_norm,
                    t.steps ? 100.0 * t.clipped_steps / t.steps : 0.0);
    if (tb.options().max_norm > 0) std::printf("  max-norm %ld cols", t.max_norm_rescaled);
    std::printf("\n");
    std::fflush(stdout);
}

RunResult run(const Settings& s, const hw::Mnist& data, bool verbose) {
    RunResult r;
    const hw::MlpSpec spec = make_spec(s);
    hw::Rng rng(static_cast<std::uint64_t>(s.seed));
    r.net = hw::Sequential(spec, rng);
    if (s.init == "small") init_small(r.net, static_cast<std::uint64_t>(s.seed));

    hw::TrainingToolbox toolbox(make_toolbox_options(s, data.train), s.lr, std::max(1, s.epochs));
    hw::TrainOptions o = hw::train_options(s);
    o.threads = s.threads;
    o.progress = verbose && !s.quiet;
    // The toolbox at the trainer's phases (schedule uses 0-based epochs, the trainer 1-based).
    o.hooks.learning_rate = [&](int epoch) { return toolbox.epoch_lr(epoch - 1); };
    if (s.augment) o.hooks.augment = [&](hw::Matrix& X) { toolbox.augment_batch(X); };
    o.hooks.before_step = [&](const std::vector<hw::Param>& p, float lr) { toolbox.before_step(p, lr); };
    o.hooks.after_step = [&](const std::vector<hw::Param>& p) { toolbox.after_step(p); };
    o.hooks.end_epoch = [&](const hw::EpochStats& e, const std::vector<hw::Param>& p) {
        const bool stop = toolbox.end_epoch(e.epoch - 1, e.val_loss, p);
        if (verbose && toolbox.lr_was_reduced())
            std::printf("           plateau: validation loss stalled, lr → %.3g\n", toolbox.epoch_lr(e.epoch));
        if (verbose && stop)
            std::printf("           early stopping: no improvement for %d epochs\n", s.early_stopping);
        return stop;
    };
    if (verbose)
        for (const std::string& line : toolbox.describe()) std::printf("  %s\n", line.c_str());

    hw::Stopwatch clock;
    r.history = hw::train(r.net, data.train, o, [&](const hw::EpochStats& e) {
        if (verbose) print_epoch(e, s.epochs, toolbox);
    });
    r.train_seconds = clock.seconds();
    const int best = toolbox.finish(r.net.params());
    if (best >= 0) {
        r.best_epoch = best + 1;
        if (verbose)
            std::printf("early stopping: restored the weights of epoch %d (val loss %.4f)\n", r.best_epoch,
                        toolbox.early_stopping()->best_loss());
    }
    r.test = hw::evaluate(r.net, data.test.images, data.test.labels, 0, data.test.size());
    return r;
}

// ---------------------------------------------------------------- reports

// The spread of each layer's output on a batch of real digits: how init shapes the signal.
void show_signal(hw::Sequential& net, const hw::Matrix& images) {
    const std::size_t rows = std::min<std::size_t>(1000, images.rows());
    hw::Matrix X(rows, images.cols()), Y;
    std::memcpy(X.data(), images.data(), X.size() * sizeof(float));
    std::printf("signal at initialisation (1000 training digits, evaluation mode): std of each layer's output\n");
    for (std::size_t i = 0; i < net.size(); ++i) {
        net.layer(i).forward(X, Y, /*training=*/false);
        double sum = 0, sq = 0;
        for (std::size_t k = 0; k < Y.size(); ++k) {
            sum += Y.data()[k];
            sq += double(Y.data()[k]) * Y.data()[k];
        }
        const double mean = sum / Y.size();
        std::printf("  %-22s std %.4g\n", net.layer(i).name().c_str(), std::sqrt(std::max(0.0, sq / Y.size() - mean * mean)));
        std::swap(X, Y);
    }
}

// Originals and random warps of a few training digits, as text art and as an SVG grid.
std::string write_augmented_grid(const Settings& s, const hw::LabeledSet& train, const std::string& out) {
    hw::AugmentOptions a;
    a.max_shift = s.shift;
    a.max_degrees = s.rotate;
    a.max_scale = s.scale;
    hw::Augmenter aug(a, static_cast<std::uint64_t>(s.seed) + 2024);
    const int h = train.height, w = train.width, digits = 8, per_digit = 10;
    std::vector<float> pixels;
    std::vector<std::string> captions;
    std::vector<float> one(h * w);
    for (int d = 0; d < digits; ++d) {
        const float* src = train.images.row(d);
        pixels.insert(pixels.end(), src, src + h * w);
        captions.push_back("original");
        for (int k = 1; k < per_digit; ++k) {
            const hw::Warp wp = aug.random_warp();
            hw::warp_image(src, one.data(), h, w, wp);
            pixels.insert(pixels.end(), one.begin(), one.end());
            char c[48];
            std::snprintf(c, sizeof c, "%+.0f,%+.0f %+.0f° ×%.2f", wp.dx, wp.dy, wp.degrees, wp.scale);
            captions.push_back(c);
        }
    }
    const std::string path = out + "/augmented.svg";
    hw::write_image_grid(path, pixels.data(), digits * per_digit, h, w, captions, per_digit,
                         "11: training digits (left) and random warps: shift dx,dy · rotation · scale");
    if (!s.quiet) {
        std::printf("\nAugmentation: the first training digit and two random warps of it (more in %s)\n", path.c_str());
        std::vector<const float*> row = {pixels.data()};
        std::vector<std::string> cap = {captions[0]};
        for (int k = 1; k <= 2; ++k) {
            row.push_back(pixels.data() + k * h * w);
            cap.push_back(captions[k]);
        }
        std::cout << hw::text_art_row(row, h, w, cap);
    }
    return path;
}

struct TemperatureReport {
    float fitted = 1;  // T with the lowest validation NLL (1 when there is no validation set)
    std::vector<float> temps;
    std::vector<hw::Calibration> test;
};

// How confident the network is at several temperatures, on the test set; T fitted on validation.
TemperatureReport temperature_report(hw::Sequential& net, const hw::Mnist& data, const hw::History& h,
                                     float user_t) {
    TemperatureReport rep;
    const std::vector<float> grid = {0.5f, 0.75f, 0.9f, 1.0f, 1.1f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f};
    if (h.val_size > 0) {
        const std::size_t n = data.train.size();
        const hw::Matrix val_logits = logits_of(net, data.train.images, n - h.val_size, n);
        const std::vector<std::uint8_t> val_labels(data.train.labels.end() - h.val_size, data.train.labels.end());
        rep.fitted = hw::fit_temperature(val_logits, val_labels, grid);
    }
    rep.temps = {0.5f, 1.0f, 2.0f, 5.0f};
    if (std::find(rep.temps.begin(), rep.temps.end(), rep.fitted) == rep.temps.end()) rep.temps.push_back(rep.fitted);
    if (std::find(rep.temps.begin(), rep.temps.end(), user_t) == rep.temps.end()) rep.temps.push_back(user_t);
    std::sort(rep.temps.begin(), rep.temps.end());
    const hw::Matrix test_logits = logits_of(net, data.test.images, 0, data.test.size());
    std::printf("\nSoftmax temperature on the test set (accuracy never changes: argmax is the same)\n");
    std::printf("      T   mean confidence    NLL     ECE\n");
    for (float t : rep.temps) {
        rep.test.push_back(hw::calibration(hw::softmax_with_temperature(test_logits, t), data.test.labels));
        const hw::Calibration& c = rep.test.back();
        std::printf("  %5.2f   %14.2f%%  %.4f  %5.2f%%%s\n", t, 100 * c.mean_confidence, c.nll, 100 * c.ece,
                    t == rep.fitted && h.val_size > 0 ? "   ← lowest validation NLL" : (t == 1 ? "   (plain softmax)" : ""));
    }
    // One digit the network is unsure about, at three temperatures.
    const hw::Matrix p1 = hw::softmax_with_temperature(test_logits, 1.0f);
    std::size_t unsure = 0;
    float lowest = 2;
    for (std::size_t r = 0; r < p1.rows(); ++r) {
        const float top = *std::max_element(p1.row(r), p1.row(r) + p1.cols());
        if (top < lowest) lowest = top, unsure = r;
    }
    std::printf("\nthe least confident test digit (#%zu, label %d): class probabilities at T = 0.5, 1, 2\n", unsure,
                int(data.test.labels[unsure]));
    for (float t : {0.5f, 1.0f, 2.0f}) {
        const hw::Matrix p = hw::softmax_with_temperature(test_logits, t);
        std::printf("  T=%.1f ", t);
        for (std::size_t k = 0; k < p.cols(); ++k) std::printf(" %5.1f", 100 * p(unsure, k));
        std::printf("  (%%)\n");
    }
    return rep;
}

// loss.svg and accuracy.svg as in chapter 10, plus the learning rate each epoch used.
void write_curves(const std::string& out, const hw::History& h, double test_accuracy) {
    hw::write_training_curves(out, h, test_accuracy, "11",
                              "(train is measured with dropout/augmentation on)");
    hw::Series lr{"learning rate", {}, {}};
    for (const hw::EpochStats& e : h.epochs) lr.x.push_back(e.epoch), lr.y.push_back(e.lr);
    hw::ChartOptions ro;
    ro.title = "11: learning rate per epoch";
    ro.x_label = "epoch";
    ro.y_label = "learning rate";
    hw::write_line_chart(out + "/lr.svg", {lr}, ro);
}

void write_metrics(const std::string& path, const Settings& s, const RunResult& r, const hw::ConfusionMatrix& cm,
                   const TemperatureReport& temp) {
    hw::create_parent_directory(path);
    hw::JsonWriter j;
    j.begin_object();
    j.key("chapter").value("11-better-training");
    j.key("dataset").value(s.dataset);
    j.key("config").value(r.net.spec().to_config());
    j.key("init").value(s.init + "-" + s.init_dist);
    j.key("optimizer").value(s.optimizer.name);
    j.key("lr").value(double(s.lr));
    j.key("batch").value(s.batch);
    j.key("epochs").value(s.epochs);
    j.key("epochs_run").value(r.history.epochs.size());
    j.key("seed").value(static_cast<long long>(s.seed));
    j.key("threads").value(hw::gemm_threads());
    j.key("val_fraction").value(s.val);
    j.key("l2").value(double(s.l2));
    j.key("weight_decay").value(double(s.weight_decay));
    j.key("dropout").value(s.dropout);
    j.key("input_dropout").value(double(s.input_dropout));
    j.key("max_norm").value(double(s.max_norm));
    j.key("clip_norm").value(double(s.clip_norm));
    j.key("schedule").value(s.schedule);
    j.key("early_stopping").value(s.early_stopping);
    j.key("best_epoch").value(r.best_epoch);
    j.key("augment").value(s.augment);
    std::vector<double> lr, secs;
    for (const hw::EpochStats& e : r.history.epochs) lr.push_back(e.lr), secs.push_back(e.seconds);
    hw::write_history_json(j, r.history);
    j.key("lr_per_epoch").array(lr);
    j.key("epoch_seconds").array(secs);
    j.key("train_seconds").value(r.train_seconds);
    j.key("test_loss").value(r.test.loss);
    j.key("test_accuracy").value(r.test.accuracy);
    j.key("temperature_fitted").value(double(temp.fitted));
    j.key("temperature").begin_array();
    for (std::size_t i = 0; i < temp.temps.size(); ++i) {
        j.begin_object();
        j.key("T").value(double(temp.temps[i]));
        j.key("mean_confidence").value(temp.test[i].mean_confidence);
        j.key("nll").value(temp.test[i].nll);
        j.key("ece").value(temp.test[i].ece);
        j.end_object();
    }
    j.end_array();
    j.key("confusion");
    cm.write_json(j);
    j.end_object();
    j.save(path);
}

int run_sweep(const Settings& base, const hw::Mnist& data) {
    const std::vector<hw::SweepAxis> axes = hw::parse_sweep(base.sweep);
    const std::vector<hw::SweepSetting> settings = hw::sweep_settings(axes);
    for (const hw::SweepSetting& setting : settings) {  // reject bad names/values before training
        Settings trial = base;
        for (const auto& [name, value] : setting) set_by_name(trial, name, value);
        make_spec(trial);
    }
    std::printf("sweep: %zu runs of %s\n\n", settings.size(), base.sweep.c_str());
    hw::SweepTable table(axes);
    std::printf("%s\n", table.header_line().c_str());
    for (const hw::SweepSetting& setting : settings) {
        Settings trial = base;
        for (const auto& [name, value] : setting) set_by_name(trial, name, value);
        const RunResult r = run(trial, data, /*verbose=*/false);
        hw::SweepResult row;
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
    return 0;
}

// Chapter 10's flags with this chapter's help texts, the toolbox's flags between them, and the
// checks that turn a bad combination into a usage error (exit 2) before any data is read.
void parse_command_line(int argc, char** argv, Settings& s, hw::Cli& cli) {
    hw::MlpRunHelp help;
    help.lr = "(base) learning rate (default 1e-3 for adam, 0.05 for sgd)";
    help.momentum = "sgd momentum";
    help.val = "fraction of the training set held out for validation (the last rows)";
    help.seed = "seed for weights, shuffles, dropout masks and warps";
    help.data = "directory with the four IDX files (default: data/mnist or data/fashion, or $HW_DATA_DIR)";
    help.out = "directory for SVG plots (and the sweep's CSV)";
    help.metrics = "write history, tools, temperature table and confusion matrix as JSON";
    help.load = "start from a saved model (its layer list and dropout win)";
    cli.option("--layers", s.layers, "layer sizes, input first, classes last (e.g. 784,800,800,10)")
        .choice("--init", s.init, {"he", "xavier", "small"}, "weight init: He (ReLU), Xavier, or N(0, 0.01²)")
        .choice("--init-dist", s.init_dist, {"normal", "uniform"}, "distribution with the init's variance");
    hw::add_optimizer_flags(cli, s, help);
    hw::add_loop_flags(cli, s, help);
    cli.option("--l2", s.l2, "L2 penalty λ/2·‖W‖² added to the loss (gradient += λ·W)")
        .option("--weight-decay", s.weight_decay, "decoupled weight decay λ: W *= 1 − lr·λ per step (AdamW)")
        .option("--dropout", s.dropout, "dropout rate after each hidden layer: one rate, or one per hidden layer")
        .option("--input-dropout", s.input_dropout, "dropout rate on the input pixels")
        .option("--max-norm", s.max_norm, "bound on the norm of each unit's incoming weights (0: off)")
        .option("--clip-norm", s.clip_norm, "clip the global gradient norm to this (0: off)")
        .choice("--schedule", s.schedule, {"constant", "step", "cosine", "plateau"}, "learning-rate schedule")
        .option("--step-every", s.step_every, "step schedule: epochs between decays")
        .option("--step-gamma", s.step_gamma, "step schedule: factor per decay")
        .option("--warmup", s.warmup, "cosine schedule: linear warm-up epochs")
        .option("--min-lr", s.min_lr, "cosine/plateau: the lowest learning rate")
        .option("--plateau-factor", s.plateau_factor, "plateau: factor when validation loss stalls")
        .option("--plateau-patience", s.plateau_patience, "plateau: epochs without improvement before cutting")
        .option("--early-stopping", s.early_stopping, "stop after this many epochs without a better validation loss, "
                                                      "restoring the best weights (0: off)")
        .flag("--augment", s.augment, "random shifts/rotations/scales of every training batch")
        .option("--shift", s.shift, "augmentation: largest shift in pixels")
        .option("--rotate", s.rotate, "augmentation: largest rotation in degrees")
        .option("--scale", s.scale, "augmentation: largest relative scale change (0.1 = ±10%)")
        .option("--temperature", s.temperature, "softmax temperature for the reported probabilities")
        .option("--sweep", s.sweep, "run a grid, e.g. \"lr=1e-3,3e-3;batch=64,128\", and tabulate it")
        .flag("--show-init", s.show_init, "print each layer's output spread at initialisation");
    hw::add_data_and_output_flags(cli, s, help);
    cli.epilog("Examples (see chapters/11-better-training/README.md for what each shows):\n"
               "  build/bin/11-better-training --layers 784,800,800,10 --dropout 0.3 --augment --schedule cosine\n"
               "  build/bin/11-better-training --layers 784,256,256,256,10 --init small --show-init\n"
               "  build/bin/11-better-training --epochs 5 --sweep \"lr=1e-3,3e-3;batch=64,128\"\n"
               "  build/bin/11-better-training --dataset fashion --dropout 0.3 --augment --shift 1 --rotate 0");
    cli.parse(argc, argv);
    hw::default_sgd_lr(cli, s, 0.05f);
    try {
        make_spec(s);
    } catch (const std::invalid_argument& e) {
        cli.fail(e.what());
    }
    cli.check(hw::parse_int_list(s.layers).size() >= 2, "--layers needs at least two sizes, e.g. 784,256,10");
    cli.check(s.lr > 0 && s.batch > 0 && s.epochs >= 0, "--lr and --batch must be positive, --epochs >= 0");
    cli.check(s.epochs > 0 || !s.load.empty(), "--epochs 0 only makes sense with --load FILE");
    cli.check(s.val >= 0 && s.val < 1, "--val must be in [0, 1)");
    cli.check(s.optimizer.momentum >= 0 && s.optimizer.momentum < 1, "--momentum must be in [0, 1)");
    cli.check(s.threads >= 0 && s.limit >= 0 && s.show >= 0, "--threads, --limit and --show must be >= 0");
    cli.check(s.temperature > 0, "--temperature must be positive");
    cli.check(s.l2 >= 0 && s.weight_decay >= 0 && s.max_norm >= 0 && s.clip_norm >= 0,
              "--l2, --weight-decay, --max-norm and --clip-norm must be >= 0");
    cli.check(s.shift >= 0 && s.rotate >= 0 && s.scale >= 0 && s.scale < 1, "--shift/--rotate >= 0, --scale in [0, 1)");
    cli.check((s.schedule != "plateau" && s.early_stopping == 0) || s.val > 0,
              "--schedule plateau and --early-stopping watch the validation loss: they need --val > 0");
    cli.check(s.early_stopping >= 0, "--early-stopping must be >= 0");
    try {  // schedule parameters
        hw::TrainingToolbox probe(make_toolbox_options(s, hw::LabeledSet{}), s.lr, std::max(1, s.epochs));
    } catch (const std::invalid_argument& e) {
        cli.fail(e.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    hw::Cli cli("11-better-training",
                "Train the batched MLP with the better-training toolbox: init, L2/AdamW, dropout, max-norm, "
                "clipping, LR schedules, early stopping, augmentation, temperature, sweeps.");
    parse_command_line(argc, argv, s, cli);

    try {
        if (s.threads > 0) hw::set_gemm_threads(s.threads);
        const hw::Mnist data = hw::load_run_data(s);
        const auto& names = hw::class_names(s.dataset);
        const std::size_t pixels = data.train.images.cols();
        const std::vector<int> sizes = hw::parse_int_list(s.layers);
        if (s.load.empty() && (std::size_t(sizes.front()) != pixels || std::size_t(sizes.back()) < names.size()))
            cli.fail("--layers must start with " + std::to_string(pixels) + " and end with " +
                     std::to_string(names.size()) + " for this dataset");
        std::printf("11-better-training: data %s (%s, %zu train, %zu test); GEMM %s, %d thread%s\n", data.dir.c_str(),
                    s.dataset.c_str(), data.train.size(), data.test.size(), hw::sgemm_microkernel_name().c_str(),
                    hw::gemm_threads(), hw::gemm_threads() == 1 ? "" : "s");

        if (!s.sweep.empty()) {
            try {
                return run_sweep(s, data);
            } catch (const std::invalid_argument& e) {
                cli.fail(e.what());
            }
        }

        std::filesystem::create_directories(s.out);
        std::vector<std::string> written;
        if (s.augment) written.push_back(write_augmented_grid(s, data.train, s.out));

        RunResult r;
        if (!s.load.empty()) {
            r.net = hw::Sequential::load(s.load);
            std::printf("loaded %s: %s\n", s.load.c_str(), r.net.spec().to_config().c_str());
            if (std::size_t(r.net.input_size()) != pixels)
                throw hw::ModelFileError(s.load + ": the network takes " + std::to_string(r.net.input_size()) +
                                         " inputs but the images have " + std::to_string(pixels) + " pixels");
            if (s.epochs > 0) std::printf("note: --load evaluates the saved model; --epochs is ignored\n");
            r.test = hw::evaluate(r.net, data.test.images, data.test.labels, 0, data.test.size());
        } else {
            const hw::MlpSpec spec = make_spec(s);
            std::printf("network: %s, init %s-%s\n", spec.to_config().c_str(), s.init.c_str(), s.init_dist.c_str());
            std::printf("training: %s, lr %g, batch %d, %d epochs, seed %ld, validation %.0f%% of train\n",
                        s.optimizer.name.c_str(), s.lr, s.batch, s.epochs, s.seed, 100 * s.val);
            if (s.show_init) {
                hw::Rng rng(static_cast<std::uint64_t>(s.seed));
                hw::Sequential fresh(spec, rng);
                if (s.init == "small") init_small(fresh, static_cast<std::uint64_t>(s.seed));
                show_signal(fresh, data.train.images);
            }
            r = run(s, data, /*verbose=*/true);
            std::printf("training wall time: %.1f s for %zu epochs (%.2f s/epoch, validation included)\n",
                        r.train_seconds, r.history.epochs.size(),
                        r.history.epochs.empty() ? 0.0 : r.train_seconds / r.history.epochs.size());
        }

        // ---------------------------------------------------------------- test set
        const hw::Matrix test_logits = logits_of(r.net, data.test.images, 0, data.test.size());
        const hw::Matrix probs = hw::softmax_with_temperature(test_logits, s.temperature);
        char probability_note[48];
        std::snprintf(probability_note, sizeof probability_note, "probability at T = %g", s.temperature);
        const hw::TestSetReport report =
            hw::report_test_set(data.test, probs, r.net.output_size(), names, s, probability_note);
        const TemperatureReport temp = temperature_report(r.net, data, r.history, s.temperature);

        written.push_back(hw::write_mistakes_svg(data.test, report.mistakes, names, s.out, "11"));
        if (!r.history.epochs.empty()) {
            write_curves(s.out, r.history, r.test.accuracy);
            for (const char* f : {"/loss.svg", "/accuracy.svg", "/lr.svg"}) written.push_back(s.out + f);
        }
        if (!s.save.empty()) written.push_back(hw::save_trained_model(r.net, s.save));
        if (!s.metrics.empty()) {
            write_metrics(s.metrics, s, r, report.confusion, temp);
            written.push_back(s.metrics + " (metrics)");
        }
        std::printf("\n");
        hw::print_test_summary(r.test, report.confusion, written);
    } catch (const std::exception& e) {  // hw::DataError, hw::ModelFileError and the rest
        std::fprintf(stderr, "11-better-training: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
