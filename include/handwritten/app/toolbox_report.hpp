// toolbox_report.hpp — what chapter 11 shows besides chapter 10's test-set report: the signal
// through a freshly initialised network, what augmentation does to a digit, how the softmax
// temperature changes confidence, the learning-rate curve, and the metrics JSON of a run.
//
// Everything here reads a trained (or fresh) network and prints or writes files; nothing
// trains. The computations it reports come from the library (hw::calibration,
// hw::fit_temperature, hw::Augmenter); only the tables and grids are made here.
#pragma once
#include <string>
#include <vector>

#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/toolbox_run.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/train/temperature.hpp"

namespace hw {

// The spread (standard deviation) of each layer's output on the first 1000 rows of `images`,
// one line per layer, in evaluation mode: how the initialisation shapes the signal.
void print_layer_signal(Sequential& net, const Matrix& images);

// OUT/augmented.svg: 8 training digits, each beside 9 random warps with their parameters; unless
// --quiet also the first digit and two warps as text art. Returns the SVG's path.
std::string write_augmented_grid(const ToolboxSettings& s, const LabeledSet& train);

struct TemperatureReport {
    float fitted = 1;  // T with the lowest validation NLL (1 when there is no validation set)
    std::vector<float> temps;
    std::vector<Calibration> test;  // one per entry of temps
};

// Mean confidence, NLL and ECE on the test set at T = 0.5, 1, 2, 5, the fitted T and `user_t`,
// T fitted on the validation rows (the last history.val_size training rows); prints the table
// and the least confident test digit's probabilities at T = 0.5, 1, 2.
TemperatureReport temperature_report(Sequential& net, const Mnist& data, const History& history, float user_t);

// loss.svg and accuracy.svg as in chapter 10, plus lr.svg: the learning rate each epoch used.
// Returns the paths written.
std::vector<std::string> write_toolbox_curves(const std::string& out, const History& history, double test_accuracy);

// The metrics JSON of one run: chapter 10's run fields (every flag of the table), then early
// stopping's epoch, the learning rate and time per epoch, the test result, the temperature table
// and the confusion matrix.
void write_toolbox_metrics(const std::string& path, const FlagTable& flags, const ToolboxRun& run,
                           const ConfusionMatrix& confusion, const TemperatureReport& temperature);

}  // namespace hw
