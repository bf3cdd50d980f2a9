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
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "handwritten/cli.hpp"
#include "handwritten/evaluation.hpp"
#include "handwritten/gemm.hpp"
#include "handwritten/gemm_kernels.hpp"
#include "handwritten/idx.hpp"
#include "handwritten/json.hpp"
#include "handwritten/model_file.hpp"
#include "handwritten/sequential.hpp"
#include "handwritten/softmax_cross_entropy.hpp"
#include "handwritten/svg.hpp"
#include "handwritten/trainer.hpp"
#include "handwritten/training_plots.hpp"

namespace {

struct Settings {
    std::string layers = "784,256,10", activation = "relu", init = "xavier-uniform";
    std::string optimizer = "adam", data, dataset = "mnist", out = "runs/10-mlp";
    std::string metrics, save, load;
    float lr = 1e-3f, momentum = 0.9f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
    bool nesterov = false, quiet = false;
    int batch = 128, epochs = 20, threads = 0, show = 10;
    double val = 0.2;
    long seed = 1, limit = 0;
};

// Keeps the first `limit` training samples (quick experiments).
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

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    hw::Cli cli("10-mlp", "Train a batched ReLU/softmax MLP on MNIST with mini-batches on our own GEMM.");
    cli.option("--layers", s.layers, "layer sizes, input first, classes last (e.g. 784,32,16,10)")
        .choice("--activation", s.activation, {"relu", "sigmoid"}, "hidden-layer activation")
        .choice("--init", s.init, {"xavier-uniform", "xavier-normal", "he-uniform", "he-normal"},
                "weight initialisation (Keras' Dense default is xavier-uniform)")
        .choice("--optimizer", s.optimizer, {"adam", "sgd"}, "optimizer")
        .option("--lr", s.lr, "learning rate (default 1e-3 for adam, 0.01 for sgd)")
        .option("--momentum", s.momentum, "sgd momentum (0: plain mini-batch SGD)")
        .flag("--nesterov", s.nesterov, "sgd: Nesterov momentum")
        .option("--beta1", s.beta1, "adam: decay of the gradient's running mean")
        .option("--beta2", s.beta2, "adam: decay of the squared gradient's running mean")
        .option("--eps", s.epsilon, "adam: epsilon (Keras 1e-7, PyTorch 1e-8)")
        .option("--batch", s.batch, "mini-batch size")
        .option("--epochs", s.epochs, "passes over the training set (0 with --load: evaluate only)")
        .option("--val", s.val, "fraction of the training set held out for validation (the last rows, as Keras)")
        .option("--seed", s.seed, "seed for the weights and the shuffles")
        .option("--threads", s.threads, "GEMM threads (0: OMP_NUM_THREADS or all cores)")
        .option("--data", s.data, "directory with the four IDX files (default: data/mnist, or $HW_DATA_DIR)")
        .choice("--dataset", s.dataset, {"mnist", "fashion"}, "which dataset")
        .option("--limit", s.limit, "train on the first N training images only (0: all)")
        .option("--show", s.show, "confident mistakes to print as text art")
        .option("--out", s.out, "directory for the SVG files")
        .option("--metrics", s.metrics, "write the history, timings and confusion matrix as JSON")
        .option("--save", s.save, "save the trained model to this file")
        .option("--load", s.load, "start from a saved model (its layer list wins)")
        .flag("--quiet", s.quiet, "no progress bars, no text art")
        .epilog("Examples:\n"
                "  build/bin/10-mlp                                   # Keras tutorial: 784-256-10, Adam, 20 epochs\n"
                "  build/bin/10-mlp --epochs 5 --val 0 --threads 1\n"
                "  build/bin/10-mlp --layers 784,32,16,10 --optimizer sgd --lr 0.1 --momentum 0\n"
                "  build/bin/10-mlp --save runs/mlp.hwm && build/bin/10-mlp --load runs/mlp.hwm --epochs 0");
    cli.parse(argc, argv);
    if (!cli.given("--lr") && s.optimizer == "sgd") s.lr = 0.01f;
    const std::vector<int> sizes = hw::parse_int_list(s.layers);
    cli.check(sizes.size() >= 2, "--layers needs at least two sizes, e.g. 784,256,10");
    cli.check(std::all_of(sizes.begin(), sizes.end(), [](int v) { return v > 0 && v <= 100000; }),
              "--layers sizes must be in 1..100000");
    cli.check(s.lr > 0, "--lr must be positive");
    cli.check(s.momentum >= 0 && s.momentum < 1, "--momentum must be in [0, 1)");
    cli.check(s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1, "--beta1/--beta2 must be in [0, 1)");
    cli.check(s.epsilon > 0, "--eps must be positive");
    cli.check(s.batch > 0, "--batch must be positive");
    cli.check(s.epochs >= 0, "--epochs must be >= 0");
    cli.check(s.epochs > 0 || !s.load.empty(), "--epochs 0 only makes sense with --load FILE");
    cli.check(s.val >= 0 && s.val < 1, "--val must be in [0, 1)");
    cli.check(s.threads >= 0, "--threads must be >= 0");
    cli.check(s.limit >= 0 && s.show >= 0, "--limit and --show must be >= 0");

