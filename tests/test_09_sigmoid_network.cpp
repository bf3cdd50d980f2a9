// test_09_sigmoid_network.cpp — chapter 09: the evaluation toolkit, the vector kernels and the
// per-sample sigmoid network (gradients against finite differences, learning, determinism,
// save/load).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "handwritten/report/evaluation.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/neuron.hpp"  // hw::sigmoid, the scalar one from chapter 01
#include "handwritten/core/random.hpp"
#include "handwritten/nn/sigmoid_network.hpp"
#include "handwritten/nn/vector_ops.hpp"
#include "test_support.hpp"

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The kernel implementations this CPU can run: always the portable one, AVX2 when present.
std::vector<std::string> available_isas() {
    std::vector<std::string> isas = {"portable"};
    const std::string before = hw::vector_isa();
    if (hw::set_vector_isa("avx2")) isas.push_back("avx2");
    hw::set_vector_isa(before);
    return isas;
}

// Restores the kernel choice at the end of a test.
struct IsaGuard {
    std::string saved = hw::vector_isa();
    ~IsaGuard() { hw::set_vector_isa(saved); }
};

std::vector<float> random_vector(hw::Rng& rng, int n, float zero_fraction = 0.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = rng.uniform() < zero_fraction ? 0.0f : rng.uniform(-1.0f, 1.0f);
    return v;
}

// A double-precision reference of the network's loss (½‖o − t‖², or the cross-entropy when
// config.loss says so), written independently of the library (plain loops over the
// inputs×outputs weights) for the finite-difference check.
double reference_loss(const hw::SigmoidNetwork& net, const std::vector<double>& x, int label) {
    const auto& c = net.config();
    auto sig = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
    std::vector<double> h(c.hidden), o(c.outputs);
    for (int j = 0; j < c.hidden; ++j) {
        double z = c.bias ? net.b1()(0, j) : 0.0;
        for (int i = 0; i < c.inputs; ++i) z += x[i] * double(net.W1()(i, j));
        h[j] = sig(z);
    }
    double loss = 0;
    for (int k = 0; k < c.outputs; ++k) {
        double z = c.bias ? net.b2()(0, k) : 0.0;
        for (int j = 0; j < c.hidden; ++j) z += h[j] * double(net.W2()(j, k));
        o[k] = sig(z);
        const double t = k == label ? c.target_on : c.target_off;
        loss += c.loss == "cross-entropy" ? -(t * std::log(o[k]) + (1 - t) * std::log(1 - o[k]))
                                          : 0.5 * (o[k] - t) * (o[k] - t);
    }
    return loss;
}

// Four classes of 16 "pixels": class c lights pixels 4c..4c+3 (plus a little noise elsewhere).
hw::LabeledSet synthetic_set(hw::Rng& rng, int per_class) {
    hw::LabeledSet set;
    set.height = 4;
    set.width = 4;
    set.images = hw::Matrix(4 * per_class, 16);
    for (int n = 0; n < 4 * per_class; ++n) {
        const int c = n % 4;
        for (int p = 0; p < 16; ++p)
            set.images(n, p) = p / 4 == c ? rng.uniform(0.6f, 1.0f)
                                          : (rng.uniform() < 0.7f ? 0.0f : rng.uniform(0.0f, 0.3f));
        set.labels.push_back(static_cast<std::uint8_t>(c));
    }
    return set;
}

hw::SigmoidNetworkConfig small_config() {
    hw::SigmoidNetworkConfig c;
    c.inputs = 16;
    c.hidden = 12;
    c.outputs = 4;
    c.bias = true;
    return c;
}

using hw_test::TempDir;

}  // namespace

