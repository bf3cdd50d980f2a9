// test_10_mlp.cpp — the batched MLP: layers, loss, optimizers, training, model files.
//
// No real MNIST here: gradient checks use tiny random layers, training uses a small synthetic
// problem, model files go to a fresh temporary directory.
//
// Gradient checks compare the analytic gradient a with the central difference
//     n = (L(θ + h) − L(θ − h)) / 2h
// by the relative error |a − n| / max(|a| + |n|, floor). The layers compute in float (about 7
// significant digits), so the forward's rounding noise, divided by 2h, limits the agreement to
// roughly 1e-4…1e-3 for h = 1e-2…1e-3 — far from the O(1) error of a wrong gradient (a missing
// transpose, a sign, a lost 1/B). The bound used below is stated at each check.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "handwritten/nn/dense.hpp"
#include "handwritten/nn/dropout_layer.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/mlp_run.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/train/optimizer.hpp"
#include "handwritten/core/flush_denormals.hpp"
#include "handwritten/core/parallel.hpp"
#include "handwritten/nn/relu.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/nn/sigmoid.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"
#include "handwritten/train/trainer.hpp"
#include "test_support.hpp"

using namespace hw_test;

namespace {

// The same synthetic problem for every training test: C well-separated Gaussian blobs in d
// dimensions (class c centred at 2·e_c), n samples.
hw::LabeledSet blobs(std::size_t n, int d, int classes, std::uint64_t seed, float spread = 0.3f) {
    hw::Rng rng(seed);
    hw::LabeledSet set;
    set.images = hw::Matrix(n, d);
    set.labels.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
        const int c = static_cast<int>(rng.below(classes));
        set.labels[r] = static_cast<std::uint8_t>(c);
        for (int j = 0; j < d; ++j) set.images(r, j) = (j == c ? 2.0f : 0.0f) + spread * rng.normal();
    }
    return set;
}

}  // namespace

using hw::Matrix;

