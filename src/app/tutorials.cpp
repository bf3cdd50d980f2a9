// tutorials.cpp — the tutorial presets and T5's save/load round trip (tutorials.hpp).
#include "handwritten/app/tutorials.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "handwritten/app/mlp_run.hpp"  // create_parent_directory
#include "handwritten/core/timer.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/report/prediction_grid.hpp"
#include "handwritten/train/trainer.hpp"

namespace hw {

const std::vector<Tutorial>& tutorials() {
    static const std::vector<Tutorial> all = {
        {"T1", "11-better-training", "Keras: MNIST x/255, 784-256 ReLU-10 softmax, Adam, batch 128, 20 epochs, validation_split 0.2",
         {"--layers", "784,256,10", "--init", "xavier", "--init-dist", "uniform", "--optimizer", "adam", "--lr", "0.001",
          "--batch", "128", "--epochs", "20", "--val", "0.2"}},
        {"T2", "09-sigmoid-network", "NumPy per-sample: 784-100-10 sigmoid, no biases, U(-0.5, 0.5), lr 0.02, one epoch, train x/25 but test x/255",
         {"--hidden", "100", "--lr", "0.02", "--epochs", "1", "--init", "uniform", "--bias", "off", "--scale", "unit",
          "--train-scale", "25"}},
        {"T3", "11-better-training", "TensorFlow: 5000 MNIST digits at 20x20, 400-25-15-10 ReLU, Adam 1e-3, batch 32, 40 epochs, seed 1234",
         {"--dataset", "mnist20-5000", "--layers", "400,25,15,10", "--init", "xavier", "--init-dist", "uniform",
          "--optimizer", "adam", "--lr", "0.001", "--batch", "32", "--epochs", "40", "--val", "0", "--seed", "1234",
          "--eval-train", "--prediction-grid"}},
        {"T4", "11-better-training", "NumPy on the 8x8 digits: 64-32-10 sigmoid, N(0,1) weights and biases, MSE, full batch, lr 0.01, 1000 epochs",
         {"--dataset", "digits", "--layers", "64,32,10", "--activation", "sigmoid", "--loss", "mse", "--init", "normal",
          "--init-sigma", "1", "--bias-sigma", "1", "--optimizer", "sgd", "--momentum", "0", "--lr", "0.01", "--batch", "0",
          "--epochs", "1000", "--val", "0", "--seed", "42", "--print-every", "100"}},
        {"T5", "11-better-training", "NumPy layered: 784-32-16-10 ReLU, N(0, 0.01) weights, zero biases, SGD lr 0.01, batch 90, 3 epochs",
         {"--layers", "784,32,16,10", "--init", "normal", "--init-sigma", "0.01", "--optimizer", "sgd", "--momentum", "0",
          "--lr", "0.01", "--batch", "90", "--epochs", "3", "--val", "0", "--round-trip"}},
    };
    return all;
}

std::vector<std::string> expand_tutorial(const std::vector<std::string>& args, const std::string& program,
                                         std::string& error) {
    error.clear();
    std::vector<std::string> rest;
    std::string id;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--tutorial") {
            if (i + 1 >= args.size()) {
                error = "option --tutorial needs a value (T1..T5)";
                return args;
            }
            id = args[++i];
        } else if (args[i].rfind("--tutorial=", 0) == 0) {
            id = args[i].substr(std::strlen("--tutorial="));
        } else {
            rest.push_back(args[i]);
        }
    }
    if (id.empty()) return args;
    for (const Tutorial& t : tutorials()) {
        if (t.id != id) continue;
        if (t.program != program) {
            error = "tutorial " + id + " runs on " + t.program + ": build/bin/" + t.program + " --tutorial " + id;
            return args;
        }
        std::vector<std::string> out = {args.empty() ? program : args[0]};
        out.insert(out.end(), t.args.begin(), t.args.end());
        out.insert(out.end(), rest.begin(), rest.end());  // after the preset: the user's flags win
        return out;
    }
    error = "unknown tutorial '" + id + "' (expected T1, T2, T3, T4 or T5)";
    return args;
}

