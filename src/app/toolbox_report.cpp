// toolbox_report.cpp — chapter 11's reports: signal at initialisation, augmentation grid,
// temperature table, learning-rate curve, metrics JSON (toolbox_report.hpp).
#include "handwritten/app/toolbox_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "handwritten/data/augment.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/report/svg.hpp"
#include "handwritten/report/text_art.hpp"
#include "handwritten/report/training_plots.hpp"

namespace hw {

// The spread of each layer's output on a batch of real digits: how init shapes the signal.
void print_layer_signal(Sequential& net, const Matrix& images) {
    const std::size_t rows = std::min<std::size_t>(1000, images.rows());
    Matrix X(rows, images.cols()), Y;
    std::memcpy(X.data(), images.data(), X.size() * sizeof(float));
    std::printf("signal at initialisation (1000 training digits, evaluation mode): std of each layer's output\n");
    for (std::size_t i = 0; i < net.size(); ++i) {
        net.layer(i).forward(X, Y, /*training=*/false);
        double sum = 0, sq = 0;
        for (std::size_t k = 0; k < Y.size(); ++k) {
            sum += Y.data()[k];
            sq += double(Y.data()[k]) * Y.data()[k];
        }
        const double mean = sum / Y.size();
        std::printf("  %-22s std %.4g\n", net.layer(i).name().c_str(), std::sqrt(std::max(0.0, sq / Y.size() - mean * mean)));
        std::swap(X, Y);
    }
}

// Originals and random warps of a few training digits, as text art and as an SVG grid.
std::string write_augmented_grid(const ToolboxSettings& s, const LabeledSet& train) {
    std::filesystem::create_directories(s.out);
    AugmentOptions a;
    a.max_shift = s.shift;
    a.max_degrees = s.rotate;
    a.max_scale = s.scale;
    Augmenter aug(a, static_cast<std::uint64_t>(s.seed) + 2024);
    const int h = train.height, w = train.width, digits = 8, per_digit = 10;
    std::vector<float> pixels;
    std::vector<std::string> captions;
    std::vector<float> one(h * w);
    for (int d = 0; d < digits; ++d) {
        const float* src = train.images.row(d);
        pixels.insert(pixels.end(), src, src + h * w);
        captions.push_back("original");
        for (int k = 1; k < per_digit; ++k) {
            const Warp wp = aug.random_warp();
            warp_image(src, one.data(), h, w, wp);
            pixels.insert(pixels.end(), one.begin(), one.end());
            char c[48];
            std::snprintf(c, sizeof c, "%+.0f,%+.0f %+.0f° ×%.2f", wp.dx, wp.dy, wp.degrees, wp.scale);
            captions.push_back(c);
        }
    }
    const std::string path = s.out + "/augmented.svg";
    write_image_grid(path, pixels.data(), digits * per_digit, h, w, captions, per_digit,
                         "11: training digits (left) and random warps: shift dx,dy · rotation · scale");
    if (!s.quiet) {
        std::printf("\nAugmentation: the first training digit and two random warps of it (more in %s)\n", path.c_str());
        std::vector<const float*> row = {pixels.data()};
        std::vector<std::string> cap = {captions[0]};
        for (int k = 1; k <= 2; ++k) {
            row.push_back(pixels.data() + k * h * w);
            cap.push_back(captions[k]);
        }
        std::cout << text_art_row(row, h, w, cap);
    }
    return path;
}

TemperatureReport temperature_report(Sequential& net, const Mnist& data, const History& h, float user_t) {
    TemperatureReport rep;
    const std::vector<float> grid = {0.5f, 0.75f, 0.9f, 1.0f, 1.1f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f};
    if (h.val_size > 0) {
        const std::size_t n = data.train.size();
        const Matrix val_logits = net.logits(data.train.images, n - h.val_size, n);
        const std::vector<std::uint8_t> val_labels(data.train.labels.end() - h.val_size, data.train.labels.end());
        rep.fitted = fit_temperature(val_logits, val_labels, grid);
    }
    rep.temps = {0.5f, 1.0f, 2.0f, 5.0f};
    if (std::find(rep.temps.begin(), rep.temps.end(), rep.fitted) == rep.temps.end()) rep.temps.push_back(rep.fitted);
    if (std::find(rep.temps.begin(), rep.temps.end(), user_t) == rep.temps.end()) rep.temps.push_back(user_t);
    std::sort(rep.temps.begin(), rep.temps.end());
    const Matrix test_logits = net.logits(data.test.images, 0, data.test.size());
    std::printf("\nSoftmax temperature on the test set (accuracy never changes: argmax is the same)\n");
    std::printf("      T   mean confidence    NLL     ECE\n");
    for (float t : rep.temps) {
        rep.test.push_back(calibration(softmax_with_temperature(test_logits, t), data.test.labels));
        const Calibration& c = rep.test.back();
        std::printf("  %5.2f   %14.2f%%  %.4f  %5.2f%%%s\n", t, 100 * c.mean_confidence, c.nll, 100 * c.ece,
                    t == rep.fitted && h.val_size > 0 ? "   ← lowest validation NLL" : (t == 1 ? "   (plain softmax)" : ""));
    }
    // One digit the network is unsure about, at three temperatures.
    const Matrix p1 = softmax_with_temperature(test_logits, 1.0f);
    std::size_t unsure = 0;
    float lowest = 2;
    for (std::size_t r = 0; r < p1.rows(); ++r) {
        const float top = *std::max_element(p1.row(r), p1.row(r) + p1.cols());
        if (top < lowest) lowest = top, unsure = r;
    }
    std::printf("\nthe least confident test digit (#%zu, label %d): class probabilities at T = 0.5, 1, 2\n", unsure,
                int(data.test.labels[unsure]));
    for (float t : {0.5f, 1.0f, 2.0f}) {
        const Matrix p = softmax_with_temperature(test_logits, t);
        std::printf("  T=%.1f ", t);
        for (std::size_t k = 0; k < p.cols(); ++k) std::printf(" %5.1f", 100 * p(unsure, k));
        std::printf("  (%%)\n");
    }
    return rep;
}

// loss.svg and accuracy.svg as in chapter 10, plus the learning rate each epoch used.
std::vector<std::string> write_toolbox_curves(const std::string& out, const History& h, double test_accuracy) {
    write_training_curves(out, h, test_accuracy, "11", "(train is measured with dropout/augmentation on)");
    Series lr{"learning rate", {}, {}};
    for (const EpochStats& e : h.epochs) lr.x.push_back(e.epoch), lr.y.push_back(e.lr);
    ChartOptions ro;
    ro.title = "11: learning rate per epoch";
    ro.x_label = "epoch";
    ro.y_label = "learning rate";
    write_line_chart(out + "/lr.svg", {lr}, ro);
    return {out + "/loss.svg", out + "/accuracy.svg", out + "/lr.svg"};
}

void write_toolbox_metrics(const std::string& path, const FlagTable& flags, const ToolboxRun& r,
                           const ConfusionMatrix& cm, const TemperatureReport& temp) {
    create_parent_directory(path);
    JsonWriter j;
    j.begin_object();
    write_run_json(j, "11-better-training", flags, r.net, r.history);
    j.key("best_epoch").value(r.best_epoch);
    std::vector<double> lr, secs;
    for (const EpochStats& e : r.history.epochs) lr.push_back(e.lr), secs.push_back(e.seconds);
    j.key("lr_per_epoch").array(lr);
    j.key("epoch_seconds").array(secs);
    j.key("train_seconds").value(r.train_seconds);
    j.key("test_loss").value(r.test.loss);
    j.key("test_accuracy").value(r.test.accuracy);
    j.key("temperature_fitted").value(double(temp.fitted));
    j.key("temperature").begin_array();
    for (std::size_t i = 0; i < temp.temps.size(); ++i) {
        j.begin_object();
        j.key("T").value(double(temp.temps[i]));
        j.key("mean_confidence").value(temp.test[i].mean_confidence);
        j.key("nll").value(temp.test[i].nll);
        j.key("ece").value(temp.test[i].ece);
        j.end_object();
    }
    j.end_array();
    j.key("confusion");
    cm.write_json(j);
    j.end_object();
    j.save(path);
}

}  // namespace hw
