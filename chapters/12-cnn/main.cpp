// Chapter 12 — convolutional networks on our own GEMM: im2col + hw::sgemm, from LeNet-5 to an
// ensemble of augmented CNNs.
//
// The network comes from one line (--net lenet5, --net cnn, or "conv5x5x32p2,relu,pool2,...,fc10",
// see nn/net_spec.hpp); it trains in the same loop as chapters 10–11 (hw::train) with chapter
// 11's toolbox (app/cnn_run.hpp), and is judged by chapter 10's test-set report. This chapter
// adds the pictures: the first layer's learned filters and one digit's feature maps per layer.
// What it is not: a second training loop or a second report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/cnn_run.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/core/machine.hpp"
#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/conv_direct.hpp"
#include "handwritten/nn/conv_pool2d.hpp"
#include "handwritten/nn/net_spec.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"
#include "handwritten/report/conv_pictures.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/report/training_plots.hpp"

namespace {

// ---------------------------------------------------------------- reports

// The mean of the members' class probabilities on the test set (one member: its own).
hw::Matrix ensemble_probabilities(std::vector<hw::Sequential>& members, const hw::Matrix& images) {
    hw::Matrix mean = members[0].predict_proba(images);
    for (std::size_t m = 1; m < members.size(); ++m) mean += members[m].predict_proba(images);
    mean *= 1.0f / static_cast<float>(members.size());
    return mean;
}

// Loss and accuracy of probabilities against the labels (what hw::evaluate gives for one net).
hw::LossAccuracy score(const hw::Matrix& probs, const std::vector<std::uint8_t>& labels) {
    hw::LossAccuracy r;
    r.count = labels.size();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const int C = static_cast<int>(probs.cols());
        r.loss -= std::log(std::max(probs(i, labels[i]), 1e-12f));
        r.accuracy += hw::argmax(probs.row(i), C) == labels[i];
    }
    r.loss /= double(r.count);
    r.accuracy /= double(r.count);
    return r;
}

// The peak the products are judged against: AVX2's when the GEMM or the direct convolution is
// held to AVX2 (HW_SGEMM_KERNEL=avx2, HW_CONV=direct-avx2), else the machine's widest.
const hw::Peak& products_peak() {
    const bool conv_held = hw::conv_direct_enabled() && !hw::conv_direct_avx512();
    return conv_held ? hw::peak_for_lanes(8) : hw::sgemm_peak();
}

// The fastest epoch's loop against the machine's limit: its GEMM flops at the measured peak of
// every GEMM thread would take flops ÷ (peak × threads) seconds.
void print_speed(const hw::History& history) {
    if (history.epochs.empty()) return;
    const double peak = products_peak().gflops_per_core;
    const hw::EpochStats* fastest = &history.epochs[0];
    for (const hw::EpochStats& e : history.epochs)
        if (e.train_seconds < fastest->train_seconds) fastest = &e;
    const double limit = fastest->gemm_flops * 1e-9 / (peak * hw::gemm_threads());
    std::printf("fastest epoch: loop %.2f s (%.2f s CPU on the main thread), %.1f GFLOP in GEMM at %.1f GFLOP/s; "
                "at peak (%.1f GFLOP/s × %d) %.2f s = %.0f%% of the loop\n",
                fastest->train_seconds, fastest->train_cpu_seconds, fastest->gemm_flops * 1e-9, fastest->gemm_gflops(),
                peak, hw::gemm_threads(), limit, 100 * limit / fastest->train_seconds);
    // On one thread the main thread's CPU time is all the work, so the same figures per CPU
    // second say what the code does when it has the core (other jobs only stretch the wall time).
    if (hw::gemm_threads() == 1 && fastest->train_cpu_seconds > 0 && fastest->gemm_seconds > 0) {
        const double gemm_cpu = fastest->gemm_share() * fastest->train_cpu_seconds;
        std::printf("per CPU second: GEMM at %.1f GFLOP/s (%.0f%% of peak); at peak the loop would take %.0f%% of "
                    "its CPU time\n", fastest->gemm_flops * 1e-9 / gemm_cpu,
                    100 * fastest->gemm_flops * 1e-9 / gemm_cpu / peak,
                    100 * limit / fastest->train_cpu_seconds);
    }
}

