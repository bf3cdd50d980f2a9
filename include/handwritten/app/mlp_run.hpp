// mlp_run.hpp — the command line and the report of an MLP training run, shared by chapters 10 and 11
// (and by chapter 12, whose networks are convolutional but whose runs and reports are the same).
//
// Both chapters train the same batched MLP with hw::train and judge it the same way, so the
// flags they share (--layers, optimizer, mini-batch loop, data, output files), the checks that
// the network fits the data, the test-set report (confusion matrix, per-class
// precision/recall/F1, confident mistakes as text art and SVG, "test accuracy" and "wrote:"
// lines) and the start of the metrics JSON live here once. Each chapter keeps what is its own:
// --activation/--init, chapter 10's Adam constants, chapter 11's toolbox (toolbox_run.hpp), the
// epoch line and the rest of its metrics.
//
// The flags are rows of a hw::FlagTable (flag_table.hpp), declared in three groups, in the order
// --help lists them, so a chapter can put its own rows between them:
//
//     hw::FlagTable flags;
//     flags.int_list("layers", s.layers, "...", ...);    // the chapter's own
//     hw::add_optimizer_flags(flags, s, help);           // --loss --optimizer --lr --momentum --nesterov
//     hw::add_loop_flags(flags, s, help);                // --batch --epochs --val --seed --threads
//     hw::add_data_and_output_flags(flags, s, help);     // --data ... --load --quiet
//
// What it is not: a training loop (that is hw::train) or a model builder.
#pragma once
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/train/optimizer.hpp"
#include "handwritten/train/trainer.hpp"

namespace hw {

class JsonWriter;
class Sequential;

// The settings both chapters share; the defaults are chapter 10's (chapter 11 changes a few).
struct MlpRunSettings {
    std::string layers = "784,256,10";
    std::string loss = "cross-entropy";  // or "mse" on sigmoid outputs (nn/loss.hpp)
    OptimizerOptions optimizer;  // --optimizer, --momentum, --nesterov (chapter 10 adds β1, β2, ε)
    float lr = 1e-3f;
    int batch = 128, epochs = 20, threads = 0;  // batch 0: the full training set per step
    double val = 0.2;
    long seed = 1, limit = 0;
    std::string data, dataset = "mnist", out = "runs/10-mlp", metrics, save, load;
    int show = 10;
    bool quiet = false;
};

// The help texts that differ between the chapters (chapter 10's by default).
struct MlpRunHelp {
    std::string lr = "learning rate (default 1e-3 for adam, 0.01 for sgd)";
    std::string momentum = "sgd momentum (0: plain mini-batch SGD)";
    std::string val = "fraction of the training set held out for validation (the last rows, as Keras)";
    std::string seed = "seed for the weights and the shuffles";
    std::string data = "data directory (default: data/mnist, data/fashion or data/digits by --dataset; $HW_DATA_DIR for IDX sets)";
    std::string out = "directory for the SVG files";
    std::string metrics = "write the history, timings and confusion matrix as JSON";
    std::string load = "start from a saved model (its layer list wins)";
};

// --loss --optimizer --lr --momentum --nesterov
void add_optimizer_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help);
// --batch --epochs --val --seed --threads
void add_loop_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help);
// --data --dataset --limit --show --out --metrics --save --load --quiet
void add_data_and_output_flags(FlagTable& flags, MlpRunSettings& s, const MlpRunHelp& help);
// --layers: sizes from input to classes, at least two, each in 1..100000.
void add_layers_flag(FlagTable& flags, MlpRunSettings& s, const std::string& help);

// After cli.parse: an SGD run whose --lr was not given uses `sgd_lr` (Adam's 1e-3 is too small).
void default_sgd_lr(const Cli& cli, MlpRunSettings& s, float sgd_lr);
// After cli.parse: the ranges of the table, then the checks every MLP run makes (--epochs 0 only
// with --load). Exits 2 with one line on the first failure.
void check_run_flags(const Cli& cli, const FlagTable& flags, const MlpRunSettings& s);

// hw::train's options from the settings: epochs, batch, lr, optimizer, seed, validation split,
// progress bars unless --quiet. Hooks and threads are left to the caller.
TrainOptions train_options(const MlpRunSettings& s);

// The dataset from --data/--dataset (any of hw::dataset_names()), cut to --limit training images.
// Throws hw::DataError.
Mnist load_run_data(const MlpRunSettings& s);

// ---------------------------------------------------------------- the test-set report

struct TestSetReport {
    ConfusionMatrix confusion;
    std::vector<Misclassified> mistakes;  // the 50 most confident, for the SVG
};

// Prints the confusion matrix with per-class precision/recall/F1, then (unless --quiet) the
// --show most confident mistakes as text art under "The N most confident mistakes
// (<probability_note>):". `probs` holds one row of class probabilities per test image.
TestSetReport report_test_set(const LabeledSet& test, const Matrix& probs, int classes,
                              const std::vector<std::string>& names, const MlpRunSettings& s,
                              const std::string& probability_note);

// Writes OUT/misclassified.svg titled "<title_prefix>: most confident mistakes — predicted (true)"
// and returns its path.
std::string write_mistakes_svg(const LabeledSet& test, const std::vector<Misclassified>& mistakes,
                               const std::vector<std::string>& names, const std::string& out,
                               const std::string& title_prefix);

// The network must fit the data: inputs = pixels per image, outputs ≥ classes. A mismatch of a
// network built from --layers is a usage error (exit 2 through cli); one of a --load file throws
// hw::ModelFileError naming the file.
void check_network_fits(const Sequential& net, const LabeledSet& train, std::size_t classes,
                        const MlpRunSettings& s, const Cli& cli);
// The same check from the sizes alone, before a network is built.
void check_network_fits(int inputs, int outputs, const LabeledSet& train, std::size_t classes,
                        const MlpRunSettings& s, const Cli& cli);

// The start of every metrics file: the chapter, every setting of the table, the GEMM the run used
// (threads, micro-kernel), the network (config, parameters) and the history arrays.
void write_run_json(JsonWriter& j, const std::string& chapter, const FlagTable& flags, const Sequential& net,
                    const History& history);

// Creates the folder a file is about to be written into (nothing for a bare file name).
void create_parent_directory(const std::string& path);
// Saves the model, creating its folder; returns the "wrote:" entry ("PATH (model)").
std::string save_trained_model(const Sequential& net, const std::string& path);

// The per-epoch train_loss, train_accuracy, val_loss and val_accuracy arrays of a metrics file.
void write_history_json(JsonWriter& j, const History& history);
// The test_loss, test_accuracy and confusion members of a metrics file.
void write_test_json(JsonWriter& j, const LossAccuracy& test, const ConfusionMatrix& confusion);

// "test accuracy: 98.12%  (test loss 0.0612, 188 of 10000 wrong)" and "wrote: FILE FILE ...".
void print_test_summary(const LossAccuracy& test, const ConfusionMatrix& confusion,
                        const std::vector<std::string>& written);

}  // namespace hw
