// evaluation.cpp — confusion matrices and misclassified digits (see evaluation.hpp).
#include "handwritten/report/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <ostream>
#include <stdexcept>

#include "handwritten/report/json.hpp"
#include "handwritten/report/svg.hpp"
#include "handwritten/report/text_art.hpp"

namespace hw {

ConfusionMatrix::ConfusionMatrix(int classes)
    : classes_(classes), counts_(static_cast<std::size_t>(std::max(classes, 0)) * std::max(classes, 0)) {
    if (classes <= 0) throw std::invalid_argument("ConfusionMatrix: classes must be positive");
}

void ConfusionMatrix::add(int truth, int predicted) {
    if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
        throw std::out_of_range("ConfusionMatrix::add(" + std::to_string(truth) + ", " +
                                std::to_string(predicted) + "): classes are 0.." +
                                std::to_string(classes_ - 1));
    ++counts_[static_cast<std::size_t>(truth) * classes_ + predicted];
    ++total_;
}

void ConfusionMatrix::clear() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
}

std::size_t ConfusionMatrix::count(int truth, int predicted) const {
    return counts_.at(static_cast<std::size_t>(truth) * classes_ + predicted);
}

std::size_t ConfusionMatrix::correct() const {
    std::size_t sum = 0;
    for (int c = 0; c < classes_; ++c) sum += count(c, c);
    return sum;
}

double ConfusionMatrix::accuracy() const {
    return total_ ? double(correct()) / double(total_) : 0.0;
}

double ConfusionMatrix::precision(int c) const {
    std::size_t predicted_c = 0;  // column sum
    for (int t = 0; t < classes_; ++t) predicted_c += count(t, c);
    return predicted_c ? double(count(c, c)) / double(predicted_c) : 0.0;
}

double ConfusionMatrix::recall(int c) const {
    std::size_t actual_c = 0;  // row sum
    for (int p = 0; p < classes_; ++p) actual_c += count(c, p);
    return actual_c ? double(count(c, c)) / double(actual_c) : 0.0;
}

double ConfusionMatrix::f1(int c) const {
    const double p = precision(c), r = recall(c);
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

double ConfusionMatrix::macro_f1() const {
    double sum = 0;
    for (int c = 0; c < classes_; ++c) sum += f1(c);
    return sum / classes_;
}

void ConfusionMatrix::print(std::ostream& os, const std::vector<std::string>& names) const {
    // Row labels: "3" for digits, " 3 Dress" when the classes have names of their own.
    bool named = false;
    for (int c = 0; c < classes_ && c < static_cast<int>(names.size()); ++c)
        named = named || names[c] != std::to_string(c);
    std::vector<std::string> labels(classes_);
    std::size_t label_w = 9;  // "true\pred"
    for (int c = 0; c < classes_; ++c) {
        char buf[96];
        if (named && c < static_cast<int>(names.size()))
            std::snprintf(buf, sizeof buf, "%2d %s", c, names[c].c_str());
        else
            std::snprintf(buf, sizeof buf, "%2d", c);
        labels[c] = buf;
        label_w = std::max(label_w, labels[c].size());
    }
    auto pad_left = [](const std::string& s, std::size_t w) {
        return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
    };
    auto pad_right = [](const std::string& s, std::size_t w) {
        return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
    };
    // Every cell is "n " or, on the diagonal (the correct predictions), "[n]", right-aligned,
    // so the digits of a column line up and the eye finds the diagonal.
    std::size_t cell_w = 5;
    for (std::size_t n : counts_) cell_w = std::max(cell_w, std::to_string(n).size() + 3);

    os << pad_right("true\\pred", label_w);
    for (int p = 0; p < classes_; ++p) os << pad_left(std::to_string(p) + " ", cell_w);
    os << '\n';
    for (int t = 0; t < classes_; ++t) {
        os << pad_right(labels[t], label_w);
        for (int p = 0; p < classes_; ++p) {
            std::string cell = std::to_string(count(t, p));
            cell = p == t ? std::string(1, '[').append(cell).append(1, ']') : cell.append(1, ' ');
            os << pad_left(cell, cell_w);
        }
        os << '\n';
    }
    char buf[200];
    std::snprintf(buf, sizeof buf, "\n%-*s %8s %10s %9s %9s\n", static_cast<int>(label_w),
                  "class", "support", "precision", "recall", "F1");
    os << buf;
    for (int c = 0; c < classes_; ++c) {
        std::size_t support = 0;
        for (int p = 0; p < classes_; ++p) support += count(c, p);
        std::snprintf(buf, sizeof buf, "%-*s %8zu %9.2f%% %8.2f%% %8.2f%%\n",
                      static_cast<int>(label_w), labels[c].c_str(), support, 100 * precision(c),
                      100 * recall(c), 100 * f1(c));
        os << buf;
    }
    std::snprintf(buf, sizeof buf, "accuracy %.2f%% (%zu/%zu), macro F1 %.2f%%\n",
                  100 * accuracy(), correct(), total_, 100 * macro_f1());
    os << buf;
}

void ConfusionMatrix::write_json(JsonWriter& j) const {
    j.begin_object();
    j.key("classes").value(classes_);
    j.key("accuracy").value(accuracy());
    j.key("macro_f1").value(macro_f1());
    j.key("matrix").begin_array();
    for (int t = 0; t < classes_; ++t) {
        j.begin_array();
        for (int p = 0; p < classes_; ++p) j.value(static_cast<long long>(count(t, p)));
        j.end_array();
    }
    j.end_array();
    std::vector<double> p(classes_), r(classes_), f(classes_);
    for (int c = 0; c < classes_; ++c) {
        p[c] = precision(c);
        r[c] = recall(c);
        f[c] = f1(c);
    }
    j.key("precision").array(p);
    j.key("recall").array(r);
    j.key("f1").array(f);
    j.end_object();
}

namespace {
void require_same_length(std::size_t labels, std::size_t predictions, const char* who) {
    if (labels != predictions)
        throw std::invalid_argument(std::string(who) + ": " + std::to_string(labels) +
                                    " labels but " + std::to_string(predictions) + " predictions");
}
}  // namespace

ConfusionMatrix confusion_matrix(const std::vector<std::uint8_t>& labels,
                                 const std::vector<int>& predictions, int classes) {
    require_same_length(labels.size(), predictions.size(), "confusion_matrix");
    ConfusionMatrix cm(classes);
    for (std::size_t i = 0; i < labels.size(); ++i) cm.add(labels[i], predictions[i]);
    return cm;
}

double accuracy(const std::vector<std::uint8_t>& labels, const std::vector<int>& predictions) {
    require_same_length(labels.size(), predictions.size(), "accuracy");
    if (labels.empty()) return 0.0;
    std::size_t right = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) right += labels[i] == predictions[i];
    return double(right) / double(labels.size());
}

