// tutorials.hpp — the five tutorials this project grew from, as presets of the chapter programs.
//
//   T1  Keras: 784-256-10 ReLU/softmax, Adam, batch 128, 20 epochs, validation_split 0.2   (11)
//   T2  NumPy "make your own network": 784-100-10 sigmoid, per-sample, lr 0.02, train x/25  (09)
//   T3  TensorFlow: 5000 20×20 digits, 400-25-15-10, Adam, 40 epochs, seed 1234            (11)
//   T4  NumPy on the 8×8 digits: 64-32-10 sigmoid, MSE, full batch, lr 0.01, 1000 epochs    (11)
//   T5  NumPy layered: 784-32-16-10, N(0, 0.01) weights, SGD lr 0.01, batch 90, 3 epochs    (11)
//
// `--tutorial T4` puts the preset's flags in front of the ones given on the command line, so
// any of them can still be overridden (`--tutorial T4 --epochs 10`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

class Sequential;
struct Mnist;

struct Tutorial {
    std::string id;                 // "T1".."T5"
    std::string program;            // the chapter binary that runs it
    std::string setting;            // the tutorial's system in a few words
    std::vector<std::string> args;  // the preset's flags for `program`
};

const std::vector<Tutorial>& tutorials();

// The command line with "--tutorial ID" (or "--tutorial=ID") replaced by the preset's flags,
// placed before every other argument; args[0] is the program name. An unknown ID, or a tutorial
// of another program, sets `error` to one line and returns the arguments unchanged.
std::vector<std::string> expand_tutorial(const std::vector<std::string>& args, const std::string& program,
                                         std::string& error);

// argc/argv views of a std::vector<std::string>, for parsers that take main()'s arguments.
class ArgvView {
public:
    explicit ArgvView(std::vector<std::string> args);
    int argc() const { return int(pointers_.size()) - 1; }
    char** argv() { return pointers_.data(); }

private:
    std::vector<std::string> args_;
    std::vector<char*> pointers_;  // args_'s characters, then a null pointer (as main() gets)
};

// T5's "saves and loads the parameters": saves `net` to `path`, loads it back and checks that
// the loaded network gives bit-identical probabilities on `probe` (N×inputs).
struct RoundTrip {
    double save_seconds = 0, load_seconds = 0;
    std::size_t file_bytes = 0;
    bool identical = false;
    std::size_t rows_compared = 0;
};
RoundTrip save_load_round_trip(Sequential& net, const std::string& path, const Matrix& probe);

// What the tutorials show after training, each switched on by a flag of chapter 11:
//   --eval-train       "training-set accuracy: 99.98% (...)", with the final weights (T3 reports
//                      only this figure; the running mean of an epoch is not it)
//   --prediction-grid  OUT/predictions.svg: 64 random training images as an 8×8 grid titled
//                      "actual | predicted"; the list of training-set errors and
//                      OUT/train_errors.svg with the misclassified images (T3)
//   --round-trip       the test-set time, and save → load → bit-identical test predictions, timed (T5)
struct TutorialDisplays {
    bool eval_train = false, prediction_grid = false, round_trip = false;
    std::string out;           // folder for the SVG files and the round trip's model file
    std::string loss = "cross-entropy";
    std::uint64_t seed = 1;    // which random images the grid shows
};
// Prints the lines above and returns the files written ("PATH" entries for "wrote:").
std::vector<std::string> show_tutorial_displays(Sequential& net, const Mnist& data, const TutorialDisplays& d);

// Epoch lines of a long run: the first, every `every`-th and the last (every ≤ 1: all of them).
bool epoch_line_due(int epoch, int epochs, int every);

}  // namespace hw