TEST_SUITE("10-mlp") {

// ---------------------------------------------------------------- layers vs finite differences

TEST_CASE("Dense backward matches central differences (dW, db, dX)") {
    hw::Rng rng(1);
    hw::Dense dense(7, 5);
    dense.initialize(hw::Init::HeNormal, rng);
    dense.bias().fill_uniform(rng, -0.5f, 0.5f);
    Matrix X = random_matrix(4, 7, rng), R = random_matrix(4, 5, rng), Y, dX;
    auto loss = [&] {
        dense.forward(X, Y, true);
        return weighted_sum(R, Y);
    };
    loss();
    dense.backward(R, dX);
    const Matrix dW = dense.weight_grad().clone(), db = dense.bias_grad().clone(), dXa = dX.clone();
    CHECK(dW.rows() == 7);
    CHECK(dW.cols() == 5);
    CHECK(dXa.rows() == 4);
    CHECK(dXa.cols() == 7);
    // The layer is linear in each entry, so the central difference is exact for any h and only
    // float rounding remains; h = 0.1 keeps that noise small: bound 1e-3.
    CHECK(max_gradient_error(dense.weights(), dW, loss, 1e-1f) < 1e-3);
    CHECK(max_gradient_error(dense.bias(), db, loss, 1e-1f) < 1e-3);
    CHECK(max_gradient_error(X, dXa, loss, 1e-1f) < 1e-3);
    // Not trivially zero: a layer whose forward and backward both did nothing would pass the
    // difference checks above (0 = 0).
    CHECK(dW.max_abs() > 1e-2f);
    CHECK(db.max_abs() > 1e-2f);
    CHECK(dXa.max_abs() > 1e-2f);
}

TEST_CASE("Dense forward is X·W + b, also for a batch larger than the threading threshold") {
    hw::Rng rng(2);
    hw::Dense dense(70, 90);
    dense.initialize(hw::Init::XavierUniform, rng);
    dense.bias().fill_uniform(rng, -1, 1);
    Matrix X = random_matrix(300, 70, rng), Y;
    dense.forward(X, Y, false);
    double worst = 0;
    for (int r = 0; r < 300; ++r)
        for (int c = 0; c < 90; ++c) {
            double ref = dense.bias()(0, c);
            for (int k = 0; k < 70; ++k) ref += double(X(r, k)) * double(dense.weights()(k, c));
            worst = std::max(worst, std::fabs(ref - double(Y(r, c))));
        }
    CHECK(worst < 1e-4);  // 70 products of magnitude ≤ 0.2: float error ~1e-6
}

TEST_CASE("Dense with input gradients switched off leaves dX alone and still fills dW, db") {
    hw::Rng rng(3);
    hw::Dense dense(3, 2);
    dense.initialize(hw::Init::HeUniform, rng);
    dense.set_input_grad_needed(false);
    Matrix X = random_matrix(2, 3, rng), Y, dX;
    dense.forward(X, Y, true);
    dense.backward(Matrix(2, 2, 1.0f), dX);
    CHECK(dX.empty());
    // db = column sums of dY = 2 each; dW = Xᵀ·1 = column sums of X.
    CHECK(dense.bias_grad()(0, 0) == doctest::Approx(2.0));
    CHECK(dense.weight_grad()(1, 0) == doctest::Approx(X(0, 1) + X(1, 1)).epsilon(1e-6));
}

TEST_CASE("He and Xavier initialisations have the variance they promise") {
    hw::Rng rng(4);
    auto variance = [](const Matrix& W) {
        double s = 0, s2 = 0;
        for (std::size_t i = 0; i < W.size(); ++i) {
            s += W.data()[i];
            s2 += double(W.data()[i]) * W.data()[i];
        }
        const double mean = s / double(W.size());
        return s2 / double(W.size()) - mean * mean;
    };
    for (auto init : {hw::Init::HeNormal, hw::Init::HeUniform, hw::Init::XavierNormal, hw::Init::XavierUniform}) {
        hw::Dense d(400, 200);
        d.initialize(init, rng);
        const bool he = init == hw::Init::HeNormal || init == hw::Init::HeUniform;
        const double expected = he ? 2.0 / 400 : 2.0 / 600;
        CAPTURE(hw::init_name(init));
        CHECK(variance(d.weights()) == doctest::Approx(expected).epsilon(0.03));  // 80k draws: ~1% noise
        CHECK(d.bias().max_abs() == 0.0f);
        CHECK(hw::parse_init(hw::init_name(init)) == init);
    }
    CHECK_THROWS_AS(hw::parse_init("lecun"), std::invalid_argument);
}

TEST_CASE("ReLU backward matches central differences away from the kink") {
    hw::Rng rng(5);
    Matrix X = random_matrix(5, 6, rng), R = random_matrix(5, 6, rng), Y, dX;
    for (std::size_t i = 0; i < X.size(); ++i)  // keep |x| ≥ 0.1 so x ± h never crosses 0
        if (std::fabs(X.data()[i]) < 0.1f) X.data()[i] = X.data()[i] < 0 ? -0.1f : 0.1f;
    hw::Relu relu;
    auto loss = [&] {
        relu.forward(X, Y, true);
        return weighted_sum(R, Y);
    };
    loss();
    relu.backward(R, dX);
    const Matrix dXa = dX.clone();
    CHECK(max_gradient_error(X, dXa, loss, 1e-2f) < 1e-4);  // piecewise linear: rounding only
    // The mask itself: zero gradient exactly where x < 0.
    for (std::size_t i = 0; i < X.size(); ++i)
        CHECK(dXa.data()[i] == (X.data()[i] > 0 ? R.data()[i] : 0.0f));
}

TEST_CASE("Sigmoid backward matches central differences") {
    hw::Rng rng(6);
    Matrix X = random_matrix(4, 5, rng, -4, 4), R = random_matrix(4, 5, rng), Y, dX;
    hw::Sigmoid sigmoid;
    auto loss = [&] {
        sigmoid.forward(X, Y, true);
        return weighted_sum(R, Y);
    };
    loss();
    sigmoid.backward(R, dX);
    const Matrix dXa = dX.clone();
    // Curved: truncation error h²·σ'''/6 ≈ 1e-6 plus rounding; bound 2e-3 at h = 1e-2.
    CHECK(max_gradient_error(X, dXa, loss, 1e-2f) < 2e-3);
    CHECK(hw::stable_sigmoid(-200.0f) == 0.0f);
    CHECK(hw::stable_sigmoid(200.0f) == 1.0f);
    CHECK(std::isfinite(hw::stable_sigmoid(-1e30f)));
}

TEST_CASE("Softmax cross-entropy: value, gradient (softmax − onehot)/B, central differences") {
    hw::Rng rng(7);
    Matrix Z = random_matrix(3, 4, rng, -3, 3), dZ;
    const std::vector<std::uint8_t> y = {2, 0, 3};
    hw::SoftmaxCrossEntropy ce;
    const double loss = ce.forward(Z, y);
    // Reference in double: mean of log Σ e^z − z_y.
    double ref = 0;
    for (int r = 0; r < 3; ++r) {
        double s = 0;
        for (int j = 0; j < 4; ++j) s += std::exp(double(Z(r, j)));
        ref += std::log(s) - Z(r, y[r]);
    }
    CHECK(loss == doctest::Approx(ref / 3).epsilon(1e-6));
    ce.backward(dZ);
    for (int r = 0; r < 3; ++r) {
        double s = 0;
        for (int j = 0; j < 4; ++j) s += std::exp(double(Z(r, j)));
        for (int j = 0; j < 4; ++j) {
            const double p = std::exp(double(Z(r, j))) / s;
            CHECK(dZ(r, j) == doctest::Approx((p - (j == y[r])) / 3).epsilon(1e-5));
        }
    }
    const Matrix dZa = dZ.clone();
    // Smooth in the logits: bound 1e-3 at h = 1e-2.
    CHECK(max_gradient_error(Z, dZa, [&] { return ce.forward(Z, y); }, 1e-2f) < 1e-3);
    CHECK_THROWS_AS(ce.forward(Z, std::vector<std::uint8_t>{0, 1}), std::invalid_argument);
    CHECK_THROWS_AS(ce.forward(Z, std::vector<std::uint8_t>{0, 1, 4}), std::invalid_argument);
}

TEST_CASE("Softmax cross-entropy stays finite at logits of ±1e4") {
    Matrix Z = Matrix::from_rows({{1e4f, -1e4f, 0.0f}, {-1e4f, 1e4f, -1e4f}}), dZ;
    hw::SoftmaxCrossEntropy ce;
    // Row 0 with label 1: loss = log(e^1e4 + ...) − (−1e4) = 2e4. Row 1 with label 1: loss 0.
    const double loss = ce.forward(Z, std::vector<std::uint8_t>{1, 1});
    CHECK(std::isfinite(loss));
    CHECK(loss == doctest::Approx((2e4 + 0.0) / 2));
    ce.backward(dZ);
    for (std::size_t i = 0; i < dZ.size(); ++i) CHECK(std::isfinite(dZ.data()[i]));
    CHECK(dZ(0, 0) == doctest::Approx(0.5));   // p = 1 for the wrong class, /B
    CHECK(dZ(0, 1) == doctest::Approx(-0.5));  // p = 0 for the label, −1, /B
    CHECK(ce.probabilities()(1, 1) == 1.0f);
    CHECK(ce.correct() == 1);
    Matrix P;
    hw::softmax_rows(Z, P);
    CHECK(P(0, 0) == 1.0f);
    CHECK(P(0, 1) == 0.0f);
}

// ---------------------------------------------------------------- the whole network

TEST_CASE("Whole-network gradient check: 6-5-4-3 ReLU and sigmoid MLPs with cross-entropy") {
    for (const std::string activation : {"relu", "sigmoid"}) {
        CAPTURE(activation);
        hw::Rng rng(8);
        hw::MlpSpec spec;
        spec.sizes = {6, 5, 4, 3};
        spec.activation = activation;
        spec.init = hw::Init::HeNormal;
        hw::Sequential net(spec, rng);
        for (hw::Param& p : net.params())
            if (!p.is_weight) p.value->fill_uniform(rng, -0.3f, 0.3f);  // non-zero biases
        Matrix X = random_matrix(5, 6, rng), dZ;
        const std::vector<std::uint8_t> y = {0, 2, 1, 1, 2};
        hw::SoftmaxCrossEntropy ce;
        auto loss = [&] { return ce.forward(net.forward(X, true), y); };
        loss();
        ce.backward(dZ);
        net.backward(dZ);
        const std::vector<hw::Param> params = net.params();
        REQUIRE(params.size() == 6);
        for (const hw::Param& p : params) {
            CAPTURE(p.name);
            const Matrix analytic = p.grad->clone();
            // h = 1e-3: small enough that no ReLU input crosses 0 (checked by the bound: a
            // crossing would show as an O(1) error); rounding noise ~1e-7/1e-3 → bound 5e-3.
            CHECK(max_gradient_error(*p.value, analytic, loss, 1e-3f, 1e-2) < 5e-3);
            CHECK(analytic.max_abs() > 1e-4f);  // not trivially zero
        }
    }
}

namespace {
// A straightforward per-sample MLP in double: the chapter-09 way, one vector at a time.
// Returns the gradients of the cross-entropy of ONE sample, W_l stored in×out like hw::Dense.
struct PerSampleGrads {
    std::vector<std::vector<double>> dW, db;
};
PerSampleGrads per_sample_backprop(hw::Sequential& net, const float* x, int label) {
    std::vector<hw::Param> ps = net.params();
    const std::size_t L = ps.size() / 2;
    std::vector<std::vector<double>> a(L + 1), z(L);
    a[0].assign(x, x + ps[0].value->rows());
    for (std::size_t l = 0; l < L; ++l) {
        const Matrix& W = *ps[2 * l].value;
        const Matrix& b = *ps[2 * l + 1].value;
        z[l].assign(W.cols(), 0.0);
        for (std::size_t j = 0; j < W.cols(); ++j) {
            double s = b(0, j);
            for (std::size_t i = 0; i < W.rows(); ++i) s += a[l][i] * W(i, j);
            z[l][j] = s;
        }
        a[l + 1] = z[l];
        if (l + 1 < L)
            for (double& v : a[l + 1]) v = v > 0 ? v : 0;  // ReLU
    }
    // δ = softmax(z_L) − onehot
    std::vector<double> delta = z[L - 1];
    double m = delta[0], s = 0;
    for (double v : delta) m = std::max(m, v);
    for (double& v : delta) s += (v = std::exp(v - m));
    for (double& v : delta) v /= s;
    delta[label] -= 1.0;
    PerSampleGrads g;
    g.dW.resize(L);
    g.db.resize(L);
    for (std::size_t l = L; l-- > 0;) {
        const Matrix& W = *ps[2 * l].value;
        g.db[l] = delta;
        g.dW[l].assign(W.size(), 0.0);
        for (std::size_t i = 0; i < W.rows(); ++i)
            for (std::size_t j = 0; j < W.cols(); ++j) g.dW[l][i * W.cols() + j] = a[l][i] * delta[j];
        if (l == 0) break;
        std::vector<double> prev(W.rows(), 0.0);
        for (std::size_t i = 0; i < W.rows(); ++i) {
            for (std::size_t j = 0; j < W.cols(); ++j) prev[i] += W(i, j) * delta[j];
            prev[i] *= z[l - 1][i] > 0 ? 1.0 : 0.0;  // ReLU'
        }
        delta = prev;
    }
    return g;
}
}  // namespace

TEST_CASE("A batch of one gives the per-sample gradients; a batch gives their mean") {
    hw::Rng rng(9);
    hw::MlpSpec spec;
    spec.sizes = {9, 7, 6, 4};
    hw::Sequential net(spec, rng);
    for (hw::Param& p : net.params())
        if (!p.is_weight) p.value->fill_uniform(rng, -0.2f, 0.2f);
    const int B = 6;
    Matrix X = random_matrix(B, 9, rng);
    const std::vector<std::uint8_t> y = {3, 0, 1, 2, 3, 1};
    hw::SoftmaxCrossEntropy ce;
    Matrix dZ, one(1, 9);
    std::vector<PerSampleGrads> ref;
    for (int r = 0; r < B; ++r) ref.push_back(per_sample_backprop(net, X.row(r), y[r]));

    // Batch of one, sample by sample: equal to the double reference to float accuracy.
    // Tolerance |got − ref| ≤ 1e-5·(1e-2 + |ref|): float rounding is relative to the size of the
    // terms summed (activations and deltas of 1e-2..1), not to a gradient entry that may be a
    // small difference of them, hence the 1e-7 absolute floor. Measured: up to 8e-8 on the
    // portable micro-kernel, whose summation order differs from the AVX-512 one; a wrong
    // gradient is off by 1e-4 or more.
    for (int r = 0; r < B; ++r) {
        std::memcpy(one.data(), X.row(r), 9 * sizeof(float));
        ce.forward(net.forward(one, true), std::span<const std::uint8_t>(&y[r], 1));
        ce.backward(dZ);
        net.backward(dZ);
        const auto ps = net.params();
        for (std::size_t l = 0; l < ps.size() / 2; ++l) {
            for (std::size_t i = 0; i < ps[2 * l].grad->size(); ++i)
                CHECK(ps[2 * l].grad->data()[i] == doctest::Approx(ref[r].dW[l][i]).epsilon(1e-5).scale(1e-2));
            for (std::size_t i = 0; i < ps[2 * l + 1].grad->size(); ++i)
                CHECK(ps[2 * l + 1].grad->data()[i] == doctest::Approx(ref[r].db[l][i]).epsilon(1e-5).scale(1e-2));
        }
    }
    // The whole batch at once: the mean of the per-sample gradients (the 1/B of the loss).
    ce.forward(net.forward(X, true), y);
    ce.backward(dZ);
    net.backward(dZ);
    const auto ps = net.params();
    for (std::size_t l = 0; l < ps.size() / 2; ++l)
        for (std::size_t i = 0; i < ps[2 * l].grad->size(); ++i) {
            double mean = 0;
            for (int r = 0; r < B; ++r) mean += ref[r].dW[l][i] / B;
            CHECK(ps[2 * l].grad->data()[i] == doctest::Approx(mean).epsilon(1e-5).scale(1e-2));
        }
}

TEST_CASE("Sequential: layer lists, summary, bad specs") {
    hw::Rng rng(10);
    hw::MlpSpec spec;
    spec.sizes = {400, 25, 15, 10};
    hw::Sequential net(spec, rng);
    CHECK(net.size() == 5);  // dense relu dense relu dense
    CHECK(net.input_size() == 400);
    CHECK(net.output_size() == 10);
    CHECK(net.parameter_count() == 400 * 25 + 25 + 25 * 15 + 15 + 15 * 10 + 10);
    CHECK(net.params()[0].name == "dense0.W");
    CHECK(net.params()[5].name == "dense2.b");
    CHECK(net.summary().find("dense2 15→10") != std::string::npos);
    CHECK(spec.to_config() == "layers=400,25,15,10 activation=relu");
    const hw::MlpSpec back = hw::MlpSpec::from_config("layers=400,25,15,10 activation=sigmoid dropout=0.5");
    CHECK(back.sizes == spec.sizes);
    CHECK(back.activation == "sigmoid");
    CHECK_THROWS_AS(hw::MlpSpec::from_config("activation=relu"), std::invalid_argument);
    CHECK_THROWS_AS(hw::MlpSpec::from_config("layers=784"), std::invalid_argument);
    CHECK_THROWS_AS(hw::MlpSpec::from_config("layers=784,x,10"), std::invalid_argument);
    CHECK_THROWS_AS(hw::MlpSpec::from_config("layers=784,0,10"), std::invalid_argument);
    CHECK_THROWS_AS(hw::MlpSpec::from_config("layers=784,10 activation=tanh"), std::invalid_argument);
    Matrix wrong(2, 399);
    CHECK_THROWS_AS(net.forward(wrong, false), std::invalid_argument);
}

// ---------------------------------------------------------------- optimizers

TEST_CASE("Sequential asks its layers for shapes, parameter counts and GEMM work") {
    // A hand-built network: the shapes are checked as layers are added, not at the first forward.
    hw::Sequential net(hw::Shape{12});
    net.add(std::make_unique<hw::Dropout>(0.25f, 3));
    net.add(std::make_unique<hw::Dense>(12, 7, 0));
    net.add(std::make_unique<hw::Relu>());
    net.add(std::make_unique<hw::Dense>(7, 4, 1));
    CHECK(net.input_shape() == hw::Shape{12});
    CHECK(net.output_shape() == hw::Shape{4});
    CHECK(net.input_size() == 12);
    CHECK(net.output_size() == 4);
    CHECK_THROWS_AS(net.add(std::make_unique<hw::Dense>(5, 3, 2)), std::invalid_argument);  // 4 values arrive
    CHECK(net.size() == 4);  // the rejected layer was not added
    // Every layer's parameter_count() is the size of its params(), asked of a const layer.
    std::size_t from_params = 0;
    for (std::size_t i = 0; i < net.size(); ++i) {
        std::size_t n = 0;
        for (const hw::Param& p : net.layer(i).params()) n += p.value->size();
        CHECK(static_cast<const hw::Layer&>(net.layer(i)).parameter_count() == n);
        from_params += n;
    }
    CHECK(net.parameter_count() == from_params);
    CHECK(net.parameter_count() == 12 * 7 + 7 + 7 * 4 + 4);
    // GEMM work comes only from the Dense layers: forward is one GEMM each, 2·B·in·out flops.
    Matrix X(5, 12, 0.5f);
    net.forward(X, /*training=*/false);
    CHECK(net.layer(0).gemm_stats().flops == 0);
    CHECK(net.layer(2).gemm_stats().flops == 0);
    CHECK(net.gemm_stats().flops == doctest::Approx(2.0 * 5 * (12 * 7 + 7 * 4)));
    net.reset_gemm_stats();
    CHECK(net.gemm_stats().flops == 0);
    // Without an input shape the first layer must fix one.
    hw::Sequential from_dense;
    from_dense.add(std::make_unique<hw::Dense>(9, 2, 0));
    CHECK(from_dense.input_shape() == hw::Shape{9});
    hw::Sequential from_relu;
    CHECK_THROWS_AS(from_relu.add(std::make_unique<hw::Relu>()), std::logic_error);
    CHECK(hw::Shape{1, 28, 28}.size() == 784);
    CHECK(hw::Shape{1, 28, 28}.to_string() == "1×28×28");
    CHECK(hw::Shape{}.size() == 0);
}

TEST_CASE("The chunked evaluation forward gives the logits of one whole forward, any chunk size") {
    hw::Rng rng(4);
    hw::MlpSpec spec;
    spec.sizes = {6, 5, 3};
    hw::Sequential net(spec, rng);
    Matrix X(11, 6);
    X.fill_uniform(rng, -1.0f, 1.0f);
    Matrix whole = net.forward(X, /*training=*/false).clone();
    for (std::size_t chunk : {std::size_t(1), std::size_t(4), std::size_t(11), std::size_t(50)}) {
        const Matrix part = net.logits(X, 2, 9, chunk);  // rows 2..8
        REQUIRE(part.rows() == 7);
        for (std::size_t r = 0; r < 7; ++r)
            for (std::size_t c = 0; c < 3; ++c) CHECK(part(r, c) == doctest::Approx(whole(r + 2, c)).epsilon(1e-6));
    }
    std::vector<std::size_t> firsts;
    net.forward_batches(X, 0, 11, 4, [&](std::size_t first, const Matrix& z) {
        firsts.push_back(first);
        CHECK(z.rows() == std::min<std::size_t>(4, 11 - first));
    });
    CHECK(firsts == std::vector<std::size_t>{0, 4, 8});
    CHECK_THROWS_AS(net.forward_batches(X, 0, 11, 0, [](std::size_t, const Matrix&) {}), std::invalid_argument);
}

TEST_CASE("SGD with momentum and Nesterov: two steps by hand") {
    Matrix w = Matrix::from_rows({{1.0f, -2.0f}}), g(1, 2);
    std::vector<hw::Param> ps = {{"w", &w, &g, true}};
    // Plain momentum μ = 0.9, lr 0.1; gradients (0.5, 1) then (−0.25, 0):
    //   v1 = g1 = (0.5, 1)             w1 = (1 − 0.05, −2 − 0.1)      = (0.95, −2.1)
    //   v2 = 0.9·v1 + g2 = (0.2, 0.9)  w2 = (0.95 − 0.02, −2.1 − 0.09) = (0.93, −2.19)
    hw::Sgd sgd(0.9f);
    g = Matrix::from_rows({{0.5f, 1.0f}});
    sgd.step(ps, 0.1f);
    CHECK(w(0, 0) == doctest::Approx(0.95).epsilon(1e-6));
    CHECK(w(0, 1) == doctest::Approx(-2.1).epsilon(1e-6));
    g = Matrix::from_rows({{-0.25f, 0.0f}});
    ps[0].grad = &g;
    sgd.step(ps, 0.1f);
    CHECK(w(0, 0) == doctest::Approx(0.93).epsilon(1e-6));
    CHECK(w(0, 1) == doctest::Approx(-2.19).epsilon(1e-6));

    // Nesterov: w ← w − lr·(g + μ·v)
    //   v1 = 0.5   w1 = 1 − 0.1·(0.5 + 0.45)      = 0.905
    //   v2 = 0.2   w2 = 0.905 − 0.1·(−0.25 + 0.18) = 0.912
    Matrix w2 = Matrix::from_rows({{1.0f}}), g2 = Matrix::from_rows({{0.5f}});
    std::vector<hw::Param> ps2 = {{"w", &w2, &g2, true}};
    hw::Sgd nesterov(0.9f, true);
    nesterov.step(ps2, 0.1f);
    CHECK(w2(0, 0) == doctest::Approx(0.905).epsilon(1e-6));
    g2(0, 0) = -0.25f;
    nesterov.step(ps2, 0.1f);
    CHECK(w2(0, 0) == doctest::Approx(0.912).epsilon(1e-6));

    // No momentum: w ← w − lr·g.
    hw::Sgd plain;
    plain.step(ps2, 0.5f);
    CHECK(w2(0, 0) == doctest::Approx(0.912 + 0.125).epsilon(1e-6));
}

TEST_CASE("FlushDenormalsScope reads and writes subnormals as zero, and restores the mode after") {
    volatile float smallest_normal = FLT_MIN;       // 2^-126
    volatile float subnormal = FLT_MIN / 2.0f;      // 2^-127, made outside the scope
    REQUIRE(subnormal > 0.0f);
    {
        const hw::FlushDenormalsScope flush;
        CHECK(smallest_normal * 0.5f == 0.0f);      // FTZ: a subnormal result becomes 0
        CHECK(subnormal * 1.0f == 0.0f);            // DAZ: a subnormal operand reads as 0
        CHECK(smallest_normal * 1.0f == FLT_MIN);   // normal numbers are untouched
        {
            const hw::FlushDenormalsScope nested;
            CHECK(smallest_normal * 0.5f == 0.0f);
        }
        CHECK(smallest_normal * 0.5f == 0.0f);      // the inner scope restored the outer's mode
    }
    CHECK(smallest_normal * 0.5f == FLT_MIN / 2.0f);  // IEEE subnormals again
    CHECK(subnormal * 1.0f == FLT_MIN / 2.0f);
}

TEST_CASE("Optimizer state decays to exactly zero instead of through the subnormals") {
    // SGD, μ = 0.5, lr = 1, one gradient of 1e-36 and then zeros: v halves every step, and
    // w = −Σ v. The update flushes subnormals, so only the terms ≥ FLT_MIN (7 of them) move w;
    // with IEEE subnormals the next 23 halvings would add another 0.8 %.
    Matrix w(1, 1, 0.0f), g(1, 1, 1e-36f);
    std::vector<hw::Param> ps = {{"w", &w, &g, true}};
    hw::Sgd sgd(0.5f);
    sgd.step(ps, 1.0f);
    g(0, 0) = 0.0f;
    for (int step = 0; step < 40; ++step) sgd.step(ps, 1.0f);
    double normal_terms = 0.0, all_terms = 0.0;
    for (double v = double(1e-36f); v > 1e-46; v *= 0.5) {
        all_terms += v;
        if (v >= double(FLT_MIN)) normal_terms += v;
    }
    REQUIRE(std::fabs(all_terms - normal_terms) > 1e-3 * normal_terms);  // the two are told apart
    CHECK(std::fabs(double(w(0, 0)) + normal_terms) <= 1e-6 * normal_terms);
}

TEST_CASE("Adam: two steps by hand, with bias correction, on the SIMD path and its tail") {
    // 37 equal entries: 32 go through the 8-wide loop, 5 through the scalar tail.
    Matrix w(1, 37, 1.0f), g(1, 37, 0.5f);
    std::vector<hw::Param> ps = {{"w", &w, &g, true}};
    hw::Adam adam(0.9f, 0.999f, 1e-7f);
    // Step 1, g = 0.5: m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25;
    //   w = 1 − 0.1 · 0.5 / (0.5 + 1e-7) = 0.90000002
    adam.step(ps, 0.1f);
    for (std::size_t i = 0; i < 37; ++i) CHECK(w(0, i) == doctest::Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-7)).epsilon(1e-6));
    // Step 2, g = −0.25: m = 0.045 − 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225;
    //   m̂ = 0.02 / 0.19 = 0.1052632, v̂ = 0.00031225 / 0.001999 = 0.1562031;
    //   w = 0.9 − 0.1 · 0.1052632 / (0.3952254 + 1e-7) = 0.8733664
    g.fill(-0.25f);
    adam.step(ps, 0.1f);
    const double m_hat = 0.02 / 0.19, v_hat = 0.00031225 / (1 - 0.999 * 0.999);
    const double expected = (1.0 - 0.1 * 0.5 / (0.5 + 1e-7)) - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-7);
    CHECK(expected == doctest::Approx(0.8733664).epsilon(1e-6));
    for (std::size_t i = 0; i < 37; ++i) CHECK(w(0, i) == doctest::Approx(expected).epsilon(1e-6));
    CHECK(adam.steps() == 2);
    // The state follows the parameter list: a different list is an error, not silent garbage.
    Matrix other(2, 2), other_g(2, 2);
    CHECK_THROWS_AS(adam.step({{"x", &other, &other_g, true}}, 0.1f), std::logic_error);
    adam.reset();
    CHECK_NOTHROW(adam.step({{"x", &other, &other_g, true}}, 0.1f));
}

