// cnn_run.hpp — chapter 12's run: its settings and flags, the network they describe, training
// with chapter 11's toolbox hooked in, an ensemble of such runs, and the epoch's time breakdown.
//
//     hw::CnnSettings s;   hw::add_cnn_flags(cli, s);   cli.parse(argc, argv);   hw::check_cnn_settings(cli, s);
//     const hw::Mnist data = hw::load_run_data(s);
//     hw::CnnRun r = hw::train_cnn(s, data, s.seed, /*verbose=*/true);
//
// What it is not: a second training loop (there is one, hw::train) or a network builder
// (hw::build_network reads the --net line).
#pragma once
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/train/toolbox.hpp"
#include "handwritten/train/trainer.hpp"

namespace hw {

// Chapter 10's run settings plus the network line and the toolbox; chapter 12's defaults
// (all 60,000 training images, 10 epochs, as the yardstick trains).
struct CnnSettings : MlpRunSettings {
    CnnSettings() {
        val = 0;
        epochs = 10;
        out = "runs/12-cnn";
    }
    std::string net = "lenet5", init = "he-uniform";
    float dropout = 0, l2 = 0, weight_decay = 0, clip_norm = 0;
    std::string schedule = "constant";
    int step_every = 10, warmup = 0, early_stopping = 0;
    float step_gamma = 0.1f, min_lr = 0;
    bool augment = false;
    int shift = 2;
    float rotate = 10, scale = 0.1f;
    int ensemble = 1;       // networks trained with seeds seed, seed+1, ...; probabilities averaged
    bool profile = false;   // one line per epoch: where the time went
};

// Every flag of chapter 12, in --help order.
void add_cnn_flags(Cli& cli, CnnSettings& s);
// After cli.parse: ranges and combinations (exit 2 with one line when wrong), the network line
// included (parsed and built once on the dataset's 28×28×1 shape).
void check_cnn_settings(const Cli& cli, const CnnSettings& s);

// A freshly initialised network of the settings for samples of `input` ({28, 28, 1}).
Sequential build_cnn(const CnnSettings& s, const Shape& input, std::uint64_t seed);
ToolboxOptions cnn_toolbox_options(const CnnSettings& s, const LabeledSet& train, std::uint64_t seed);

struct CnnRun {
    Sequential net;
    History history;
    int best_epoch = -1;       // 1-based epoch early stopping restored; -1: none
    double train_seconds = 0;  // wall time of hw::train
};

// Trains a fresh network (weights, shuffles, dropout and warps from `seed`) with every tool of
// the settings hooked into hw::train. `verbose`: the tools, progress bars and epoch lines.
CnnRun train_cnn(const CnnSettings& s, const Mnist& data, std::uint64_t seed, bool verbose);

// Where an epoch's mini-batch loop went, in seconds: GEMM (all layers), im2col and col2im
// (convolutions), max-pooling, and the rest (activations, loss, Adam, gathering, ...).
struct EpochTimeShares {
    double total = 0, gemm = 0, im2col = 0, col2im = 0, pooling = 0;
    double rest() const { return total - gemm - im2col - col2im - pooling; }
};
// Read from the layers' tallies, which the trainer resets at the start of every epoch; call it
// from the epoch callback of a run without validation (a validation pass would add its own
// im2col and pooling time).
EpochTimeShares epoch_time_shares(const Sequential& net, const EpochStats& epoch);
// "time: GEMM 71% (95 GFLOP/s)  im2col 8%  col2im 3%  pool 6%  rest 12%"
std::string describe_time_shares(const EpochTimeShares& t, const EpochStats& epoch);

}  // namespace hw