namespace {

// Every gradient of a small network (with and without biases, every vector ISA) against
// central finite differences of reference_loss, for the given loss.
void check_gradients_by_finite_differences(const std::string& loss) {
    IsaGuard guard;
    for (const std::string& isa : available_isas()) {
        REQUIRE(hw::set_vector_isa(isa));
        for (bool bias : {false, true}) {
            CAPTURE(isa);
            CAPTURE(bias);
            hw::Rng rng(11);
            hw::SigmoidNetworkConfig c;
            c.inputs = 9;
            c.hidden = 7;
            c.outputs = 3;
            c.bias = bias;
            c.init = "normal";
            c.loss = loss;
            hw::SigmoidNetwork net(c, rng);
            if (bias) {
                net.b1().fill_uniform(rng, -0.5f, 0.5f);
                net.b2().fill_uniform(rng, -0.5f, 0.5f);
            }
            const std::vector<float> xf = random_vector(rng, c.inputs, 0.3f);
            const std::vector<double> x(xf.begin(), xf.end());
            const int label = 1;
            hw::SigmoidGradients g;
            net.gradients(xf.data(), label, g);

            // ∂loss/∂p ≈ (loss(p + ε) − loss(p − ε)) / 2ε, with the parameter perturbed in the
            // float network and the loss evaluated in double. ε = 1e-3 keeps the perturbation
            // exactly representable in float to ~1e-10; the truncation error is O(ε²) ≈ 1e-7.
            // Tolerance: |analytic − numeric| ≤ 1e-5 + 1e-3·|numeric| (the analytic gradient is
            // computed in float: ~1e-7 relative).
            auto check = [&](hw::Matrix& param, const hw::Matrix& grad, const char* name) {
                for (std::size_t r = 0; r < param.rows(); ++r)
                    for (std::size_t col = 0; col < param.cols(); ++col) {
                        const float saved = param(r, col);
                        const float eps = 1e-3f;
                        param(r, col) = saved + eps;
                        const double up = reference_loss(net, x, label);
                        param(r, col) = saved - eps;
                        const double down = reference_loss(net, x, label);
                        param(r, col) = saved;
                        const double numeric =
                            (up - down) / (double(saved + eps) - double(saved - eps));
                        CAPTURE(name);
                        CAPTURE(r);
                        CAPTURE(col);
                        REQUIRE(std::fabs(grad(r, col) - numeric) <= 1e-5 + 1e-3 * std::fabs(numeric));
                    }
            };
            check(net.W1(), g.W1, "W1");
            check(net.W2(), g.W2, "W2");
            if (bias) {
                check(net.b1(), g.b1, "b1");
                check(net.b2(), g.b2, "b2");
            }
            // The gradient is not trivially zero (zero inputs give zero rows, the rest do not).
            CHECK(g.W1.max_abs() > 1e-4f);
            CHECK(g.W2.max_abs() > 1e-3f);
        }
    }
}

}  // namespace