TEST_CASE("Adam on a large tensor: every element the same as the scalar formula, any thread count") {
    hw::Rng rng(11);
    const std::size_t n = (std::size_t{1} << 20) + 3;  // large enough to be split over threads, odd tail
    Matrix w = random_matrix(1, n, rng), g = random_matrix(1, n, rng);
    const Matrix w0 = w.clone();
    std::vector<Matrix> results;
    for (int threads : {1, 2}) {
        hw::set_gemm_threads(threads);
        Matrix wt = w0.clone();
        hw::Adam adam;
        adam.step({{"w", &wt, &g, true}}, 1e-3f);
        adam.step({{"w", &wt, &g, true}}, 1e-3f);
        results.push_back(std::move(wt));
    }
    hw::set_gemm_threads(0);
    CHECK(std::memcmp(results[0].data(), results[1].data(), n * sizeof(float)) == 0);
    // Same g twice: m̂ = g, v̂ = g², so each step moves w by lr·g/(|g| + ε) ≈ lr·sign(g).
    for (std::size_t i = 0; i < n; i += 9973) {
        const double gi = g.data()[i];
        const double step = 1e-3 * gi / (std::fabs(gi) + 1e-7);
        CHECK(results[0].data()[i] == doctest::Approx(w0.data()[i] - 2 * step).epsilon(1e-5).scale(1e-3));
    }
}

