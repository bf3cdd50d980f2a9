// Chapter 10 — the batched ReLU/softmax MLP on our own GEMM.
//
// Loads MNIST, builds the network from --layers (default 784-256-10, the Keras tutorial's),
// trains it in mini-batches with Adam or SGD, prints per-epoch loss/accuracy with a time
// breakdown and the GFLOP/s of the GEMMs inside training, then evaluates on the test set:
// accuracy, confusion matrix, per-class precision/recall/F1, the most confident mistakes.
// Writes loss/accuracy curves and the mistakes as SVG (and optionally a model file and a
// metrics JSON). With --load FILE --epochs 0 it only evaluates a saved model.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/core/thread_policy.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/report/training_plots.hpp"
#include "handwritten/train/trainer.hpp"

namespace {

// The flags chapter 11 shares (mlp_run.hpp) plus the hidden activation and the init; this
// chapter's --beta1/--beta2/--eps land in the shared optimizer options.
struct Settings : hw::MlpRunSettings {
    std::string activation = "relu", init = "xavier-uniform";
};

void print_epoch(const hw::EpochStats& s, int epochs) {
    std::printf("epoch %2d/%d  train loss %.4f acc %6.2f%%", s.epoch, epochs, s.train_loss,
                100 * s.train_accuracy);
    if (!std::isnan(s.val_loss)) std::printf("  val loss %.4f acc %6.2f%%", s.val_loss, 100 * s.val_accuracy);
    std::printf("  | %.2fs: fwd %.2f bwd %.2f upd %.2f batch %.2f val %.2f | GEMM %.0f GFLOP/s, %.0f%% of train time\n",
                s.seconds, s.forward_seconds, s.backward_seconds, s.update_seconds, s.gather_seconds,
                s.eval_seconds, s.gemm_gflops(), 100 * s.gemm_share());
    std::fflush(stdout);
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::vector<double> per_epoch(const hw::History& h, double (*field)(const hw::EpochStats&)) {
    std::vector<double> values;
    for (const hw::EpochStats& e : h.epochs) values.push_back(field(e));
    return values;
}
double train_seconds(const hw::EpochStats& e) { return e.train_seconds; }
double epoch_seconds(const hw::EpochStats& e) { return e.seconds; }
double gemm_gflops(const hw::EpochStats& e) { return e.gemm_gflops(); }
double gemm_share(const hw::EpochStats& e) { return e.gemm_share(); }

// Every flag of the chapter, once: the parser, the range checks and the metrics JSON read this table.
void declare_flags(hw::FlagTable& flags, Settings& s) {
    const hw::MlpRunHelp help;  // chapter 10's texts are the defaults
    hw::add_layers_flag(flags, s, "layer sizes, input first, classes last (e.g. 784,32,16,10)");
    flags.choice("activation", s.activation, {"relu", "sigmoid"}, "hidden-layer activation")
        .choice("init", s.init, {"xavier-uniform", "xavier-normal", "he-uniform", "he-normal"},
                "weight initialisation (Keras' Dense default is xavier-uniform)");
    hw::add_optimizer_flags(flags, s, help);
    flags.number("beta1", s.optimizer.beta1, "adam: decay of the gradient's running mean", hw::Range::fraction())
        .number("beta2", s.optimizer.beta2, "adam: decay of the squared gradient's running mean", hw::Range::fraction())
        .number("eps", s.optimizer.epsilon, "adam: epsilon (Keras 1e-7, PyTorch 1e-8)", hw::Range::positive());
    hw::add_loop_flags(flags, s, help);
    hw::add_data_and_output_flags(flags, s, help);
}

void parse_command_line(int argc, char** argv, hw::FlagTable& flags, Settings& s, hw::Cli& cli) {
    declare_flags(flags, s);
    flags.add_to(cli);
    cli.epilog("Examples:\n"
               "  build/bin/10-mlp                                   # Keras tutorial: 784-256-10, Adam, 20 epochs\n"
               "  build/bin/10-mlp --epochs 5 --val 0 --threads 1\n"
               "  build/bin/10-mlp --layers 784,32,16,10 --optimizer sgd --lr 0.1 --momentum 0\n"
               "  build/bin/10-mlp --save runs/mlp.hwm && build/bin/10-mlp --load runs/mlp.hwm --epochs 0");
    cli.parse(argc, argv);
    hw::default_sgd_lr(cli, s, 0.01f);
    hw::check_run_flags(cli, flags, s);
}

// The network from --layers/--activation/--init, or the saved one from --load.
hw::Sequential build_network(const Settings& s) {
    if (!s.load.empty()) {
        hw::Sequential net = hw::Sequential::load(s.load);
        std::printf("loaded %s: %s\n", s.load.c_str(), net.spec().to_config().c_str());
        return net;
    }
    hw::MlpSpec spec;
    spec.sizes = hw::parse_int_list(s.layers);
    spec.activation = s.activation;
    spec.init = hw::parse_init(s.init);
    hw::Rng rng(static_cast<std::uint64_t>(s.seed));
    return hw::Sequential(spec, rng);
}

std::string optimizer_description(const Settings& s) {
    if (s.optimizer.name == "adam") return "adam";
    if (s.optimizer.momentum == 0) return "sgd";
    return s.optimizer.nesterov ? "sgd + nesterov momentum" : "sgd + momentum";
}

hw::History run_training(hw::Sequential& net, const hw::Mnist& data, const Settings& s) {
    const auto n_train = static_cast<std::size_t>(double(data.train.size()) * (1.0 - s.val));
    const std::string split =
        n_train < data.train.size()
            ? std::to_string(n_train) + " train / " + std::to_string(data.train.size() - n_train) +
                  " validation (the last " + std::to_string(int(std::lround(100 * s.val))) + "%)"
            : std::to_string(n_train) + " train, no validation split";
    std::printf("training: %s, lr %g, batch %d, %d epochs, seed %ld; %s\n", optimizer_description(s).c_str(),
                s.lr, s.batch, s.epochs, s.seed, split.c_str());
    return hw::train(net, data.train, hw::train_options(s),
                     [&](const hw::EpochStats& e) { print_epoch(e, s.epochs); });
}

void write_metrics(const Settings& s, const hw::FlagTable& flags, const hw::Sequential& net,
                   const hw::History& history, const hw::LossAccuracy& test, const hw::ConfusionMatrix& cm) {
    hw::create_parent_directory(s.metrics);
    hw::JsonWriter j;
    j.begin_object();
    hw::write_run_json(j, "10-mlp", flags, net, history);
    j.key("epoch_seconds").array(per_epoch(history, epoch_seconds));
    j.key("train_seconds").array(per_epoch(history, train_seconds));
    // The loop's CPU time on the calling thread: on a shared machine, the 1-thread figure to race.
    j.key("train_cpu_seconds").array(per_epoch(history, [](const hw::EpochStats& e) { return e.train_cpu_seconds; }));
    j.key("forward_seconds").array(per_epoch(history, [](const hw::EpochStats& e) { return e.forward_seconds; }));
    j.key("backward_seconds").array(per_epoch(history, [](const hw::EpochStats& e) { return e.backward_seconds; }));
    j.key("update_seconds").array(per_epoch(history, [](const hw::EpochStats& e) { return e.update_seconds; }));
    j.key("gemm_gflops").array(per_epoch(history, gemm_gflops));
    j.key("gemm_share").array(per_epoch(history, gemm_share));
    hw::write_test_json(j, test, cm);
    j.end_object();
    j.save(s.metrics);
}

void print_training_time(const hw::History& history) {
    if (!history.epochs.empty())
        std::printf("training time: median %.3f s/epoch for the mini-batch loop (%.3f s with validation), "
                    "GEMM %.0f GFLOP/s = %.0f%% of it\n",
                    median(per_epoch(history, train_seconds)), median(per_epoch(history, epoch_seconds)),
                    median(per_epoch(history, gemm_gflops)), 100 * median(per_epoch(history, gemm_share)));
    // On a machine shared with other jobs sgemm may have run on one thread for a while.
    const hw::BackoffStats backoff = hw::thread_policy::stats();
    if (backoff.backoffs > 0)
        std::printf("GEMM back-off: another process held a core; %ld back-offs, %.0f%% of the "
                    "products ran on one thread\n", backoff.backoffs,
                    100.0 * double(backoff.solo_calls) / double(backoff.solo_calls + backoff.parallel_calls));
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    hw::FlagTable flags;
    hw::Cli cli("10-mlp", "Train a batched ReLU/softmax MLP on MNIST with mini-batches on our own GEMM.");
    parse_command_line(argc, argv, flags, s, cli);

    try {
        if (s.threads > 0) hw::set_gemm_threads(s.threads);
        hw::Sequential net = build_network(s);
        const hw::Mnist data = hw::load_run_data(s);
        hw::check_network_fits(net, data.train, hw::class_names(s.dataset).size(), s, cli);
        std::printf("10-mlp: %s MLP, %s hidden, logits + %s, init %s, %zu parameters\n",
                    hw::layer_list(net.spec().sizes).c_str(), net.spec().activation.c_str(),
                    s.loss == "mse" ? "sigmoid outputs, mean squared error" : "softmax cross-entropy", s.init.c_str(),
                    net.parameter_count());
        std::printf("%s", net.summary().c_str());
        std::printf("data: %s (%s, %zu train, %zu test)\n", data.dir.c_str(), s.dataset.c_str(), data.train.size(),
                    data.test.size());
        std::printf("GEMM: hw::sgemm, %s micro-kernel, %d thread%s\n", hw::sgemm_microkernel_name().c_str(),
                    hw::gemm_threads(), hw::gemm_threads() == 1 ? "" : "s");

        const hw::History history = s.epochs > 0 ? run_training(net, data, s) : hw::History{};

        // ---------------------------------------------------------------- test set
        const auto& names = hw::class_names(s.dataset);
        const hw::LossAccuracy test =
            hw::evaluate(net, data.test.images, data.test.labels, 0, data.test.size(), 1000, s.loss);
        const hw::TestSetReport report = hw::report_test_set(data.test, net.predict_proba(data.test.images),
                                                             net.output_size(), names, s,
                                                             "probability given to the wrong class");
        std::vector<std::string> written = {
            hw::write_mistakes_svg(data.test, report.mistakes, names, s.out, "10-mlp")};
        if (!history.epochs.empty()) {
            hw::write_training_curves(s.out, history, test.accuracy, "10-mlp");
            written.push_back(s.out + "/loss.svg");
            written.push_back(s.out + "/accuracy.svg");
        }
        if (!s.save.empty()) written.push_back(hw::save_trained_model(net, s.save));
        if (!s.metrics.empty()) {
            write_metrics(s, flags, net, history, test, report.confusion);
            written.push_back(s.metrics + " (metrics)");
        }
        std::printf("\n");
        print_training_time(history);
        hw::print_test_summary(test, report.confusion, written);
    } catch (const std::exception& e) {  // hw::DataError, hw::ModelFileError and the rest
        std::fprintf(stderr, "10-mlp: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