TEST_SUITE("09-sigmoid-network") {

// ------------------------------------------------------------------ evaluation

TEST_CASE("evaluation: confusion matrix counts and per-class scores by hand") {
    // true:  0 0 1 1 1 2
    // pred:  0 1 1 1 2 2
    const std::vector<std::uint8_t> labels = {0, 0, 1, 1, 1, 2};
    const std::vector<int> preds = {0, 1, 1, 1, 2, 2};
    const hw::ConfusionMatrix cm = hw::confusion_matrix(labels, preds, 3);
    CHECK(cm.total() == 6);
    CHECK(cm.correct() == 4);
    CHECK(cm.count(0, 0) == 1);
    CHECK(cm.count(0, 1) == 1);
    CHECK(cm.count(1, 1) == 2);
    CHECK(cm.count(1, 2) == 1);
    CHECK(cm.count(2, 2) == 1);
    CHECK(cm.count(2, 0) == 0);
    CHECK(cm.accuracy() == doctest::Approx(4.0 / 6));
    CHECK(hw::accuracy(labels, preds) == doctest::Approx(4.0 / 6));
    // Class 0: predicted once (right) → precision 1; 2 true zeros, 1 found → recall 1/2.
    CHECK(cm.precision(0) == doctest::Approx(1.0));
    CHECK(cm.recall(0) == doctest::Approx(0.5));
    CHECK(cm.f1(0) == doctest::Approx(2.0 / 3));
    // Class 1: predicted 3 times, 2 right; 3 true ones, 2 found.
    CHECK(cm.precision(1) == doctest::Approx(2.0 / 3));
    CHECK(cm.recall(1) == doctest::Approx(2.0 / 3));
    // Class 2: predicted twice, 1 right; 1 true two, found.
    CHECK(cm.precision(2) == doctest::Approx(0.5));
    CHECK(cm.recall(2) == doctest::Approx(1.0));
    CHECK(cm.f1(2) == doctest::Approx(2.0 / 3));
    CHECK(cm.macro_f1() == doctest::Approx(2.0 / 3));

    std::ostringstream os;
    cm.print(os, {"zero", "one", "two"});
    CHECK(contains(os.str(), " 1 one      0   [2]   1 \n"));
    CHECK(contains(os.str(), " 2 two           1     50.00%   100.00%    66.67%"));
    CHECK(contains(os.str(), "accuracy 66.67% (4/6), macro F1 66.67%"));

    hw::JsonWriter j;
    cm.write_json(j);
    CHECK(contains(j.str(), "\"matrix\": [[1, 1, 0], [0, 2, 1], [0, 0, 1]]"));

    hw::ConfusionMatrix empty(3);
    CHECK(empty.accuracy() == 0.0);
    CHECK(empty.precision(1) == 0.0);
    CHECK_THROWS_AS(empty.add(3, 0), std::out_of_range);
    CHECK_THROWS_AS(hw::accuracy(labels, {1, 2}), std::invalid_argument);
}

TEST_CASE("evaluation: argmax and misclassified samples, most confident first") {
    hw::Matrix probs = hw::Matrix::from_rows(
        {{0.7f, 0.2f, 0.1f}, {0.1f, 0.6f, 0.3f}, {0.05f, 0.05f, 0.9f}, {0.4f, 0.4f, 0.2f}});
    const std::vector<int> preds = hw::argmax_rows(probs);
    CHECK(preds == std::vector<int>{0, 1, 2, 0});  // tie in row 3 → first
    const std::vector<std::uint8_t> labels = {0, 2, 1, 1};
    auto wrong = hw::find_misclassified(labels, preds, 10, &probs);
    REQUIRE(wrong.size() == 3);
    CHECK(wrong[0].index == 2);  // 90% sure and wrong
    CHECK(wrong[1].index == 1);
    CHECK(wrong[2].index == 3);
    CHECK(wrong[0].confidence == doctest::Approx(0.9f));
    CHECK(hw::misclassified_caption(wrong[0], {}) == "pred 2 / true 1 90%");
    auto first = hw::find_misclassified(labels, preds, 2);
    REQUIRE(first.size() == 2);
    CHECK(first[0].index == 1);
    CHECK(first[1].index == 2);
    CHECK(hw::misclassified_caption(first[0], {"a", "b", "c"}) == "pred b / true c");

    // Four 1×8 "images": text art places the mistakes side by side under their captions
    // (each image 16 characters wide, two apart; per_row 1 puts a blank line between them).
    hw::Matrix images(4, 8);
    images(1, 0) = 1;
    images(2, 7) = 1;
    CHECK(hw::misclassified_text_art(images, 1, 8, first, {}, 5) ==
          "@@                              @@\npred 1 / true 2   pred 2 / true 1\n");
    CHECK(hw::misclassified_text_art(images, 1, 8, first, {}, 1) ==
          "@@\npred 1 / true 2\n\n              @@\npred 2 / true 1\n");
}

// ------------------------------------------------------------------ vector kernels

TEST_CASE("vector kernels match a double-precision reference, for every ISA and odd sizes") {
    IsaGuard guard;
    hw::Rng rng(7);
    for (const std::string& isa : available_isas()) {
        REQUIRE(hw::set_vector_isa(isa));
        for (int m : {1, 3, 10, 33, 100, 300})
            for (int n : {1, 7, 8, 10, 31, 64, 100, 130}) {
                CAPTURE(isa);
                CAPTURE(m);
                CAPTURE(n);
                hw::Matrix W(m, n);
                W.fill_uniform(rng, -1.0f, 1.0f);
                const std::vector<float> xm = random_vector(rng, m, 0.5f);  // half zeros
                const std::vector<float> xn = random_vector(rng, n);
                // Error bound for float sums of k terms of size ≤ 1: ~k·2^-24 ≈ k·6e-8.
                const double tol_m = 1e-6 * (m + 1), tol_n = 1e-6 * (n + 1);

                std::vector<float> y(m, 99.0f);
                hw::matvec(W.data(), m, n, xn.data(), y.data());
                for (int i = 0; i < m; ++i) {
                    double ref = 0;
                    for (int j = 0; j < n; ++j) ref += double(W(i, j)) * xn[j];
                    REQUIRE(std::fabs(y[i] - ref) <= tol_n);
                }

                std::vector<float> yt(n, 99.0f);  // must be overwritten, not accumulated into
                hw::matvec_t(W.data(), m, n, xm.data(), yt.data());
                for (int j = 0; j < n; ++j) {
                    double ref = 0;
                    for (int i = 0; i < m; ++i) ref += double(W(i, j)) * xm[i];
                    REQUIRE(std::fabs(yt[j] - ref) <= tol_m);
                }

                hw::Matrix W2 = W.clone();
                hw::rank1_update(W2.data(), m, n, -0.5f, xm.data(), xn.data());
                for (int i = 0; i < m; ++i)
                    for (int j = 0; j < n; ++j)
                        REQUIRE(std::fabs(W2(i, j) - (double(W(i, j)) - 0.5 * xm[i] * xn[j])) <= 1e-6);
            }
    }
}

TEST_CASE("vector kernels: all-zero input gives zero and leaves W alone") {
    IsaGuard guard;
    for (const std::string& isa : available_isas()) {
        REQUIRE(hw::set_vector_isa(isa));
        hw::Rng rng(3);
        hw::Matrix W(20, 13);
        W.fill_uniform(rng, -1.0f, 1.0f);
        const hw::Matrix before = W.clone();
        std::vector<float> zeros(20, 0.0f), y(13, 5.0f), v(13, 1.0f);
        hw::matvec_t(W.data(), 20, 13, zeros.data(), y.data());
        for (float value : y) CHECK(value == 0.0f);
        hw::rank1_update(W.data(), 20, 13, 1.0f, zeros.data(), v.data());
        CHECK(hw::max_abs_diff(W, before) == 0.0f);
    }
}

TEST_CASE("sigmoid: within 1e-6 of the exact value over the whole range, for every ISA") {
    IsaGuard guard;
    std::vector<float> z;
    for (float v = -120.0f; v <= 120.0f; v += 0.037f) z.push_back(v);
    z.push_back(0.0f);
    z.push_back(-0.0f);
    for (const std::string& isa : available_isas()) {
        REQUIRE(hw::set_vector_isa(isa));
        std::vector<float> s = z;
        hw::sigmoid_inplace(s.data(), static_cast<int>(s.size()));
        double worst = 0;
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double exact = 1.0 / (1.0 + std::exp(-double(z[i])));
            worst = std::max(worst, std::fabs(s[i] - exact));
            REQUIRE(s[i] >= 0.0f);
            REQUIRE(s[i] <= 1.0f);
        }
        CAPTURE(isa);
        CHECK(worst < 1e-6);
        CHECK(hw::sigmoid(0.0f) == 0.5f);
        CHECK(hw::sigmoid(-200.0f) >= 0.0f);
        CHECK(hw::sigmoid(200.0f) == 1.0f);
    }
}

