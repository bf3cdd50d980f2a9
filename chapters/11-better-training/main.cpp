// Chapter 11 — better training: the toolbox that takes a plain MLP from 98% toward 99%.
//
// The same batched MLP and the same training loop as chapter 10 (hw::train), with every tool of
// the chapter one flag away: He/Xavier init, L2 and decoupled weight decay, dropout, max-norm,
// gradient clipping, learning-rate schedules, early stopping, data augmentation, softmax
// temperature — and --sweep, which runs a grid of configurations and tabulates them.
//
// The tools plug into hw::train through its hooks (trainer.hpp), driven by one
// hw::TrainingToolbox (toolbox.hpp); dropout is part of the network (MlpSpec::dropout). The
// settings, their flag table and the hook wiring are in app/toolbox_run.hpp, the reports in
// app/toolbox_report.hpp. What it is not: a second training loop.
#include <cstdio>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/app/toolbox_report.hpp"
#include "handwritten/app/toolbox_run.hpp"
#include "handwritten/core/number_list.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/train/temperature.hpp"

namespace {

// The table's flags, their ranges, then the checks that involve several of them: all usage
// errors (exit 2) before any data is read.
void parse_command_line(int argc, char** argv, hw::FlagTable& flags, hw::ToolboxSettings& s, hw::Cli& cli) {
    hw::declare_toolbox_flags(flags, s);
    flags.add_to(cli);
    cli.epilog("Examples (see chapters/11-better-training/README.md for what each shows):\n"
               "  build/bin/11-better-training --layers 784,800,800,10 --dropout 0.3 --augment --schedule cosine\n"
               "  build/bin/11-better-training --layers 784,256,256,256,10 --init small --show-init\n"
               "  build/bin/11-better-training --epochs 5 --sweep \"lr=1e-3,3e-3;batch=64,128\"\n"
               "  build/bin/11-better-training --dataset fashion --dropout 0.3 --augment --shift 1 --rotate 0");
    cli.parse(argc, argv);
    hw::default_sgd_lr(cli, s, 0.05f);
    hw::check_run_flags(cli, flags, s);
    try {
        hw::check_toolbox_settings(s);
    } catch (const std::invalid_argument& e) {
        cli.fail(e.what());
    }
}

// A saved model to evaluate (--load), or a fresh one trained with the toolbox.
hw::ToolboxRun load_or_train(const hw::ToolboxSettings& s, const hw::Mnist& data, const hw::Cli& cli) {
    if (!s.load.empty()) {
        hw::ToolboxRun r;
        r.net = hw::Sequential::load(s.load);
        std::printf("loaded %s: %s\n", s.load.c_str(), r.net.spec().to_config().c_str());
        hw::check_network_fits(r.net, data.train, hw::class_names(s.dataset).size(), s, cli);
        if (s.epochs > 0) std::printf("note: --load evaluates the saved model; --epochs is ignored\n");
        r.test = hw::evaluate(r.net, data.test.images, data.test.labels, 0, data.test.size());
        return r;
    }
    std::printf("network: %s, init %s-%s\n", hw::toolbox_spec(s).to_config().c_str(), s.init.c_str(),
                s.init_dist.c_str());
    std::printf("training: %s, lr %g, batch %d, %d epochs, seed %ld, validation %.0f%% of train\n",
                s.optimizer.name.c_str(), s.lr, s.batch, s.epochs, s.seed, 100 * s.val);
    if (s.show_init) {
        hw::Sequential fresh = hw::build_toolbox_network(s);
        hw::print_layer_signal(fresh, data.train.images);
    }
    hw::ToolboxRun r = hw::train_with_toolbox(s, data, /*verbose=*/true);
    std::printf("training wall time: %.1f s for %zu epochs (%.2f s/epoch, validation included)\n", r.train_seconds,
                r.history.epochs.size(), r.history.epochs.empty() ? 0.0 : r.train_seconds / r.history.epochs.size());
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    hw::ToolboxSettings s;
    hw::FlagTable flags;
    hw::Cli cli("11-better-training",
                "Train the batched MLP with the better-training toolbox: init, L2/AdamW, dropout, max-norm, "
                "clipping, LR schedules, early stopping, augmentation, temperature, sweeps.");
    parse_command_line(argc, argv, flags, s, cli);

    try {
        if (s.threads > 0) hw::set_gemm_threads(s.threads);
        const hw::Mnist data = hw::load_run_data(s);
        const auto& names = hw::class_names(s.dataset);
        if (s.load.empty()) {  // a --layers mistake is a usage error, before anything trains
            const std::vector<int> sizes = hw::parse_int_list(s.layers);
            hw::check_network_fits(sizes.front(), sizes.back(), data.train, names.size(), s, cli);
        }
        std::printf("11-better-training: data %s (%s, %zu train, %zu test); GEMM %s, %d thread%s\n", data.dir.c_str(),
                    s.dataset.c_str(), data.train.size(), data.test.size(), hw::sgemm_microkernel_name().c_str(),
                    hw::gemm_threads(), hw::gemm_threads() == 1 ? "" : "s");
        if (!s.sweep.empty()) {
            try {
                hw::run_sweep(s, data);
                return 0;
            } catch (const std::invalid_argument& e) {
                cli.fail(e.what());
            }
        }

        std::vector<std::string> written;
        if (s.augment) written.push_back(hw::write_augmented_grid(s, data.train));
        hw::ToolboxRun r = load_or_train(s, data, cli);

        // ---------------------------------------------------------------- test set
        hw::Sequential& net = r.net;
        const hw::Matrix probs =
            hw::softmax_with_temperature(net.logits(data.test.images, 0, data.test.size()), s.temperature);
        char probability_note[48];
        std::snprintf(probability_note, sizeof probability_note, "probability at T = %g", s.temperature);
        const hw::TestSetReport report =
            hw::report_test_set(data.test, probs, net.output_size(), names, s, probability_note);
        const hw::TemperatureReport temp = hw::temperature_report(net, data, r.history, s.temperature);

        written.push_back(hw::write_mistakes_svg(data.test, report.mistakes, names, s.out, "11"));
        if (!r.history.epochs.empty())
            for (const std::string& f : hw::write_toolbox_curves(s.out, r.history, r.test.accuracy)) written.push_back(f);
        if (!s.save.empty()) written.push_back(hw::save_trained_model(r.net, s.save));
        if (!s.metrics.empty()) {
            hw::write_toolbox_metrics(s.metrics, flags, r, report.confusion, temp);
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
