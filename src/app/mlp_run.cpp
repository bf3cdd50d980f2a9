// mlp_run.cpp — the shared command line and test-set report of chapters 10–12 (mlp_run.hpp).
#include "handwritten/app/mlp_run.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "handwritten/data/datasets.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/gemm/gemm_kernels.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/report/json.hpp"

namespace hw {

void add_optimizer_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help) {
    flags.choice("loss", s.loss, {"cross-entropy", "mse"},
                 "softmax cross-entropy, or mean squared error on sigmoid outputs (the NumPy tutorials)")
        .choice("optimizer", s.optimizer.name, {"adam", "sgd"}, "optimizer")
        .number("lr", s.lr, help.lr, Range::positive())
        .number("momentum", s.optimizer.momentum, help.momentum, Range::fraction())
        .toggle("nesterov", s.optimizer.nesterov, "sgd: Nesterov momentum");
}

void add_loop_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help) {
    flags.number("batch", s.batch, "mini-batch size (0: the full training set, plain gradient descent)",
                 Range::at_least(0))
        .number("epochs", s.epochs, "passes over the training set (0 with --load: evaluate only)", Range::at_least(0))
        .number("val", s.val, help.val, Range::fraction()).json_key("val_fraction")
        .number("seed", s.seed, help.seed)
        .number("threads", s.threads, "GEMM threads (0: OMP_NUM_THREADS or all cores)", Range::at_least(0));
}

void add_data_and_output_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help) {
    flags.text("data", s.data, help.data).not_in_metrics().not_sweepable()
        .choice("dataset", s.dataset, dataset_names(),
                "mnist, fashion, digits (8x8), mnist20 (20x20), mnist20-5000 (T3's 5000, tested on the other 55,000)")
        .not_sweepable()
        .number("limit", s.limit, "train on the first N training images only (0: all)", Range::at_least(0))
        .number("show", s.show, "confident mistakes to print as text art", Range::at_least(0))
        .not_in_metrics().not_sweepable()
        .text("out", s.out, help.out).not_in_metrics().not_sweepable()
        .text("metrics", s.metrics, help.metrics).not_in_metrics().not_sweepable()
        .text("save", s.save, "save the trained model to this file").not_in_metrics().not_sweepable()
        .text("load", s.load, help.load).not_sweepable()
        .toggle("quiet", s.quiet, "no progress bars, no text art").not_in_metrics().not_sweepable();
}

void add_layers_flag(FlagTable& flags, MlpRunSettings& s, const std::string& help) {
    flags.int_list("layers", s.layers, help, Range::between(1, 100000), 2);
}

void default_sgd_lr(const Cli& cli, MlpRunSettings& s, float sgd_lr) {
    if (!cli.given("--lr") && s.optimizer.name == "sgd") s.lr = sgd_lr;
}

void check_run_flags(const Cli& cli, const FlagTable& flags, const MlpRunSettings& s) {
    flags.check(cli);
    cli.check(s.epochs > 0 || !s.load.empty(), "--epochs 0 only makes sense with --load FILE");
}

void check_network_fits(const Sequential& net, const LabeledSet& train, std::size_t classes,
                        const MlpRunSettings& s, const Cli& cli) {
    check_network_fits(net.input_size(), net.output_size(), train, classes, s, cli);
}

void check_network_fits(int inputs, int outputs, const LabeledSet& train, std::size_t classes,
                        const MlpRunSettings& s, const Cli& cli) {
    const std::size_t pixels = train.images.cols();
    auto reject = [&](const std::string& usage, const std::string& msg) {
        if (s.load.empty()) cli.fail(usage + ": " + msg);
        throw ModelFileError(s.load + ": " + msg);
    };
    if (std::size_t(inputs) != pixels)
        reject("--layers must start with " + std::to_string(pixels),
               "the network takes " + std::to_string(inputs) + " inputs but the images have " +
                   std::to_string(pixels) + " pixels");
    if (std::size_t(outputs) < classes)
        reject("--layers must end with " + std::to_string(classes),
               "the network has " + std::to_string(outputs) + " outputs but the data has " +
                   std::to_string(classes) + " classes");
}