// ------------------------------------------------------------------ the network

TEST_CASE("backprop matches central finite differences of a double-precision reference") {
    check_gradients_by_finite_differences("squared");
}

// Chapter 09's exercise 1: this passes once output_delta handles the cross-entropy.
TEST_CASE("exercise 09-1: the cross-entropy's gradients match finite differences") {
    check_gradients_by_finite_differences("cross-entropy");
    // and the loss train_sample reports is the cross-entropy of the outputs before the step
    hw::Rng rng(5);
    hw::SigmoidNetworkConfig c = small_config();
    c.loss = "cross-entropy";
    hw::SigmoidNetwork net(c, rng);
    const std::vector<float> x = random_vector(rng, 16, 0.5f);
    std::vector<float> h(12), o(4);
    net.forward(x.data(), h.data(), o.data());
    double expected = 0;
    for (int k = 0; k < 4; ++k) expected -= k == 2 ? std::log(o[k]) : std::log(1.0 - o[k]);
    CHECK(net.train_sample(x.data(), 2, 0.1f) == doctest::Approx(expected).epsilon(1e-5));
}

TEST_CASE("train_sample takes exactly one step of W -= lr * gradient") {
    hw::Rng rng(5);
    hw::SigmoidNetwork net(small_config(), rng);
    const std::vector<float> x = random_vector(rng, 16, 0.5f);
    hw::SigmoidGradients g;
    net.gradients(x.data(), 2, g);
    const hw::Matrix W1 = net.W1().clone(), W2 = net.W2().clone(), b1 = net.b1().clone();
    std::vector<float> h(12), o(4);
    net.forward(x.data(), h.data(), o.data());
    double expected_loss = 0;
    for (int k = 0; k < 4; ++k) expected_loss += 0.5 * (o[k] - (k == 2)) * (o[k] - (k == 2));
    const float loss = net.train_sample(x.data(), 2, 0.25f);
    CHECK(loss == doctest::Approx(expected_loss).epsilon(1e-5));
    g.W1 *= -0.25f;
    g.W2 *= -0.25f;
    g.b1 *= -0.25f;
    CHECK(hw::max_abs_diff(net.W1(), W1 + g.W1) <= 1e-6f);
    CHECK(hw::max_abs_diff(net.W2(), W2 + g.W2) <= 1e-6f);
    CHECK(hw::max_abs_diff(net.b1(), b1 + g.b1) <= 1e-6f);
    CHECK(hw::max_abs_diff(net.W2(), W2) > 1e-4f);  // it did move
}