std::vector<int> argmax_rows(const Matrix& scores) {
    std::vector<int> out(scores.rows());
    for (std::size_t r = 0; r < scores.rows(); ++r) {
        const float* row = scores.row(r);
        out[r] = static_cast<int>(std::max_element(row, row + scores.cols()) - row);
    }
    return out;
}

std::vector<Misclassified> find_misclassified(const std::vector<std::uint8_t>& labels,
                                              const std::vector<int>& predictions,
                                              std::size_t limit, const Matrix* probabilities) {
    require_same_length(labels.size(), predictions.size(), "find_misclassified");
    if (probabilities && probabilities->rows() != labels.size())
        throw std::invalid_argument("find_misclassified: probabilities have " +
                                    std::to_string(probabilities->rows()) + " rows for " +
                                    std::to_string(labels.size()) + " labels");
    std::vector<Misclassified> all;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] == predictions[i]) continue;
        Misclassified m;
        m.index = i;
        m.truth = labels[i];
        m.predicted = predictions[i];
        if (probabilities && m.predicted >= 0 &&
            static_cast<std::size_t>(m.predicted) < probabilities->cols())
            m.confidence = (*probabilities)(i, m.predicted);
        all.push_back(m);
        // Without probabilities there is no ranking: stop as soon as we have enough.
        if (!probabilities && all.size() == limit) break;
    }
    if (probabilities)  // most confident mistakes first; ties keep data order
        std::stable_sort(all.begin(), all.end(), [](const Misclassified& a, const Misclassified& b) {
            return a.confidence > b.confidence;
        });
    if (all.size() > limit) all.resize(limit);
    return all;
}

namespace {
std::string class_name(int c, const std::vector<std::string>& names) {
    return c >= 0 && c < static_cast<int>(names.size()) ? names[c] : std::to_string(c);
}
}  // namespace

std::string misclassified_caption(const Misclassified& m, const std::vector<std::string>& names) {
    std::string s = "pred " + class_name(m.predicted, names) + " / true " + class_name(m.truth, names);
    if (m.confidence >= 0) {
        s += ' ';
        s += std::to_string(static_cast<int>(std::lround(100 * m.confidence)));
        s += '%';
    }
    return s;
}

std::string misclassified_text_art(const Matrix& images, int height, int width,
                                   const std::vector<Misclassified>& mistakes,
                                   const std::vector<std::string>& names, int per_row) {
    per_row = std::max(per_row, 1);
    std::string out;
    for (std::size_t start = 0; start < mistakes.size(); start += per_row) {
        std::vector<const float*> row;
        std::vector<std::string> captions;
        for (std::size_t i = start; i < std::min(mistakes.size(), start + per_row); ++i) {
            row.push_back(images.row(mistakes[i].index));
            captions.push_back(misclassified_caption(mistakes[i], names));
        }
        if (start) out += '\n';
        out += text_art_row(row, height, width, captions);
    }
    return out;
}

void write_misclassified_svg(const std::string& path, const Matrix& images, int height, int width,
                             const std::vector<Misclassified>& mistakes,
                             const std::vector<std::string>& names, const std::string& title,
                             int columns) {
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    std::vector<float> packed(mistakes.size() * pixels);
    std::vector<std::string> captions;
    for (std::size_t i = 0; i < mistakes.size(); ++i) {
        std::copy(images.row(mistakes[i].index), images.row(mistakes[i].index) + pixels,
                  packed.begin() + i * pixels);
        captions.push_back(class_name(mistakes[i].predicted, names) + " (true " +
                           class_name(mistakes[i].truth, names) + ")");
    }
    write_image_grid(path, packed.data(), static_cast<int>(mistakes.size()), height, width,
                     captions, columns, title);
}

}  // namespace hw