ArgvView::ArgvView(std::vector<std::string> args) : args_(std::move(args)) {
    for (std::string& a : args_) pointers_.push_back(a.data());
    pointers_.push_back(nullptr);
}

RoundTrip save_load_round_trip(Sequential& net, const std::string& path, const Matrix& probe) {
    RoundTrip r;
    create_parent_directory(path);
    Stopwatch clock;
    net.save(path);
    r.save_seconds = clock.seconds();
    r.file_bytes = std::filesystem::file_size(path);
    clock.restart();
    Sequential loaded = Sequential::load(path);
    r.load_seconds = clock.seconds();
    const Matrix before = net.predict_proba(probe), after = loaded.predict_proba(probe);
    r.rows_compared = probe.rows();
    r.identical = before.size() == after.size() &&
                  std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0;
    return r;
}

bool epoch_line_due(int epoch, int epochs, int every) {
    return every <= 1 || epoch == 1 || epoch == epochs || epoch % every == 0;
}

namespace {

void show_training_set(Sequential& net, const Mnist& data, const TutorialDisplays& d,
                       std::vector<std::string>& written) {
    const LabeledSet& train = data.train;
    if (d.eval_train) {
        const LossAccuracy t = evaluate(net, train.images, train.labels, 0, train.size(), 1000, d.loss);
        std::printf("training-set accuracy: %.2f%%  (%zu images, final weights; loss %.4f)\n", 100 * t.accuracy,
                    train.size(), t.loss);
    }
    if (!d.prediction_grid) return;
    const std::vector<int> predicted = net.predict(train.images);
    std::filesystem::create_directories(d.out);
    const std::string grid = d.out + "/predictions.svg";
    write_prediction_grid_svg(grid, train.images, train.height, train.width, train.labels, predicted, 64, 8, d.seed,
                              "64 random training images: actual | predicted");
    written.push_back(grid);
    std::printf("training set: %s\n", error_list(train.labels, predicted, 20).c_str());
    const std::vector<Misclassified> wrong = find_misclassified(train.labels, predicted, 100);
    if (!wrong.empty()) {
        const std::string errors = d.out + "/train_errors.svg";
        write_misclassified_svg(errors, train.images, train.height, train.width, wrong, class_names(data.dataset),
                                "misclassified training images: predicted (true)");
        written.push_back(errors);
    }
}

void show_round_trip(Sequential& net, const Mnist& data, const TutorialDisplays& d, std::vector<std::string>& written) {
    Stopwatch clock;
    const LossAccuracy t = evaluate(net, data.test.images, data.test.labels, 0, data.test.size(), 1000, d.loss);
    std::printf("test time: %.3f s for %zu images (accuracy %.2f%%)\n", clock.seconds(), data.test.size(),
                100 * t.accuracy);
    const std::string path = d.out + "/round-trip.hwm";
    const RoundTrip r = save_load_round_trip(net, path, data.test.images);
    std::printf("round trip: saved %s (%zu bytes) in %.1f ms, loaded it in %.1f ms; predictions on the %zu test "
                "images %s\n",
                path.c_str(), r.file_bytes, 1e3 * r.save_seconds, 1e3 * r.load_seconds, r.rows_compared,
                r.identical ? "bit-identical" : "DIFFER");
    written.push_back(path + " (model)");
}

}  // namespace

std::vector<std::string> show_tutorial_displays(Sequential& net, const Mnist& data, const TutorialDisplays& d) {
    std::vector<std::string> written;
    if (d.eval_train || d.prediction_grid) show_training_set(net, data, d, written);
    if (d.round_trip) show_round_trip(net, data, d, written);
    return written;
}

}  // namespace hw