TEST_CASE("a small synthetic problem is learned to 100%") {
    hw::Rng data_rng(21);
    const hw::LabeledSet train = synthetic_set(data_rng, 30);
    const hw::LabeledSet test = synthetic_set(data_rng, 25);
    hw::Rng rng(1);
    hw::SigmoidNetwork net(small_config(), rng);
    const double before = hw::accuracy(test.labels, hw::argmax_rows(net.predict_all(test.images)));
    double first_loss = 0, last_loss = 0;
    for (int epoch = 0; epoch < 60; ++epoch) {
        const hw::EpochResult r = hw::train_epoch(net, train, 0.5f, rng);
        if (epoch == 0) first_loss = r.mean_loss;
        last_loss = r.mean_loss;
    }
    const std::vector<int> preds = hw::argmax_rows(net.predict_all(test.images));
    CHECK(hw::accuracy(test.labels, preds) == 1.0);
    CHECK(hw::accuracy(train.labels, hw::argmax_rows(net.predict_all(train.images))) == 1.0);
    CHECK(before < 0.7);
    CHECK(last_loss < 0.1 * first_loss);
    for (std::size_t i = 0; i < test.size(); ++i) CHECK(net.predict(test.images.row(i)) == preds[i]);
}

TEST_CASE("same seed, same weights, bit for bit; another seed, other weights") {
    hw::Rng data_rng(2);
    const hw::LabeledSet train = synthetic_set(data_rng, 20);
    auto run = [&](std::uint64_t seed) {
        hw::Rng rng(seed);
        hw::SigmoidNetwork net(small_config(), rng);
        for (int epoch = 0; epoch < 3; ++epoch) hw::train_epoch(net, train, 0.3f, rng);
        return net;
    };
    const hw::SigmoidNetwork a = run(42), b = run(42), c = run(43);
    CHECK(std::memcmp(a.W1().data(), b.W1().data(), a.W1().size() * sizeof(float)) == 0);
    CHECK(std::memcmp(a.W2().data(), b.W2().data(), a.W2().size() * sizeof(float)) == 0);
    CHECK(std::memcmp(a.b1().data(), b.b1().data(), a.b1().size() * sizeof(float)) == 0);
    CHECK(hw::max_abs_diff(a.W1(), c.W1()) > 1e-3f);
}

