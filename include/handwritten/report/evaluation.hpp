// evaluation.hpp — how good is a classifier, and where does it go wrong?
//
// What it is: model-agnostic reporting shared by every training chapter. It only sees
// predictions, labels, optionally the predicted probabilities, and the images:
//   - hw::ConfusionMatrix: counts[true][predicted], accuracy, per-class precision/recall/F1,
//     printed as a table and written into a --metrics JSON file;
//   - the misclassified samples (the most confident mistakes first when probabilities are
//     given), shown as text art with "pred X / true Y" captions and written as an SVG grid.
// What it is not: a model. Computing the predictions is the caller's job.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

class JsonWriter;

class ConfusionMatrix {
public:
    explicit ConfusionMatrix(int classes = 10);

    // Counts one sample. Both must be in [0, classes) (std::out_of_range otherwise).
    void add(int truth, int predicted);
    void clear();

    int classes() const { return classes_; }
    std::size_t count(int truth, int predicted) const;  // rows: true class, columns: predicted
    std::size_t total() const { return total_; }
    std::size_t correct() const;                        // the diagonal
    double accuracy() const;                            // correct / total (0 when empty)

    // precision(c): of the samples predicted c, the fraction that really are c.
    // recall(c):    of the samples that really are c, the fraction predicted c.
    // f1(c):        their harmonic mean. Each is 0 when its denominator is 0.
    double precision(int c) const;
    double recall(int c) const;
    double f1(int c) const;
    double macro_f1() const;  // unweighted mean of f1 over the classes

    // The matrix (true class down, predicted across; the diagonal marked with [ ]) followed by
    // a per-class table of support, precision, recall and F1. `names` label the classes
    // (e.g. hw::class_names(dataset)); empty → "0".."C-1".
    void print(std::ostream& os, const std::vector<std::string>& names = {}) const;
    // Writes an object {"classes", "accuracy", "macro_f1", "matrix": [[...]], "precision": [...],
    // "recall": [...], "f1": [...]} as the next value of `json` (after a key(), or in an array).
    void write_json(JsonWriter& json) const;

private:
    int classes_;
    std::size_t total_ = 0;
    std::vector<std::size_t> counts_;  // classes × classes, row-major
};

// The confusion matrix of predictions against labels (same length, else std::invalid_argument).
ConfusionMatrix confusion_matrix(const std::vector<std::uint8_t>& labels,
                                 const std::vector<int>& predictions, int classes = 10);

// Fraction of predictions equal to their label (same length, else std::invalid_argument).
double accuracy(const std::vector<std::uint8_t>& labels, const std::vector<int>& predictions);

// Index of the largest entry of each row of an N×C score or probability matrix
// (the first one on ties).
std::vector<int> argmax_rows(const Matrix& scores);

struct Misclassified {
    std::size_t index = 0;      // row in the image matrix / position in the label vector
    int truth = 0, predicted = 0;
    float confidence = -1.0f;   // probability given to the wrong class; -1 when unknown
};

// Up to `limit` samples whose prediction differs from the label. Without probabilities they come
// in data order; with an N×C `probabilities` matrix, the most confident mistakes come first.
std::vector<Misclassified> find_misclassified(const std::vector<std::uint8_t>& labels,
                                              const std::vector<int>& predictions,
                                              std::size_t limit,
                                              const Matrix* probabilities = nullptr);

// "pred 7 / true 2" (with class names, e.g. "pred Shirt / true Coat"); adds " 93%" when the
// confidence is known.
std::string misclassified_caption(const Misclassified& m, const std::vector<std::string>& names);

// The mistakes as text art, `per_row` images side by side, each captioned
// "pred X / true Y". `images` holds one image of height×width per row.
std::string misclassified_text_art(const Matrix& images, int height, int width,
                                   const std::vector<Misclassified>& mistakes,
                                   const std::vector<std::string>& names, int per_row = 5);

// The mistakes as an SVG grid (hw::write_image_grid), captioned "7 (true 2)" — shorter than the
// text-art caption so it fits under an 84-pixel image. Throws std::runtime_error when the file
// cannot be written.
void write_misclassified_svg(const std::string& path, const Matrix& images, int height, int width,
                             const std::vector<Misclassified>& mistakes,
                             const std::vector<std::string>& names, const std::string& title,
                             int columns = 10);

}  // namespace hw