// OUT/filters.svg (first convolution, when it sees one channel) and OUT/feature_maps.svg.
std::vector<std::string> write_pictures(hw::Sequential& net, const hw::LabeledSet& test, const std::string& out) {
    std::vector<std::string> written;
    for (std::size_t i = 0; i < net.size(); ++i) {
        const auto* conv = dynamic_cast<const hw::Conv2D*>(&net.layer(i));
        if (const auto* pair = dynamic_cast<const hw::ConvPool2D*>(&net.layer(i))) conv = &pair->conv();
        if (!conv) continue;
        if (conv->geometry().input.channels == 1) {
            hw::write_filters_svg(out + "/filters.svg", *conv, "12: the first layer's learned 5×5 filters (" + conv->name() + ")");
            written.push_back(out + "/filters.svg");
        }
        break;
    }
    if (net.input_shape().dims.size() == 3) {
        hw::write_feature_maps_svg(out + "/feature_maps.svg", net, test.images.row(0), 8,
                                   "12: test digit 0 (label " + std::to_string(test.labels[0]) +
                                       ") through the network, first 8 channels per layer");
        written.push_back(out + "/feature_maps.svg");
    }
    return written;
}

void write_metrics(const hw::CnnSettings& s, const hw::FlagTable& flags, const std::vector<hw::ToolboxRun>& runs,
                   const hw::Sequential& net, const hw::LossAccuracy& test, const hw::ConfusionMatrix& cm) {
    hw::create_parent_directory(s.metrics);
    hw::JsonWriter j;
    j.begin_object();
    hw::write_run_json(j, "12-cnn", flags, net, runs.empty() ? hw::History{} : runs[0].history);
    std::vector<double> secs, gflops, member_accuracy;
    if (!runs.empty())
        for (const hw::EpochStats& e : runs[0].history.epochs) secs.push_back(e.train_seconds), gflops.push_back(e.gemm_gflops());
    double total = 0;
    for (const hw::ToolboxRun& r : runs) total += r.train_seconds, member_accuracy.push_back(r.test.accuracy);
    j.key("epoch_train_seconds").array(secs);
    j.key("gemm_gflops").array(gflops);
    j.key("train_seconds_all_members").value(total);
    j.key("member_test_accuracy").array(member_accuracy);
    hw::write_test_json(j, test, cm);
    j.end_object();
    j.save(s.metrics);
}

// The usage text's tail: the network line's items and the presets.
std::string epilog() {
    std::string text = "Network line items: convKxKxN[sS][pP] (conv, stride S, padding P), poolK (max-pool), fcN,\n"
                       "relu, sigmoid, dropoutR, flatten. Presets:";
    for (const auto& [name, items] : hw::net_presets()) text += "\n  " + name + " = " + items;
    return text + "\nExamples (chapters/12-cnn/README.md shows what each gives):\n"
                  "  build/bin/12-cnn --net lenet5\n"
                  "  build/bin/12-cnn --net cnn --epochs 12 --profile\n"
                  "  build/bin/12-cnn --net cnn --augment --dropout 0.4 --schedule cosine --epochs 12 --ensemble 3\n"
                  "  build/bin/12-cnn --net \"conv3x3x16p1,relu,pool2,fc10\" --epochs 3";
}

}  // namespace