    try {
        if (s.threads > 0) hw::set_gemm_threads(s.threads);
        hw::MlpSpec spec;
        spec.sizes = sizes;
        spec.activation = s.activation;
        spec.init = hw::parse_init(s.init);
        hw::Rng rng(static_cast<std::uint64_t>(s.seed));
        hw::Sequential net;
        if (!s.load.empty()) {
            net = hw::Sequential::load(s.load);
            spec = net.spec();
            std::printf("loaded %s: %s\n", s.load.c_str(), spec.to_config().c_str());
        } else {
            net = hw::Sequential(spec, rng);
        }

        const std::string dir = hw::resolve_data_dir(s.data, s.dataset);
        hw::Mnist data = hw::load_mnist(dir, s.dataset);
        hw::keep_first(data.train, static_cast<std::size_t>(s.limit));
        const auto& names = hw::class_names(s.dataset);
        const std::size_t pixels = data.train.images.cols();
        if (std::size_t(net.input_size()) != pixels) {
            const std::string msg = "the network takes " + std::to_string(net.input_size()) +
                                    " inputs but the images have " + std::to_string(pixels) + " pixels";
            if (s.load.empty()) cli.fail("--layers must start with " + std::to_string(pixels) + ": " + msg);
            throw hw::ModelFileError(s.load + ": " + msg);
        }
        if (std::size_t(net.output_size()) < names.size()) {
            const std::string msg = "the network has " + std::to_string(net.output_size()) +
                                    " outputs but the data has " + std::to_string(names.size()) + " classes";
            if (s.load.empty()) cli.fail("--layers must end with " + std::to_string(names.size()) + ": " + msg);
            throw hw::ModelFileError(s.load + ": " + msg);
        }

        std::printf("10-mlp: %s MLP, %s hidden, logits + softmax cross-entropy, init %s, %zu parameters\n",
                    hw::layer_list(spec.sizes).c_str(), spec.activation.c_str(), s.init.c_str(),
                    net.parameter_count());
        std::printf("%s", net.summary().c_str());
        std::printf("data: %s (%s, %zu train, %zu test)\n", dir.c_str(), s.dataset.c_str(), data.train.size(),
                    data.test.size());
        std::printf("GEMM: hw::sgemm, %s micro-kernel, %d thread%s\n", hw::sgemm_microkernel_name().c_str(),
                    hw::gemm_threads(), hw::gemm_threads() == 1 ? "" : "s");

        hw::TrainOptions options;
        options.epochs = s.epochs;
        options.batch = s.batch;
        options.lr = s.lr;
        options.optimizer.name = s.optimizer;
        options.optimizer.momentum = s.momentum;
        options.optimizer.nesterov = s.nesterov;
        options.optimizer.beta1 = s.beta1;
        options.optimizer.beta2 = s.beta2;
        options.optimizer.epsilon = s.epsilon;
        options.seed = static_cast<std::uint64_t>(s.seed);
        options.val_fraction = s.val;
        options.progress = !s.quiet;

        hw::History history;
        if (s.epochs > 0) {
            const auto n_train = static_cast<std::size_t>(double(data.train.size()) * (1.0 - s.val));
            const std::string split =
                n_train < data.train.size()
                    ? std::to_string(n_train) + " train / " + std::to_string(data.train.size() - n_train) +
                          " validation (the last " + std::to_string(int(std::lround(100 * s.val))) + "%)"
                    : std::to_string(n_train) + " train, no validation split";
            std::printf("training: %s, lr %g, batch %d, %d epochs, seed %ld; %s\n",
                        s.optimizer == "adam" ? "adam"
                        : s.momentum > 0      ? (s.nesterov ? "sgd + nesterov momentum" : "sgd + momentum")
                                              : "sgd",
                        s.lr, s.batch, s.epochs, s.seed, split.c_str());
            history = hw::train(net, data.train, options,
                                [&](const hw::EpochStats& e) { print_epoch(e, s.epochs); });
        }

        // ---------------------------------------------------------------- test set
        const hw::Matrix probs = net.predict_proba(data.test.images);
        const std::vector<int> predictions = hw::argmax_rows(probs);
        const hw::LossAccuracy test = hw::evaluate(net, data.test.images, data.test.labels, 0, data.test.size());
        const hw::ConfusionMatrix cm = hw::confusion_matrix(data.test.labels, predictions, net.output_size());

        std::vector<double> train_seconds, epoch_seconds, gemm_gflops, gemm_share;
        for (const hw::EpochStats& e : history.epochs) {
            train_seconds.push_back(e.train_seconds);
            epoch_seconds.push_back(e.seconds);
            gemm_gflops.push_back(e.gemm_gflops());
            gemm_share.push_back(e.gemm_share());
        }
        std::printf("\nTest set: confusion matrix (rows: true class, columns: predicted)\n");
        cm.print(std::cout, names);
        const auto mistakes = hw::find_misclassified(data.test.labels, predictions, 50, &probs);
        if (!s.quiet && s.show > 0 && !mistakes.empty()) {
            const std::size_t shown_count = std::min<std::size_t>(s.show, mistakes.size());
            std::printf("\nThe %zu most confident mistakes (probability given to the wrong class):\n", shown_count);
            const std::vector<hw::Misclassified> shown(mistakes.begin(), mistakes.begin() + shown_count);
            std::cout << hw::misclassified_text_art(data.test.images, data.test.height, data.test.width, shown,
                                                    names, 2);
        }

        std::filesystem::create_directories(s.out);
        const std::string mistakes_svg = s.out + "/misclassified.svg";
        hw::write_misclassified_svg(mistakes_svg, data.test.images, data.test.height, data.test.width, mistakes,
                                    names, "10-mlp: most confident mistakes — predicted (true)");
        std::vector<std::string> written = {mistakes_svg};
        if (!history.epochs.empty()) {
            hw::write_training_curves(s.out, history, test.accuracy, "10-mlp");
            written.push_back(s.out + "/loss.svg");
            written.push_back(s.out + "/accuracy.svg");
        }
        if (!s.save.empty()) {
            if (auto parent = std::filesystem::path(s.save).parent_path(); !parent.empty())
                std::filesystem::create_directories(parent);
            net.save(s.save);
            written.push_back(s.save + " (model)");
        }
        if (!s.metrics.empty()) {
            if (auto parent = std::filesystem::path(s.metrics).parent_path(); !parent.empty())
                std::filesystem::create_directories(parent);
            hw::JsonWriter j;
            j.begin_object();
            j.key("chapter").value("10-mlp");
            j.key("dataset").value(s.dataset);
            j.key("layers").value(hw::layer_list(spec.sizes));
            j.key("activation").value(spec.activation);
            j.key("init").value(s.init);
            j.key("optimizer").value(s.optimizer);
            j.key("lr").value(double(s.lr));
            j.key("momentum").value(double(s.momentum));
            j.key("batch").value(s.batch);
            j.key("epochs").value(s.epochs);
            j.key("val_fraction").value(s.val);
            j.key("seed").value(static_cast<long long>(s.seed));
            j.key("threads").value(hw::gemm_threads());
            j.key("microkernel").value(hw::sgemm_microkernel_name());
            j.key("parameters").value(net.parameter_count());
            j.key("train_size").value(history.train_size);
            j.key("val_size").value(history.val_size);
            std::vector<double> tl, ta, vl, va, fw, bw, up;
            for (const hw::EpochStats& e : history.epochs) {
                tl.push_back(e.train_loss);
                ta.push_back(e.train_accuracy);
                vl.push_back(e.val_loss);
                va.push_back(e.val_accuracy);
                fw.push_back(e.forward_seconds);
                bw.push_back(e.backward_seconds);
                up.push_back(e.update_seconds);
            }
            j.key("train_loss").array(tl);
            j.key("train_accuracy").array(ta);
            j.key("val_loss").array(vl);
            j.key("val_accuracy").array(va);
            j.key("epoch_seconds").array(epoch_seconds);
            j.key("train_seconds").array(train_seconds);
            j.key("forward_seconds").array(fw);
            j.key("backward_seconds").array(bw);
            j.key("update_seconds").array(up);
            j.key("gemm_gflops").array(gemm_gflops);
            j.key("gemm_share").array(gemm_share);
            j.key("test_loss").value(test.loss);
            j.key("test_accuracy").value(test.accuracy);
            j.key("confusion");
            cm.write_json(j);
            j.end_object();
            j.save(s.metrics);
            written.push_back(s.metrics + " (metrics)");
        }

        std::printf("\n");
        if (!history.epochs.empty())
            std::printf("training time: median %.3f s/epoch for the mini-batch loop (%.3f s with validation), "
                        "GEMM %.0f GFLOP/s = %.0f%% of it\n",
                        median(train_seconds), median(epoch_seconds), median(gemm_gflops), 100 * median(gemm_share));
        // On a machine shared with other jobs sgemm may have run on one thread for a while.
        const hw::SgemmBackoffStats backoff = hw::sgemm_backoff_stats();
        if (backoff.backoffs > 0)
            std::printf("GEMM back-off: another process held a core; %ld back-offs, %.0f%% of the "
                        "products ran on one thread\n", backoff.backoffs,
                        100.0 * double(backoff.solo_calls) /
                            double(backoff.solo_calls + backoff.parallel_calls));
        std::printf("test accuracy: %.2f%%  (test loss %.4f, %zu of %zu wrong)\n", 100 * test.accuracy, test.loss,
                    cm.total() - cm.correct(), cm.total());
        std::printf("wrote:");
        for (const std::string& w : written) std::printf(" %s", w.c_str());
        std::printf("\n");
    } catch (const std::exception& e) {  // hw::DataError, hw::ModelFileError and the rest
        std::fprintf(stderr, "10-mlp: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