TEST_CASE("parallel_slices covers [0, n) exactly once, in grain-aligned slices, on 1 and 2 threads") {
    for (int threads : {1, 2}) {
        hw::set_gemm_threads(threads);
        for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{31}, std::size_t{32},
                              std::size_t{1000}, std::size_t{4099}}) {
            CAPTURE(threads);
            CAPTURE(n);
            std::vector<int> hits(n, 0);
            std::vector<std::pair<std::size_t, std::size_t>> slices(8, {0, 0});
            std::atomic<int> calls{0};
            hw::parallel_slices(n, 32, 16, [&](std::size_t b, std::size_t e) {
                slices[std::size_t(calls.fetch_add(1))] = {b, e};
                for (std::size_t i = b; i < e; ++i) ++hits[i];  // slices are disjoint: no race
            });
            for (std::size_t i = 0; i < n; ++i) REQUIRE(hits[i] == 1);
            // Below min_parallel (32) or on one thread: a single call over everything.
            if (n < 32 || threads == 1) CHECK(calls.load() == 1);
            for (int c = 0; c < calls.load(); ++c) {
                const auto [b, e] = slices[std::size_t(c)];
                CHECK((b < e || n == 0));
                CHECK((b % 16 == 0 || b == n));  // slice starts are multiples of the grain
            }
        }
    }
    hw::set_gemm_threads(0);
}

