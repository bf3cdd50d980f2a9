// toolbox_run.hpp — chapter 11's run: its settings and flag table, the network and toolbox they
// describe, one training run with every tool hooked into hw::train, and a --sweep of such runs.
//
// The tools themselves live in train/ (schedules, regularisers, early stopping, augmentation,
// all driven by hw::TrainingToolbox) and nn/ (dropout inside hw::Sequential). This file is the
// glue from settings to those objects, kept out of the chapter's main.cpp so the demo reads as
// "flags → one run or a sweep → reports", and so the tests can drive it.
//
//     hw::ToolboxSettings s;                 hw::FlagTable flags;
//     hw::declare_toolbox_flags(flags, s);   flags.add_to(cli);  cli.parse(argc, argv);
//     const hw::Mnist data = hw::load_run_data(s);
//     hw::ToolboxRun r = hw::train_with_toolbox(s, data, /*verbose=*/true);
//
// What it is not: a second training loop. There is one, hw::train.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/train/toolbox.hpp"
#include "handwritten/train/trainer.hpp"

namespace hw {

// Chapter 10's run settings (mlp_run.hpp) plus the toolbox; chapter 11's defaults.
struct ToolboxSettings : MlpRunSettings {
    ToolboxSettings() {
        val = 0.1;
        out = "runs/11-better-training";
    }
    std::string activation = "relu";
    std::string init = "he", init_dist = "normal";
    float init_sigma = 0.01f, bias_sigma = 0;  // --init normal: weights N(0, σ²); biases N(0, bias σ²) when > 0
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
    // The tutorials' displays (app/tutorials.hpp) and their long runs' epoch lines.
    int print_every = 1;
    bool eval_train = false, prediction_grid = false, round_trip = false;
    std::string tutorial;  // for --help only: hw::expand_tutorial has replaced it by its preset
};

// Every flag of chapter 11, once, in --help order: chapter 10's shared groups with this
// chapter's help texts, the toolbox's flags between them.
void declare_toolbox_flags(FlagTable& flags, ToolboxSettings& s);
// The rows of the tools that work on any network (chapters 11 and 12 both declare them):
// --l2 --weight-decay --clip-norm --schedule --step-every --step-gamma --warmup --min-lr
// --plateau-factor --plateau-patience --early-stopping --augment --shift --rotate --scale
void add_training_tool_flags(FlagTable& flags, ToolboxSettings& s);

// The checks that involve several settings (a network the layer list and dropout rates can
// build, plateau/early stopping only with a validation split, schedule parameters the schedule
// accepts). std::invalid_argument with a one-line message; ranges are the table's job.
void check_toolbox_settings(const ToolboxSettings& s);

// The network of the settings: ReLU MLP from --layers, the init, the dropout rates.
MlpSpec toolbox_spec(const ToolboxSettings& s);
// A freshly initialised network of the settings (--init normal and small overwrite the weights).
Sequential build_toolbox_network(const ToolboxSettings& s);
// The toolbox of the settings, for images of the training set's size.
ToolboxOptions toolbox_options(const ToolboxSettings& s, const LabeledSet& train);

struct ToolboxRun {
    Sequential net;
    History history;
    LossAccuracy test;
    int best_epoch = -1;       // 1-based epoch whose weights early stopping restored; -1: none
    double train_seconds = 0;  // wall time of hw::train (validation passes included)
};

// Trains a fresh network with every tool of the settings hooked into hw::train, restores early
// stopping's best weights and evaluates on the test set. `verbose`: the toolbox's description,
// progress bars (unless --quiet) and one line per epoch.
ToolboxRun train_with_toolbox(const ToolboxSettings& s, const Mnist& data, bool verbose);
// The same for a network built elsewhere (chapter 12's convolutional ones); `after_epoch`, when
// set, runs after each epoch's line with the network being trained.
using RunEpochCallback = std::function<void(const EpochStats&, const Sequential& net)>;
ToolboxRun train_with_toolbox(const ToolboxSettings& s, Sequential net, const Mnist& data, bool verbose,
                              const RunEpochCallback& after_epoch = {});

// --sweep: every combination of the grid, one quiet run each, as a table on stdout and
// OUT/sweep.csv, OUT/sweep.svg. Every combination is checked before the first run trains;
// a bad name or value throws std::invalid_argument.
void run_sweep(const ToolboxSettings& base, const Mnist& data);

}  // namespace hw
