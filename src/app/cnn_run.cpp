// cnn_run.cpp — chapter 12's flags, network, members and time shares (cnn_run.hpp).
#include "handwritten/app/cnn_run.hpp"

#include <cstdio>
#include <stdexcept>

#include "handwritten/core/number_list.hpp"
#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/conv_pool2d.hpp"
#include "handwritten/nn/max_pool2d.hpp"
#include "handwritten/nn/net_spec.hpp"

namespace hw {

void declare_cnn_flags(FlagTable& flags, CnnSettings& s) {
    MlpRunHelp help;
    help.lr = "(base) learning rate (default 1e-3 for adam, 0.05 for sgd)";
    help.seed = "seed for weights, shuffles, dropout masks and warps (member m of an ensemble: seed + m)";
    help.val = "fraction of the training set held out for validation (the last rows)";
    help.data = "directory with the four IDX files (default: data/mnist or data/fashion, or $HW_DATA_DIR)";
    help.metrics = "write settings, history, timings and confusion matrix as JSON";
    help.load = "evaluate a saved model (its network line wins); several, comma-separated: their ensemble";
    flags.text("net", s.net, "the network: lenet5, cnn, or a layer line (see below)")
        .choice("init", s.init, {"he", "xavier"}, "weight init: He (ReLU) or Xavier")
        .choice("init-dist", s.init_dist, {"uniform", "normal"}, "distribution with the init's variance")
        .float_list("dropout", s.dropout, "dropout rate after the activation of each hidden fc layer (0: none)",
                    Range::fraction());
    add_optimizer_flags(flags, s, help);
    add_loop_flags(flags, s, help);
    add_training_tool_flags(flags, s);
    flags.number("ensemble", s.ensemble, "train this many networks and average their probabilities",
                 Range::between(1, 20))
        .not_sweepable()
        .toggle("profile", s.profile, "print each epoch's time shares: GEMM, im2col, col2im, padding, pooling, rest")
        .not_in_metrics().not_sweepable();
    add_data_and_output_flags(flags, s, help);
}

void check_cnn_settings(const Cli& cli, const FlagTable& flags, const CnnSettings& s) {
    check_run_flags(cli, flags, s);
    cli.check(parse_float_list(s.dropout).size() == 1, "--dropout takes one rate for the network's hidden fc layers");
    cli.check(s.early_stopping == 0 || s.val > 0, "--early-stopping watches the validation loss: it needs --val > 0");
    cli.check(s.schedule != "plateau" || s.val > 0, "--schedule plateau watches the validation loss: it needs --val > 0");
    cli.check(s.load.empty() || s.ensemble == 1, "--load evaluates saved models (list several for an ensemble): no --ensemble");
    try {
        build_cnn(s, Shape{28, 28, 1}, 0);
        TrainingToolbox probe(toolbox_options(s, LabeledSet{}), s.lr, std::max(1, s.epochs));  // schedule parameters
    } catch (const std::invalid_argument& e) {
        cli.fail(e.what());
    }
}

Sequential build_cnn(const CnnSettings& s, const Shape& input, std::uint64_t seed) {
    Rng rng(seed);
    const float dropout = parse_float_list(s.dropout).at(0);
    return build_network(NetSpec::parse(s.net).with_dropout(dropout), input, parse_init(s.init + "-" + s.init_dist),
                         rng);
}

ToolboxRun train_cnn(const CnnSettings& s, const Mnist& data, std::uint64_t seed, bool verbose) {
    CnnSettings member = s;  // the toolbox draws its warps from the settings' seed
    member.seed = static_cast<long>(seed);
    Sequential net = build_cnn(member, Shape{data.train.height, data.train.width, 1}, seed);
    RunEpochCallback profile;
    if (verbose && s.profile)
        profile = [](const EpochStats& e, const Sequential& trained) {
            std::printf("           %s\n", describe_time_shares(epoch_time_shares(trained, e), e).c_str());
        };
    return train_with_toolbox(member, std::move(net), data, verbose, profile);
}

EpochTimeShares epoch_time_shares(const Sequential& net, const EpochStats& epoch) {
    EpochTimeShares t;
    t.total = epoch.train_seconds;
    t.gemm = epoch.gemm_seconds;
    auto add_conv = [&](const Conv2D& conv) {
        t.conv_gemm.emplace_back(conv.name().substr(0, conv.name().find(' ')), conv.gemm_stats());
        t.im2col += conv.copy_times().im2col_seconds;
        t.col2im += conv.copy_times().col2im_seconds;
        t.pad += conv.copy_times().pad_seconds;
    };
    for (std::size_t i = 0; i < net.size(); ++i) {
        const Layer& layer = net.layer(i);
        if (const auto* conv = dynamic_cast<const Conv2D*>(&layer)) {
            add_conv(*conv);
        } else if (const auto* pool = dynamic_cast<const MaxPool2D*>(&layer)) {
            t.pooling += pool->seconds();
        } else if (const auto* pair = dynamic_cast<const ConvPool2D*>(&layer)) {
            add_conv(pair->conv());
            t.pooling += pair->pool().seconds();
        }
    }
    return t;
}

std::string describe_time_shares(const EpochTimeShares& t, const EpochStats& epoch) {
    auto pct = [&](double part) { return t.total > 0 ? 100.0 * part / t.total : 0.0; };
    std::string convs;
    for (const auto& [name, gemm] : t.conv_gemm) {
        char part[48];
        std::snprintf(part, sizeof part, "; %s %.1f", name.c_str(), gemm.seconds > 0 ? gemm.flops / gemm.seconds * 1e-9 : 0);
        convs += part;
    }
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "time: GEMM %.0f%% (%.1f GFLOP/s%s)  im2col %.0f%%  col2im %.0f%%  pad %.0f%%  pool %.0f%%  rest %.0f%%  "
                  "(loop %.3f s wall, %.3f s CPU on the main thread)",
                  pct(t.gemm), epoch.gemm_gflops(), convs.c_str(), pct(t.im2col), pct(t.col2im), pct(t.pad), pct(t.pooling),
                  pct(t.rest()), epoch.train_seconds, epoch.train_cpu_seconds);
    return buf;
}

}  // namespace hw