TEST_CASE("parallel_dealt visits each image once: image n in part n mod 8, a part's images in order on one thread") {
    // Ranges that start at 0 and inside the batch, shorter than the 8 parts and longer, below
    // min_parallel (4) and above it. On two threads the parts must go to the threads by
    // parity, so that every pass of a layer finds image n on the same thread.
    for (int threads : {1, 2}) {
        hw::set_gemm_threads(threads);
        using Range = std::pair<std::size_t, std::size_t>;
        for (const auto& [n0, n1] : {Range{0, 0}, Range{0, 3}, Range{0, 19}, Range{5, 6}, Range{13, 40}, Range{27, 128}}) {
            CAPTURE(threads);
            CAPTURE(n0);
            CAPTURE(n1);
            std::vector<int> hits(n1, 0), part_of(n1, -1), thread_of(n1, -1);
            std::vector<std::size_t> last_in_part(hw::kBatchParts, 0);
            std::vector<int> part_thread(hw::kBatchParts, -1);
            int out_of_order = 0, part_on_two_threads = 0;
            std::mutex lock;
            hw::parallel_dealt(n0, n1, 4, [&](std::size_t p, std::size_t n) {
                const std::lock_guard<std::mutex> hold(lock);
                ++hits[n];
                part_of[n] = int(p);
                thread_of[n] = omp_get_thread_num();
                if (last_in_part[p] > n) ++out_of_order;
                last_in_part[p] = n + 1;
                if (part_thread[p] >= 0 && part_thread[p] != omp_get_thread_num()) ++part_on_two_threads;
                part_thread[p] = omp_get_thread_num();
            });
            CHECK(out_of_order == 0);
            CHECK(part_on_two_threads == 0);
            // (A busy machine may hold the second thread back: the thread policy then runs one.)
            const bool two_ran = std::count(thread_of.begin(), thread_of.end(), 1) > 0;
            for (std::size_t n = 0; n < n1; ++n) {
                CAPTURE(n);
                REQUIRE(hits[n] == (n >= n0 ? 1 : 0));
                if (n < n0) continue;
                CHECK(part_of[n] == int(n % hw::kBatchParts));
                if (two_ran) CHECK(thread_of[n] == int(n % 2));
            }
        }
    }
    hw::set_gemm_threads(0);
}

