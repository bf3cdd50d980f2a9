// cnn_run.hpp — chapter 12's run: its settings and flag table, the network they describe,
// members of an ensemble trained with chapter 11's toolbox, and the epoch's time breakdown.
//
//     hw::CnnSettings s;   hw::FlagTable flags;   hw::declare_cnn_flags(flags, s);
//     flags.add_to(cli);   cli.parse(argc, argv);  hw::check_cnn_settings(cli, flags, s);
//     const hw::Mnist data = hw::load_run_data(s);
//     hw::ToolboxRun r = hw::train_cnn(s, data, s.seed, /*verbose=*/true);
//
// Chapter 11's run (toolbox_run.hpp) does the training: the same hooks, the same tools. What
// this file adds is the network line (--net, read by hw::NetSpec and built by
// hw::build_network), the ensemble's seeds and where an epoch's time goes.
// What it is not: a second training loop (there is one, hw::train).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/toolbox_run.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/train/trainer.hpp"

namespace hw {

// Chapter 11's settings with chapter 12's defaults (all 60,000 training images, 10 epochs, He
// uniform init, as the yardstick trains) plus the network line and the ensemble.
struct CnnSettings : ToolboxSettings {
    CnnSettings() {
        val = 0;
        epochs = 10;
        out = "runs/12-cnn";
        init = "he";
        init_dist = "uniform";
    }
    std::string net = "lenet5";
    int ensemble = 1;      // networks trained with seeds seed, seed+1, ...; probabilities averaged
    bool profile = false;  // one line per epoch: where the time went
};

// Every flag of chapter 12, once, in --help order.
void declare_cnn_flags(FlagTable& flags, CnnSettings& s);
// After cli.parse: the table's ranges, then the combinations and the network line (parsed and
// built once for 28×28×1 images). Exits 2 with one line on the first failure.
void check_cnn_settings(const Cli& cli, const FlagTable& flags, const CnnSettings& s);

// A freshly initialised network of the settings for samples of `input` ({28, 28, 1}), weights
// from `seed`; --dropout goes after the activation of every hidden fc layer.
Sequential build_cnn(const CnnSettings& s, const Shape& input, std::uint64_t seed);

// One member: the network of the settings trained with every tool, with weights, shuffles,
// dropout masks and warps from `seed`; evaluated on the test set. `verbose`: the tools,
// progress bars, epoch lines (and --profile's time shares).
ToolboxRun train_cnn(const CnnSettings& s, const Mnist& data, std::uint64_t seed, bool verbose);

// Where an epoch's mini-batch loop went, in seconds: GEMM (all layers; for a convolution on the
// direct path, its products read from the padded copy), im2col and col2im, the direct path's
// zero-padded copies (pad), max-pooling, and the rest (activations, loss, Adam, gathering, ...).
struct EpochTimeShares {
    double total = 0, gemm = 0, im2col = 0, col2im = 0, pad = 0, pooling = 0;
    std::vector<std::pair<std::string, GemmStats>> conv_gemm;  // per convolution: "conv0", its GEMM work
    double rest() const { return total - gemm - im2col - col2im - pad - pooling; }
};
// Read from the layers' tallies, which the trainer resets at the start of every epoch; call it
// from the epoch callback of a run without validation (a validation pass adds its own im2col
// and pooling time).
EpochTimeShares epoch_time_shares(const Sequential& net, const EpochStats& epoch);
// "time: GEMM 71% (95.0 GFLOP/s; conv0 40.1, conv1 120.3)  im2col 8%  col2im 3%  pad 0%  pool 6%  rest 12% (...)"
std::string describe_time_shares(const EpochTimeShares& t, const EpochStats& epoch);

}  // namespace hw