void write_run_json(JsonWriter& j, const std::string& chapter, const FlagTable& flags, const Sequential& net,
                    const History& history) {
    j.key("chapter").value(chapter);
    flags.write_json(j);
    j.key("gemm_threads").value(gemm_threads());
    j.key("microkernel").value(sgemm_microkernel_name());
    j.key("config").value(net.spec().to_config());
    j.key("parameters").value(net.parameter_count());
    j.key("train_size").value(history.train_size);
    j.key("val_size").value(history.val_size);
    j.key("epochs_run").value(history.epochs.size());
    write_history_json(j, history);
}

TrainOptions train_options(const MlpRunSettings& s) {
    TrainOptions o;
    o.epochs = s.epochs;
    o.batch = s.batch;
    o.loss = s.loss;
    o.lr = s.lr;
    o.optimizer = s.optimizer;
    o.seed = static_cast<std::uint64_t>(s.seed);
    o.val_fraction = s.val;
    o.progress = !s.quiet;
    return o;
}

Mnist load_run_data(const MlpRunSettings& s) {
    Mnist data = load_dataset(resolve_data_dir(s.data, s.dataset), s.dataset);
    keep_first(data.train, static_cast<std::size_t>(s.limit));
    return data;
}

TestSetReport report_test_set(const LabeledSet& test, const Matrix& probs, int classes,
                              const std::vector<std::string>& names, const MlpRunSettings& s,
                              const std::string& probability_note) {
    TestSetReport report;
    const std::vector<int> predictions = argmax_rows(probs);
    report.confusion = confusion_matrix(test.labels, predictions, classes);
    std::printf("\nTest set: confusion matrix (rows: true class, columns: predicted)\n");
    report.confusion.print(std::cout, names);
    report.mistakes = find_misclassified(test.labels, predictions, 50, &probs);
    if (!s.quiet && s.show > 0 && !report.mistakes.empty()) {
        const std::size_t n = std::min<std::size_t>(s.show, report.mistakes.size());
        std::printf("\nThe %zu most confident mistakes (%s):\n", n, probability_note.c_str());
        const std::vector<Misclassified> shown(report.mistakes.begin(), report.mistakes.begin() + n);
        std::cout << misclassified_text_art(test.images, test.height, test.width, shown, names, 2);
    }
    return report;
}

std::string write_mistakes_svg(const LabeledSet& test, const std::vector<Misclassified>& mistakes,
                               const std::vector<std::string>& names, const std::string& out,
                               const std::string& title_prefix) {
    std::filesystem::create_directories(out);
    const std::string path = out + "/misclassified.svg";
    write_misclassified_svg(path, test.images, test.height, test.width, mistakes, names,
                            title_prefix + ": most confident mistakes — predicted (true)");
    return path;
}

void create_parent_directory(const std::string& path) {
    if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
        std::filesystem::create_directories(parent);
}

std::string save_trained_model(const Sequential& net, const std::string& path) {
    create_parent_directory(path);
    net.save(path);
    return path + " (model)";
}

void write_test_json(JsonWriter& j, const LossAccuracy& test, const ConfusionMatrix& confusion) {
    j.key("test_loss").value(test.loss);
    j.key("test_accuracy").value(test.accuracy);
    j.key("confusion");
    confusion.write_json(j);
}

void write_history_json(JsonWriter& j, const History& history) {
    std::vector<double> train_loss, train_accuracy, val_loss, val_accuracy;
    for (const EpochStats& e : history.epochs) {
        train_loss.push_back(e.train_loss);
        train_accuracy.push_back(e.train_accuracy);
        val_loss.push_back(e.val_loss);
        val_accuracy.push_back(e.val_accuracy);
    }
    j.key("train_loss").array(train_loss);
    j.key("train_accuracy").array(train_accuracy);
    j.key("val_loss").array(val_loss);
    j.key("val_accuracy").array(val_accuracy);
}

void print_test_summary(const LossAccuracy& test, const ConfusionMatrix& confusion,
                        const std::vector<std::string>& written) {
    std::printf("test accuracy: %.2f%%  (test loss %.4f, %zu of %zu wrong)\n", 100 * test.accuracy, test.loss,
                confusion.total() - confusion.correct(), confusion.total());
    std::printf("wrote:");
    for (const std::string& w : written) std::printf(" %s", w.c_str());
    std::printf("\n");
}

}  // namespace hw