// ---------------------------------------------------------------- training

TEST_CASE("A tiny synthetic problem is learned to 100%, with Adam and with SGD") {
    const hw::LabeledSet data = blobs(600, 8, 4, 12);
    for (const std::string opt : {"adam", "sgd"}) {
        CAPTURE(opt);
        hw::Rng rng(13);
        hw::MlpSpec spec;
        spec.sizes = {8, 16, 4};
        hw::Sequential net(spec, rng);
        hw::TrainOptions o;
        o.epochs = 15;
        o.batch = 32;
        o.lr = opt == "adam" ? 1e-2f : 0.1f;
        o.optimizer.name = opt;
        o.val_fraction = 0.25;
        o.progress = false;
        int calls = 0;
        const hw::History h = hw::train(net, data, o, [&](const hw::EpochStats& s) { calls = s.epoch; });
        CHECK(calls == 15);
        CHECK(h.train_size == 450);
        CHECK(h.val_size == 150);
        REQUIRE(h.epochs.size() == 15);
        CHECK(h.epochs.back().val_accuracy == 1.0);
        CHECK(h.epochs.back().train_loss < h.epochs.front().train_loss);
        CHECK(h.epochs.back().gemm_flops > 0);
        const hw::LossAccuracy all = hw::evaluate(net, data.images, data.labels, 0, data.size(), 64);
        CHECK(all.accuracy == 1.0);
        const std::vector<int> pred = net.predict(data.images, 100);
        for (std::size_t r = 0; r < data.size(); ++r) CHECK(pred[r] == data.labels[r]);
    }
}

TEST_CASE("Same seed and thread count give bit-identical training; another seed does not") {
    const hw::LabeledSet data = blobs(700, 20, 5, 14, 1.0f);
    auto run = [&](std::uint64_t seed, int threads) {
        hw::Rng rng(seed);
        hw::MlpSpec spec;
        spec.sizes = {20, 300, 5};  // wide enough that hw::sgemm uses its threads
        hw::Sequential net(spec, rng);
        hw::TrainOptions o;
        o.epochs = 2;
        o.batch = 100;
        o.seed = seed;
        o.threads = threads;
        o.progress = false;
        const hw::History h = hw::train(net, data, o);
        std::vector<float> out;
        for (const hw::Param& p : net.params()) out.insert(out.end(), p.value->data(), p.value->data() + p.value->size());
        out.push_back(static_cast<float>(h.epochs.back().val_loss));
        return out;
    };
    for (int threads : {1, 2}) {
        CAPTURE(threads);
        const auto a = run(5, threads), b = run(5, threads);
        REQUIRE(a.size() == b.size());
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
        const auto c = run(6, threads);
        CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) != 0);
    }
    hw::set_gemm_threads(0);
}

TEST_CASE("train() rejects data that does not fit the network") {
    hw::Rng rng(15);
    hw::MlpSpec spec;
    spec.sizes = {8, 4, 3};
    hw::Sequential net(spec, rng);
    hw::TrainOptions o;
    o.progress = false;
    const hw::LabeledSet wrong_width = blobs(10, 9, 3, 1);
    CHECK_THROWS_AS(hw::train(net, wrong_width, o), std::invalid_argument);
    const hw::LabeledSet too_many_classes = blobs(50, 8, 4, 1);
    CHECK_THROWS_AS(hw::train(net, too_many_classes, o), std::invalid_argument);
    const hw::LabeledSet ok = blobs(10, 8, 3, 1);
    o.batch = -1;  // 0 is the full batch (test_tutorials.cpp); below it nothing is
    CHECK_THROWS_AS(hw::train(net, ok, o), std::invalid_argument);
}

// ---------------------------------------------------------------- model files