int main(int argc, char** argv) {
    hw::CnnSettings s;
    hw::FlagTable flags;
    hw::Cli cli("12-cnn", "Train a convolutional network (im2col + our SGEMM) on MNIST: LeNet-5, a two-conv CNN, "
                          "or any layer line; with chapter 11's toolbox and an ensemble.");
    hw::declare_cnn_flags(flags, s);
    flags.add_to(cli);
    cli.epilog(epilog());
    cli.parse(argc, argv);
    hw::default_sgd_lr(cli, s, 0.05f);
    hw::check_cnn_settings(cli, flags, s);

    try {
        if (s.threads > 0) hw::set_gemm_threads(s.threads);
        const hw::Mnist data = hw::load_run_data(s);
        const auto& names = hw::class_names(s.dataset);
        std::printf("12-cnn: data %s (%s, %zu train, %zu test); convolutions %s; GEMM %s, %d thread%s; CPU %s\n",
                    data.dir.c_str(), s.dataset.c_str(), data.train.size(), data.test.size(),
                    hw::conv_method().c_str(), hw::sgemm_microkernel_name().c_str(), hw::gemm_threads(),
                    hw::gemm_threads() == 1 ? "" : "s", hw::cpu_model_name().c_str());
        std::filesystem::create_directories(s.out);

        std::vector<hw::ToolboxRun> runs;
        std::vector<hw::Sequential> members;
        if (!s.load.empty()) {  // one saved model, or several separated by commas: an ensemble
            for (std::size_t start = 0; start <= s.load.size();) {
                const std::size_t comma = std::min(s.load.find(',', start), s.load.size());
                const std::string path = s.load.substr(start, comma - start);
                start = comma + 1;
                members.push_back(hw::Sequential::load(path));
                std::printf("loaded %s: %s\n", path.c_str(), members.back().config().c_str());
                hw::CnnSettings one = s;
                one.load = path;  // so a mismatch names this file
                hw::check_network_fits(members.back(), data.train, names.size(), one, cli);
                if (members.back().output_size() != members[0].output_size())
                    throw hw::ModelFileError(path + ": gives " + std::to_string(members.back().output_size()) +
                                             " classes, the first model " + std::to_string(members[0].output_size()));
            }
        } else {
            hw::Sequential preview = hw::build_cnn(s, hw::Shape{data.train.height, data.train.width, 1}, 0);
            std::printf("network: %s\n%s", preview.config().c_str(), preview.summary().c_str());
            std::printf("training: %s, lr %g, batch %d, %d epochs, seed %ld, validation %.0f%%, init %s-%s%s\n",
                        s.optimizer.name.c_str(), s.lr, s.batch, s.epochs, s.seed, 100 * s.val, s.init.c_str(),
                        s.init_dist.c_str(),
                        s.ensemble > 1 ? (", ensemble of " + std::to_string(s.ensemble)).c_str() : "");
            for (int m = 0; m < s.ensemble; ++m) {
                if (s.ensemble > 1) std::printf("\nmember %d/%d (seed %ld)\n", m + 1, s.ensemble, s.seed + m);
                runs.push_back(hw::train_cnn(s, data, static_cast<std::uint64_t>(s.seed + m), /*verbose=*/true));
                const hw::ToolboxRun& r = runs.back();
                std::printf("training wall time %.1f s; test accuracy %.2f%%\n", r.train_seconds, 100 * r.test.accuracy);
                print_speed(r.history);
            }
            for (hw::ToolboxRun& r : runs) members.push_back(std::move(r.net));
        }

        const hw::Matrix probs = ensemble_probabilities(members, data.test.images);
        const hw::LossAccuracy test = score(probs, data.test.labels);
        const hw::TestSetReport report = hw::report_test_set(data.test, probs, members[0].output_size(), names, s,
                                                             members.size() > 1 ? "mean ensemble probability" : "probability");
        std::vector<std::string> written = write_pictures(members[0], data.test, s.out);
        written.push_back(hw::write_mistakes_svg(data.test, report.mistakes, names, s.out, "12"));
        if (!runs.empty() && !runs[0].history.epochs.empty()) {
            hw::write_training_curves(s.out, runs[0].history, test.accuracy, "12", "");
            for (const char* f : {"/loss.svg", "/accuracy.svg"}) written.push_back(s.out + f);
        }
        for (std::size_t m = 0; m < members.size() && !s.save.empty() && s.load.empty(); ++m) {
            const std::string path = members.size() == 1 ? s.save : s.save + "." + std::to_string(m + 1);
            written.push_back(hw::save_trained_model(members[m], path));
        }
        if (!s.metrics.empty()) {
            write_metrics(s, flags, runs, members[0], test, report.confusion);
            written.push_back(s.metrics + " (metrics)");
        }
        std::printf("\n");
        hw::print_test_summary(test, report.confusion, written);
    } catch (const std::exception& e) {  // hw::DataError, hw::ModelFileError and the rest
        std::fprintf(stderr, "12-cnn: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