TEST_CASE("init: uniform in [-0.5, 0.5), normal with std 1/sqrt(fan_in)") {
    hw::Rng rng(9);
    hw::SigmoidNetworkConfig c;
    c.hidden = 50;
    hw::SigmoidNetwork u(c, rng);
    CHECK(u.W1().max_abs() <= 0.5f);
    CHECK(u.W1().max_abs() > 0.49f);
    c.init = "normal";
    hw::SigmoidNetwork n(c, rng);
    double sq = 0;
    for (std::size_t i = 0; i < n.W1().size(); ++i) sq += double(n.W1().data()[i]) * n.W1().data()[i];
    const double std_w1 = std::sqrt(sq / n.W1().size());
    CHECK(std_w1 == doctest::Approx(1.0 / 28.0).epsilon(0.02));  // 39200 draws: ±0.5% sampling
    c.init = "he";
    CHECK_THROWS_AS(hw::SigmoidNetwork(c, rng), std::invalid_argument);
}

TEST_CASE("save, load: identical predictions; corrupted or foreign files are refused") {
    TempDir dir;
    hw::Rng data_rng(4);
    const hw::LabeledSet set = synthetic_set(data_rng, 10);
    hw::Rng rng(8);
    hw::SigmoidNetwork net(small_config(), rng);
    hw::train_epoch(net, set, 0.3f, rng);
    hw::save_model(dir.file("net.hwm"), net.to_model_file("scale=book"));

    const hw::ModelFile file = hw::load_model(dir.file("net.hwm"));
    CHECK(file.kind == "sigmoid-mlp");
    CHECK(hw::config_value(file.config, "scale") == "book");
    CHECK(hw::config_value(file.config, "hidden") == "12");
    CHECK(hw::config_value(file.config, "bias") == "on");
    CHECK(hw::config_value(file.config, "nope") == "");
    const hw::SigmoidNetwork back = hw::SigmoidNetwork::from_model_file(file);
    CHECK(back.config().hidden == 12);
    CHECK(back.config().bias);
    const hw::Matrix p1 = net.predict_all(set.images), p2 = back.predict_all(set.images);
    CHECK(std::memcmp(p1.data(), p2.data(), p1.size() * sizeof(float)) == 0);

    // One flipped bit in the weights: the checksum catches it.
    std::vector<char> bytes;
    {
        std::ifstream in(dir.file("net.hwm"), std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    bytes[bytes.size() / 2] ^= 0x10;
    {
        std::ofstream out(dir.file("bad.hwm"), std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    CHECK_THROWS_WITH_AS(hw::load_model(dir.file("bad.hwm")),
                         doctest::Contains("checksum mismatch"), hw::ModelFileError);

    // A model of another kind (chapter 10's MLP) is refused by name.
    hw::ModelFile other = net.to_model_file();
    other.kind = "mlp";
    CHECK_THROWS_WITH_AS(hw::SigmoidNetwork::from_model_file(other),
                         doctest::Contains("'mlp' model"), hw::ModelFileError);
    // Config and tensors that disagree: the shape check names the tensor.
    hw::ModelFile lying = net.to_model_file();
    lying.config = "inputs=16 hidden=13 outputs=4 bias=on init=uniform target_on=1 target_off=0";
    CHECK_THROWS_WITH_AS(hw::SigmoidNetwork::from_model_file(lying),
                         doctest::Contains("'W1' is 16x12, expected 16x13"), hw::ModelFileError);
    lying.config = "hidden=12";
    CHECK_THROWS_WITH_AS(hw::SigmoidNetwork::from_model_file(lying),
                         doctest::Contains("lacks a valid 'inputs'"), hw::ModelFileError);
}

}  // TEST_SUITE