TEST_CASE("save → load gives identical predictions; the file records the layer list") {
    TempDir dir;
    const std::string path = (dir.path / "mlp.bin").string();
    hw::Rng rng(16);
    hw::MlpSpec spec;
    spec.sizes = {12, 10, 7, 3};
    spec.activation = "sigmoid";
    hw::Sequential net(spec, rng);
    for (hw::Param& p : net.params()) p.value->fill_uniform(rng, -1, 1);
    const Matrix X = random_matrix(33, 12, rng);
    const Matrix before = net.predict_proba(X, 10);
    net.save(path);
    hw::Sequential loaded = hw::Sequential::load(path);
    CHECK(loaded.spec().to_config() == "layers=12,10,7,3 activation=sigmoid");
    const Matrix after = loaded.predict_proba(X, 7);
    REQUIRE(after.size() == before.size());
    CHECK(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0);
    const hw::ModelFile raw = hw::load_model(path);
    CHECK(raw.kind == "mlp");
    CHECK(raw.tensors.size() == 6);
}

TEST_CASE("Corrupted or mismatched model files are rejected with the file named") {
    TempDir dir;
    hw::Rng rng(17);
    hw::MlpSpec spec;
    spec.sizes = {5, 4, 3};
    hw::Sequential net(spec, rng);
    const std::string good = (dir.path / "good.bin").string();
    net.save(good);

    auto expect_error = [](const std::string& path, const std::string& fragment) {
        try {
            hw::Sequential::load(path);
            FAIL("no error for " << path);
        } catch (const hw::ModelFileError& e) {
            const std::string msg = e.what();
            CAPTURE(msg);
            CHECK(msg.find(path) != std::string::npos);
            CHECK(msg.find(fragment) != std::string::npos);
        }
    };

    // One flipped byte in the middle: the checksum catches it.
    const std::string flipped = (dir.path / "flipped.bin").string();
    {
        std::ifstream in(good, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
        bytes[bytes.size() / 2] ^= 0x10;
        std::ofstream(flipped, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    }
    expect_error(flipped, "checksum");

    auto write = [&](const std::string& name, const std::string& kind, const std::string& config,
                     std::vector<std::pair<std::string, Matrix>> tensors) {
        hw::ModelFile f;
        f.kind = kind;
        f.config = config;
        for (auto& [n, m] : tensors) f.tensors.push_back({n, std::move(m)});
        const std::string path = (dir.path / name).string();
        hw::save_model(path, f);
        return path;
    };
    auto full = [] {
        std::vector<std::pair<std::string, Matrix>> t;
        t.emplace_back("dense0.W", Matrix(5, 4));
        t.emplace_back("dense0.b", Matrix(1, 4));
        t.emplace_back("dense1.W", Matrix(4, 3));
        t.emplace_back("dense1.b", Matrix(1, 3));
        return t;
    };
    expect_error(write("kind.bin", "sigmoid-mlp", "layers=5,4,3 activation=relu", full()), "sigmoid-mlp");
    expect_error(write("config.bin", "mlp", "layers=5,,3", full()), "bad config");
    // The config says 5,4,3 but the first weight matrix is 5×5.
    auto wrong_shape = full();
    wrong_shape[0].second = Matrix(5, 5);
    expect_error(write("shape.bin", "mlp", "layers=5,4,3 activation=relu", std::move(wrong_shape)), "dense0.W");
    // A missing bias.
    auto missing = full();
    missing.pop_back();
    expect_error(write("missing.bin", "mlp", "layers=5,4,3 activation=relu", std::move(missing)), "tensors");
    // A model of another shape than its config (layers=5,4,2 with tensors for 5,4,3).
    expect_error(write("other.bin", "mlp", "layers=5,4,2 activation=relu", full()), "dense1.W");
    // Not a model file at all.
    const std::string text = (dir.path / "text.bin").string();
    std::ofstream(text) << "hello, this is not a model\n";
    CHECK_THROWS_AS(hw::Sequential::load(text), hw::ModelFileError);
    CHECK_THROWS_AS(hw::Sequential::load((dir.path / "absent.bin").string()), hw::ModelFileError);
}

namespace {

// Parses a command line with chapter 10's shared flags (mlp_run.hpp) registered, as the binary does.
hw::MlpRunSettings parse_run_flags(std::vector<std::string> args, const hw::MlpRunHelp& help = {},
                                   std::string* usage = nullptr, float sgd_lr = 0.05f) {
    hw::MlpRunSettings s;
    hw::Cli cli("test", "shared MLP run flags");
    hw::FlagTable flags;
    hw::add_optimizer_flags(flags, s, help);
    hw::add_loop_flags(flags, s, help);
    hw::add_data_and_output_flags(flags, s, help);
    flags.add_to(cli);
    args.insert(args.begin(), "test");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    cli.parse(static_cast<int>(argv.size()), argv.data());
    hw::default_sgd_lr(cli, s, sgd_lr);
    if (usage) *usage = cli.usage();
    return s;
}

}  // namespace

TEST_CASE("The shared MLP run flags: chapter 10's defaults, each flag in its own field, help in --help order") {
    const hw::MlpRunSettings d = parse_run_flags({});
    const hw::TrainOptions o = hw::train_options(d);
    CHECK(o.epochs == 20);
    CHECK(o.batch == 128);
    CHECK(o.lr == doctest::Approx(1e-3));
    CHECK(o.optimizer.name == "adam");
    CHECK(o.optimizer.beta1 == doctest::Approx(0.9));
    CHECK(o.optimizer.epsilon == doctest::Approx(1e-7));
    CHECK(o.val_fraction == doctest::Approx(0.2));
    CHECK(o.seed == 1);
    CHECK(o.progress);
    CHECK(d.dataset == "mnist");
    CHECK(d.out == "runs/10-mlp");
    CHECK(d.show == 10);

    const hw::MlpRunSettings s = parse_run_flags(
        {"--optimizer", "sgd", "--momentum", "0.5", "--nesterov", "--batch", "64", "--epochs", "3", "--val", "0",
         "--seed", "7", "--threads", "2", "--data", "d", "--dataset", "fashion", "--limit", "100", "--show", "0",
         "--out", "o", "--metrics", "m.json", "--save", "s.hwm", "--load", "l.hwm", "--quiet"});
    const hw::TrainOptions t = hw::train_options(s);
    CHECK(t.optimizer.name == "sgd");
    CHECK(t.optimizer.momentum == doctest::Approx(0.5));
    CHECK(t.optimizer.nesterov);
    CHECK(t.lr == doctest::Approx(0.05));  // SGD without --lr: the chapter's SGD rate
    CHECK(t.batch == 64);
    CHECK(t.epochs == 3);
    CHECK(t.val_fraction == 0);
    CHECK(t.seed == 7);
    CHECK_FALSE(t.progress);
    CHECK(s.threads == 2);
    CHECK(s.data == "d");
    CHECK(s.dataset == "fashion");
    CHECK(s.limit == 100);
    CHECK(s.show == 0);
    CHECK(s.out == "o");
    CHECK(s.metrics == "m.json");
    CHECK(s.save == "s.hwm");
    CHECK(s.load == "l.hwm");
    // A given --lr wins over the SGD default.
    CHECK(parse_run_flags({"--optimizer", "sgd", "--lr", "0.2"}).lr == doctest::Approx(0.2));

    // A chapter's own help text replaces the default; the groups keep --help's order.
    hw::MlpRunHelp help;
    help.seed = "seed for everything random";
    std::string usage;
    parse_run_flags({}, help, &usage);
    CHECK(usage.find("seed for everything random") != std::string::npos);
    CHECK(usage.find(hw::MlpRunHelp{}.seed) == std::string::npos);
    CHECK(usage.find("--optimizer") < usage.find("--batch"));
    CHECK(usage.find("--threads") < usage.find("--data"));
    CHECK(usage.find("--load") < usage.find("--quiet"));
}

TEST_CASE("A flag table: one row gives the flag, the sweep key, the range check and the JSON field") {
    int batch = 128;
    float lr = 1e-3f;
    double val = 0.2;
    std::string schedule = "constant", layers = "784,256,10", dropout = "0", out = "runs";
    bool augment = false;
    hw::FlagTable flags;
    flags.number("batch", batch, "mini-batch size", hw::Range::at_least(1))
        .number("lr", lr, "learning rate", hw::Range::positive())
        .number("val", val, "validation share", hw::Range::fraction()).json_key("val_fraction")
        .choice("schedule", schedule, {"constant", "cosine"}, "schedule")
        .int_list("layers", layers, "sizes", hw::Range::between(1, 100000), 2)
        .float_list("dropout", dropout, "rates", hw::Range::fraction())
        .toggle("augment", augment, "warps")
        .text("out", out, "folder").not_in_metrics().not_sweepable();

    // The command line and the sweep share the parser.
    hw::Cli cli("test", "flag table");
    flags.add_to(cli);
    std::vector<std::string> args = {"test", "--batch", "64", "--lr=0.01", "--augment", "--layers", "784,32,10"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    cli.parse(static_cast<int>(argv.size()), argv.data());
    CHECK(batch == 64);
    CHECK(lr == doctest::Approx(0.01));
    CHECK(augment);
    CHECK(layers == "784,32,10");
    CHECK(flags.range_error().empty());
    CHECK(cli.usage().find("--schedule constant|cosine") != std::string::npos);
    CHECK(cli.usage().find("(default: 0.2)") != std::string::npos);

    flags.set("schedule", "cosine");
    CHECK(schedule == "cosine");
    flags.set("layers", "784-100-10");  // the sweep's spelling: commas separate its values
    CHECK(layers == "784,100,10");
    flags.set("augment", "off");
    CHECK_FALSE(augment);
    flags.set("dropout", "0.2,0.5");
    CHECK(dropout == "0.2,0.5");
    CHECK_THROWS_AS(flags.set("schedule", "linear"), std::invalid_argument);  // not a choice
    CHECK_THROWS_AS(flags.set("batch", "6x"), std::invalid_argument);         // malformed
    CHECK_THROWS_AS(flags.set("augment", "maybe"), std::invalid_argument);
    CHECK_THROWS_AS(flags.set("out", "elsewhere"), std::invalid_argument);    // not sweepable
    CHECK_THROWS_AS(flags.set("bogus", "1"), std::invalid_argument);
    // Ranges: the first invalid value on each side of the boundary.
    CHECK_THROWS_AS(flags.set("batch", "0"), std::invalid_argument);
    CHECK_NOTHROW(flags.set("batch", "1"));
    CHECK_THROWS_AS(flags.set("val", "1"), std::invalid_argument);
    CHECK_NOTHROW(flags.set("val", "0"));
    CHECK_THROWS_AS(flags.set("lr", "0"), std::invalid_argument);
    CHECK_THROWS_AS(flags.set("dropout", "0.5,1"), std::invalid_argument);
    CHECK_THROWS_AS(flags.set("layers", "784"), std::invalid_argument);         // fewer than two sizes
    CHECK_THROWS_AS(flags.set("layers", "784,0,10"), std::invalid_argument);
    CHECK_THROWS_AS(flags.set("layers", "784,100001,10"), std::invalid_argument);
    CHECK(layers == "784,100,10");  // a rejected value leaves the setting as it was
    lr = -1;
    CHECK(flags.range_error() == "--lr must be > 0 (got -1)");
    lr = 0.5f;

    hw::JsonWriter j;
    j.begin_object();
    flags.write_json(j);
    j.end_object();
    const std::string& json = j.str();
    CHECK(json.find("\"val_fraction\": 0") != std::string::npos);
    CHECK(json.find("\"schedule\": \"cosine\"") != std::string::npos);
    CHECK(json.find("\"augment\": false") != std::string::npos);
    CHECK(json.find("\"layers\": \"784,100,10\"") != std::string::npos);
    CHECK(json.find("\"out\"") == std::string::npos);  // not_in_metrics
    CHECK(flags.sweepable_names().size() == 7);
    CHECK(hw::Range::fraction().describe() == "in [0, 1)");
    CHECK(hw::Range::between(1, 100000).describe() == "in 1..100000");
}

TEST_CASE("A run's history goes into the metrics JSON one array per quantity, NaN as null") {
    hw::History h;
    for (int e = 1; e <= 2; ++e) {
        hw::EpochStats s;
        s.epoch = e;
        s.train_loss = 1.5 / e;
        s.train_accuracy = 0.25 * e;
        s.val_loss = e == 1 ? NAN : 0.5;
        s.val_accuracy = e == 1 ? NAN : 0.75;
        h.epochs.push_back(s);
    }
    hw::JsonWriter j;
    j.begin_object();
    hw::write_history_json(j, h);
    j.end_object();
    const std::string& json = j.str();
    CHECK(json.find("\"train_loss\": [1.5, 0.75]") != std::string::npos);
    CHECK(json.find("\"train_accuracy\": [0.25, 0.5]") != std::string::npos);
    CHECK(json.find("\"val_loss\": [null, 0.5]") != std::string::npos);
    CHECK(json.find("\"val_accuracy\": [null, 0.75]") != std::string::npos);
}

}  // TEST_SUITE
