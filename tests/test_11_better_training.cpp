// test_11_better_training.cpp — the training toolbox of chapter 11, each tool checked against a
// hand computation or a finite difference. No MNIST needed: every input is synthetic.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/toolbox_report.hpp"
#include "handwritten/app/toolbox_run.hpp"
#include "handwritten/data/augment.hpp"
#include "handwritten/nn/dropout.hpp"
#include "handwritten/nn/dropout_layer.hpp"
#include "handwritten/train/early_stopping.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/train/regularization.hpp"
#include "handwritten/train/schedule.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/report/sweep.hpp"
#include "handwritten/train/temperature.hpp"
#include "handwritten/train/toolbox.hpp"
#include "handwritten/train/trainer.hpp"

namespace {

constexpr int kH = 28, kW = 28;

// A 28×28 image of random values with a 2-pixel empty border (like MNIST's padding).
hw::Matrix bordered_image(std::uint64_t seed) {
    hw::Rng rng(seed);
    hw::Matrix img(1, kH * kW);
    for (int y = 2; y < kH - 2; ++y)
        for (int x = 2; x < kW - 2; ++x) img(0, y * kW + x) = rng.uniform();
    return img;
}

std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("hw_test_11_" + name);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_SUITE("11-better-training") {

// ---------------------------------------------------------------- augmentation
TEST_CASE("augment: the identity warp copies the image exactly") {
    const hw::Matrix img = bordered_image(1);
    hw::Matrix out(1, kH * kW, -1.0f);
    hw::warp_image(img.data(), out.data(), kH, kW, hw::Warp{});
    CHECK(hw::max_abs_diff(img, out) == 0.0f);
}

TEST_CASE("augment: an integer shift moves every pixel by exactly that much") {
    const hw::Matrix img = bordered_image(2);
    hw::Matrix out(1, kH * kW);
    hw::Warp w;
    w.dx = 1;   // right
    w.dy = -2;  // up
    hw::warp_image(img.data(), out.data(), kH, kW, w);
    int mismatches = 0;
    for (int y = 0; y < kH; ++y)
        for (int x = 0; x < kW; ++x) {
            const int sx = x - 1, sy = y + 2;  // where the pixel came from
            const float expected =
                (sx >= 0 && sx < kW && sy >= 0 && sy < kH) ? img(0, sy * kW + sx) : 0.0f;
            mismatches += out(0, y * kW + x) != expected;
        }
    CHECK(mismatches == 0);
    // The border was empty, so no ink fell off the edge: the total is unchanged.
    CHECK(out.sum() == doctest::Approx(img.sum()).epsilon(1e-6));
}

TEST_CASE("augment: a half-pixel shift averages neighbours (bilinear by hand)") {
    hw::Matrix img(1, kH * kW);
    img(0, 10 * kW + 10) = 1.0f;  // one lit pixel at row 10, column 10
    hw::Matrix out(1, kH * kW);
    hw::Warp w;
    w.dx = 0.5f;
    hw::warp_image(img.data(), out.data(), kH, kW, w);
    // Output column x reads source column x - 0.5: columns 10 and 11 each get half the pixel.
    CHECK(out(0, 10 * kW + 10) == doctest::Approx(0.5f));
    CHECK(out(0, 10 * kW + 11) == doctest::Approx(0.5f));
    CHECK(out.sum() == doctest::Approx(1.0f));
}

TEST_CASE("augment: +90° rotates counter-clockwise like numpy.rot90") {
    const hw::Matrix img = bordered_image(3);
    hw::Matrix out(1, kH * kW);
    hw::Warp w;
    w.degrees = 90;
    hw::warp_image(img.data(), out.data(), kH, kW, w);
    // numpy.rot90(A)[r][c] = A[c][W-1-r]: the right edge becomes the top edge.
    float worst = 0;
    for (int r = 0; r < kH; ++r)
        for (int c = 0; c < kW; ++c)
            worst = std::max(worst, std::fabs(out(0, r * kW + c) - img(0, c * kW + (kW - 1 - r))));
    CHECK(worst < 1e-6f);
    // Four quarter turns give the image back.
    hw::Matrix a = out.clone(), b(1, kH * kW);
    for (int turn = 0; turn < 3; ++turn) {
        hw::warp_image(a.data(), b.data(), kH, kW, w);
        std::swap(a, b);
    }
    CHECK(hw::max_abs_diff(a, img) < 1e-6f);
}

TEST_CASE("augment: scale 2 about the centre doubles distances from it") {
    hw::Matrix img(1, kH * kW);
    // Source pixel at (x, y) = (15.5 ± 0.5, ...) — use a 2×2 block centred 2 px right of centre:
    // columns 15, 16 (centre 15.5 = 13.5 + 2), rows 13, 14 (centre 13.5).
    for (int y : {13, 14})
        for (int x : {15, 16}) img(0, y * kW + x) = 1.0f;
    hw::Matrix out(1, kH * kW);
    hw::Warp w;
    w.scale = 2;
    hw::warp_image(img.data(), out.data(), kH, kW, w);
    // Output (x,y) reads source c + (p - c)/2. Output x = 17.5 (4 px right of centre) reads
    // source x = 15.5, the block's centre: columns 17 and 18 sit at 0.25 px from it.
    CHECK(out(0, 13 * kW + 17) == doctest::Approx(1.0f));
    CHECK(out(0, 14 * kW + 18) == doctest::Approx(1.0f));
    // The block's brightness spreads over about 4× the area.
    CHECK(out.sum() == doctest::Approx(4.0f * img.sum()).epsilon(0.15));
    CHECK(out(0, 13 * kW + 13) == 0.0f);  // left of the enlarged block: still background
}

TEST_CASE("augment: random warps stay in their ranges and runs are deterministic") {
    hw::AugmentOptions opt;  // ±2 px, ±10°, ±10%
    hw::Augmenter aug(opt, 7);
    std::set<int> shifts;
    for (int i = 0; i < 2000; ++i) {
        const hw::Warp w = aug.random_warp();
        REQUIRE(w.dx == std::round(w.dx));
        REQUIRE(std::fabs(w.dx) <= 2);
        REQUIRE(std::fabs(w.dy) <= 2);
        REQUIRE(std::fabs(w.degrees) <= 10.0f);
        REQUIRE(w.scale >= 0.9f);
        REQUIRE(w.scale <= 1.1f);
        shifts.insert(int(w.dx));
    }
    CHECK(shifts.size() == 5);  // -2..2 all occur

    hw::Matrix batch1(100, kH * kW), batch2(100, kH * kW);
    for (int i = 0; i < 100; ++i) {
        const hw::Matrix img = bordered_image(100 + i);
        std::copy(img.data(), img.data() + kH * kW, batch1.row(i));
        std::copy(img.data(), img.data() + kH * kW, batch2.row(i));
    }
    const hw::Matrix original = batch1.clone();
    hw::Augmenter a1(opt, 123), a2(opt, 123), a3(opt, 124);
    a1.augment_batch(batch1, kH, kW);
    a2.augment_batch(batch2, kH, kW);
    CHECK(hw::max_abs_diff(batch1, batch2) == 0.0f);  // same seed: bit-identical
    CHECK(hw::max_abs_diff(batch1, original) > 0.1f);  // and it did change the images
    hw::Matrix batch3 = original.clone();
    a3.augment_batch(batch3, kH, kW);
    CHECK(hw::max_abs_diff(batch1, batch3) > 0.1f);    // another seed: other warps
    CHECK_THROWS_AS(a1.augment_batch(batch1, 27, 28), std::invalid_argument);
}

// ---------------------------------------------------------------- schedules
TEST_CASE("schedule: constant and step by hand") {
    hw::ScheduleOptions o;
    hw::LrSchedule constant(o, 0.1f, 10);
    CHECK(constant.lr(0) == doctest::Approx(0.1f));
    CHECK(constant.lr(9) == doctest::Approx(0.1f));

    o.kind = "step";
    o.step_every = 3;
    o.step_gamma = 0.5f;
    hw::LrSchedule step(o, 0.1f, 10);
    CHECK(step.lr(0) == doctest::Approx(0.1f));
    CHECK(step.lr(2) == doctest::Approx(0.1f));
    CHECK(step.lr(3) == doctest::Approx(0.05f));
    CHECK(step.lr(5) == doctest::Approx(0.05f));
    CHECK(step.lr(6) == doctest::Approx(0.025f));
    CHECK(step.lr(9) == doctest::Approx(0.0125f));
}

TEST_CASE("schedule: cosine with and without warm-up by hand") {
    hw::ScheduleOptions o;
    o.kind = "cosine";
    hw::LrSchedule cos4(o, 1.0f, 4);  // progress e/4: cos(0), cos(π/4), cos(π/2), cos(3π/4)
    CHECK(cos4.lr(0) == doctest::Approx(1.0));
    CHECK(cos4.lr(1) == doctest::Approx(0.8535534));
    CHECK(cos4.lr(2) == doctest::Approx(0.5));
    CHECK(cos4.lr(3) == doctest::Approx(0.1464466));

    o.warmup_epochs = 2;
    o.min_lr = 0.1f;
    hw::LrSchedule warm(o, 1.0f, 6);  // 2 warm-up epochs, then cosine over 4 from 1 to 0.1
    CHECK(warm.lr(0) == doctest::Approx(1.0 / 3));
    CHECK(warm.lr(1) == doctest::Approx(2.0 / 3));
    CHECK(warm.lr(2) == doctest::Approx(1.0));
    CHECK(warm.lr(3) == doctest::Approx(0.1 + 0.9 * 0.8535534));
    CHECK(warm.lr(4) == doctest::Approx(0.55));
    CHECK(warm.lr(5) == doctest::Approx(0.1 + 0.9 * 0.1464466));
}

TEST_CASE("schedule: reduce-on-plateau halves after `patience` epochs without improvement") {
    hw::ScheduleOptions o;
    o.kind = "plateau";
    o.plateau_factor = 0.5f;
    o.plateau_patience = 2;
    o.min_lr = 0.02f;
    hw::LrSchedule s(o, 0.1f, 20);
    CHECK_FALSE(s.observe(1.00f));  // best 1.00
    CHECK_FALSE(s.observe(0.90f));  // best 0.90
    CHECK_FALSE(s.observe(0.95f));  // 1 bad epoch
    CHECK(s.lr(3) == doctest::Approx(0.1f));
    CHECK(s.observe(0.92f));        // 2 bad epochs: halve
    CHECK(s.lr(4) == doctest::Approx(0.05f));
    CHECK_FALSE(s.observe(0.85f));  // improvement resets the count
    CHECK_FALSE(s.observe(0.86f));
    CHECK(s.observe(0.87f));
    CHECK(s.lr(7) == doctest::Approx(0.025f));
    CHECK_FALSE(s.observe(0.88f));
    CHECK(s.observe(0.88f));        // 0.0125 would be below the floor: clamp to 0.02
    CHECK(s.lr(9) == doctest::Approx(0.02f));
    CHECK_FALSE(s.observe(0.9f));
    CHECK_FALSE(s.observe(0.9f));   // already at the floor: nothing changes
    CHECK(s.lr(11) == doctest::Approx(0.02f));
    // A relative threshold: 0.8499 is not better than 0.85 by 1e-3.
    o.plateau_threshold = 1e-3f;
    o.plateau_patience = 1;
    hw::LrSchedule t(o, 0.1f, 20);
    t.observe(0.85f);
    CHECK(t.observe(0.8499f));
}

TEST_CASE("schedule: bad settings are rejected with a message") {
    hw::ScheduleOptions o;
    o.kind = "linear";
    CHECK_THROWS_AS(hw::LrSchedule(o, 0.1f, 10), std::invalid_argument);
    o.kind = "cosine";
    o.warmup_epochs = 10;
    CHECK_THROWS_AS(hw::LrSchedule(o, 0.1f, 10), std::invalid_argument);
    o.kind = "constant";
    o.warmup_epochs = 0;
    CHECK_THROWS_AS(hw::LrSchedule(o, 0.0f, 10), std::invalid_argument);
}

// ---------------------------------------------------------------- regularisation
TEST_CASE("L2: penalty and gradient by hand") {
    const hw::Matrix W = hw::Matrix::from_rows({{1, 2}, {3, -4}});
    CHECK(hw::l2_penalty(W, 0.1f) == doctest::Approx(0.05 * 30));
    hw::Matrix dW = hw::Matrix::from_rows({{1, 1}, {1, 1}});
    hw::add_l2_gradient(W, dW, 0.1f);
    CHECK(hw::max_abs_diff(dW, hw::Matrix::from_rows({{1.1f, 1.2f}, {1.3f, 0.6f}})) < 1e-6f);
}

TEST_CASE("L2: loss + λ/2‖W‖² gradient matches central finite differences") {
    // A linear softmax classifier Z = X·W (X: 4×3, W: 3×2) with cross-entropy, plus L2.
    // Analytic: dW = Xᵀ(softmax(Z) - onehot)/B + λW. Finite differences in double.
    const hw::Matrix X = hw::Matrix::from_rows(
        {{0.5f, -1.0f, 2.0f}, {1.5f, 0.2f, -0.3f}, {-0.7f, 0.9f, 0.1f}, {0.0f, 1.0f, -1.0f}});
    const std::vector<int> y = {0, 1, 1, 0};
    hw::Matrix W = hw::Matrix::from_rows({{0.3f, -0.2f}, {0.1f, 0.4f}, {-0.5f, 0.25f}});
    const double lambda = 0.3;
    auto loss = [&](const hw::Matrix& w) {  // double precision
        double total = 0;
        for (int b = 0; b < 4; ++b) {
            double z[2] = {0, 0};
            for (int k = 0; k < 2; ++k)
                for (int i = 0; i < 3; ++i) z[k] += double(X(b, i)) * w(i, k);
            const double m = std::max(z[0], z[1]);
            const double lse = m + std::log(std::exp(z[0] - m) + std::exp(z[1] - m));
            total += lse - z[y[b]];
        }
        double sq = 0;
        for (std::size_t i = 0; i < w.size(); ++i) sq += double(w.data()[i]) * w.data()[i];
        return total / 4 + 0.5 * lambda * sq;
    };
    // Analytic gradient of the data term by hand, then our L2 term.
    hw::Matrix Z(4, 2);
    for (int b = 0; b < 4; ++b)
        for (int k = 0; k < 2; ++k)
            for (int i = 0; i < 3; ++i) Z(b, k) += X(b, i) * W(i, k);
    hw::Matrix P = hw::softmax_with_temperature(Z, 1.0f);
    hw::Matrix dW(3, 2);
    for (int b = 0; b < 4; ++b)
        for (int k = 0; k < 2; ++k) {
            const float delta = (P(b, k) - (y[b] == k ? 1.0f : 0.0f)) / 4.0f;
            for (int i = 0; i < 3; ++i) dW(i, k) += X(b, i) * delta;
        }
    hw::add_l2_gradient(W, dW, float(lambda));
    const float h = 1e-3f;
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 2; ++k) {
            hw::Matrix wp = W.clone(), wm = W.clone();
            wp(i, k) += h;
            wm(i, k) -= h;
            const double numeric = (loss(wp) - loss(wm)) / (double(wp(i, k)) - wm(i, k));
            CHECK(dW(i, k) == doctest::Approx(numeric).epsilon(1e-3));
        }
}

TEST_CASE("decoupled weight decay shrinks every weight by lr·λ") {
    hw::Matrix W = hw::Matrix::from_rows({{1, -2}, {0.5f, 4}});
    hw::decay_weights(W, 0.1f, 0.5f);  // × (1 - 0.05)
    CHECK(hw::max_abs_diff(W, hw::Matrix::from_rows({{0.95f, -1.9f}, {0.475f, 3.8f}})) < 1e-6f);
}

TEST_CASE("gradient clipping by global norm") {
    hw::Matrix g1 = hw::Matrix::from_rows({{3}}), g2 = hw::Matrix::from_rows({{0, 4}});
    CHECK(hw::global_norm({&g1, &g2}) == doctest::Approx(5.0));
    // Below the bound: untouched, and the norm is still reported.
    CHECK(hw::clip_by_global_norm({&g1, &g2}, 10.0f) == doctest::Approx(5.0));
    CHECK(g1(0, 0) == 3.0f);
    // Above: scaled by 1/5, direction kept.
    CHECK(hw::clip_by_global_norm({&g1, &g2}, 1.0f) == doctest::Approx(5.0));
    CHECK(g1(0, 0) == doctest::Approx(0.6f));
    CHECK(g2(0, 1) == doctest::Approx(0.8f));
    CHECK(hw::global_norm({&g1, &g2}) == doctest::Approx(1.0));
}

TEST_CASE("max-norm rescales only the columns (incoming weights) above the bound") {
    // W: in=2 × out=3. Column norms: 5, 0.5, sqrt(2)
    hw::Matrix W = hw::Matrix::from_rows({{3, 0.3f, 1}, {4, 0.4f, -1}});
    CHECK(hw::max_norm_columns(W, 1.0f) == 2);
    const float r = 1.0f / std::sqrt(2.0f);
    CHECK(hw::max_abs_diff(W, hw::Matrix::from_rows({{0.6f, 0.3f, r}, {0.8f, 0.4f, -r}})) < 1e-6f);
    CHECK(hw::max_norm_columns(W, 1.0f) == 0);  // projection is idempotent
}

// ---------------------------------------------------------------- dropout
TEST_CASE("dropout: the mask keeps 1-rate of the units, scaled by 1/(1-rate)") {
    hw::Rng rng(11);
    hw::Matrix mask;
    const float scale = hw::draw_dropout_mask(mask, 1000, 1000, 0.5f, rng);
    CHECK(scale == 2.0f);
    double kept = 0;
    std::size_t other_values = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
        const float m = mask.data()[i];
        other_values += !(m == 0.0f || m == scale);
        kept += m != 0.0f;
    }
    CHECK(other_values == 0);
    // 10⁶ Bernoulli(0.5): σ of the kept fraction is 0.0005; allow 5σ.
    CHECK(kept / 1e6 == doctest::Approx(0.5).epsilon(0.005));
}

TEST_CASE("dropout: the expected activation is preserved (mean over many units)") {
    hw::Rng rng(12);
    for (float rate : {0.2f, 0.5f, 0.8f}) {
        CAPTURE(rate);
        hw::Matrix X(1000, 1000, 0.7f), Y, mask;
        hw::draw_dropout_mask(mask, 1000, 1000, rate, rng);
        hw::apply_mask(X, mask, Y);
        // Each y is 0 or 0.7/q: Var = 0.49(1-q)/q; the mean of 10⁶ has σ ≤ 0.0014 (rate 0.8).
        // Tolerance 0.01 absolute is > 7σ in every case.
        CHECK(Y.sum() / 1e6 == doctest::Approx(0.7).epsilon(0.01 / 0.7));
    }
    hw::Matrix mask;
    CHECK(hw::draw_dropout_mask(mask, 3, 3, 0.0f, rng) == 1.0f);
    CHECK(mask.sum() == 9.0f);  // rate 0 keeps everything
    CHECK_THROWS_AS(hw::draw_dropout_mask(mask, 3, 3, 1.0f, rng), std::invalid_argument);
}

TEST_CASE("dropout: same seed → same mask; backward reuses the forward mask") {
    hw::Rng a(3), b(3);
    hw::Matrix m1, m2;
    hw::draw_dropout_mask(m1, 50, 70, 0.3f, a);
    hw::draw_dropout_mask(m2, 50, 70, 0.3f, b);
    CHECK(hw::max_abs_diff(m1, m2) == 0.0f);
    hw::Rng r(4);
    hw::Matrix X(50, 70), dY(50, 70), Y, dX;
    X.fill_uniform(r, 0.1f, 1.0f);
    dY.fill_uniform(r, 0.1f, 1.0f);
    hw::apply_mask(X, m1, Y);
    hw::apply_mask(dY, m1, dX);
    // Zero exactly where the forward output is zero; elsewhere dY is scaled like X was.
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < X.size(); ++i) {
        const bool y_zero = Y.data()[i] == 0.0f, dx_zero = dX.data()[i] == 0.0f;
        const float y_ratio = Y.data()[i] / X.data()[i], dx_ratio = dX.data()[i] / dY.data()[i];
        mismatches += y_zero != dx_zero || std::fabs(y_ratio - dx_ratio) > 1e-6f * y_ratio;
    }
    CHECK(mismatches == 0);
}

TEST_CASE("Dropout layer: evaluation is the identity, training keeps the mean, backward reuses the mask") {
    hw::Rng r(21);
    hw::Matrix X(400, 500), Y1, Y2;
    X.fill_uniform(r, 0.0f, 2.0f);
    hw::Dropout drop(0.5f, 99);
    drop.forward(X, Y1, /*training=*/false);
    drop.forward(X, Y2, /*training=*/false);
    CHECK(hw::max_abs_diff(Y1, X) == 0.0f);  // identity, no rescaling
    CHECK(hw::max_abs_diff(Y2, Y1) == 0.0f);  // deterministic
    hw::Matrix dY(400, 500, 1.0f), dX;
    drop.backward(dY, dX);
    CHECK(hw::max_abs_diff(dX, dY) == 0.0f);  // evaluation backward: identity too

    hw::Matrix Y;
    drop.forward(X, Y, /*training=*/true);
    // 2·10⁵ units, each 0 or 2x with x ~ U(0,2): σ of the mean ratio ≈ sqrt(4/3)/E[x]/sqrt(2e5) ≈ 0.0026.
    CHECK(Y.sum() / X.sum() == doctest::Approx(1.0).epsilon(0.015));
    std::size_t zeros = 0, wrong = 0;
    for (std::size_t i = 0; i < X.size(); ++i) {
        zeros += Y.data()[i] == 0.0f;
        wrong += Y.data()[i] != 0.0f && Y.data()[i] != 2.0f * X.data()[i];
    }
    CHECK(wrong == 0);
    CHECK(double(zeros) / X.size() == doctest::Approx(0.5).epsilon(0.02));
    hw::Matrix G(400, 500);
    G.fill_uniform(r, -1.0f, 1.0f);
    drop.backward(G, dX);
    // ∂(Σ Y ⊙ G)/∂X = G ⊙ M, with M = Y / X of this very forward.
    float worst = 0;
    for (std::size_t i = 0; i < X.size(); ++i)
        worst = std::max(worst, std::fabs(dX.data()[i] - G.data()[i] * (Y.data()[i] / X.data()[i])));
    CHECK(worst < 1e-6f);

    hw::Dropout a(0.3f, 5), b(0.3f, 5);  // same seed → same masks
    hw::Matrix Ya, Yb;
    a.forward(X, Ya, true);
    b.forward(X, Yb, true);
    CHECK(hw::max_abs_diff(Ya, Yb) == 0.0f);
    a.forward(X, Ya, true);  // a new batch → a new mask
    CHECK(hw::max_abs_diff(Ya, Yb) > 0.0f);
    CHECK(drop.params().empty());
    CHECK_THROWS_AS(hw::Dropout(1.0f, 1), std::invalid_argument);
}

// ---------------------------------------------------------------- early stopping
TEST_CASE("early stopping: waits `patience` epochs, then restores the best weights") {
    hw::Matrix w(1, 2);
    hw::EarlyStopping es(2);
    std::vector<const hw::Matrix*> view = {&w};
    std::vector<hw::Matrix*> params = {&w};
    CHECK_FALSE(es.restore(params));  // nothing yet
    w.fill(1);
    CHECK_FALSE(es.update(0, 1.0f, view));
    w.fill(2);
    CHECK_FALSE(es.update(1, 0.8f, view));  // best so far: snapshot of 2s
    w.fill(3);
    CHECK_FALSE(es.update(2, 0.9f, view));  // 1 epoch without improvement
    w.fill(4);
    CHECK(es.update(3, 0.85f, view));       // 2: stop
    CHECK(es.best_epoch() == 1);
    CHECK(es.best_loss() == doctest::Approx(0.8f));
    CHECK(es.restore(params));
    CHECK(w(0, 0) == 2.0f);
    CHECK(w(0, 1) == 2.0f);
    hw::Matrix wrong(2, 2);
    CHECK_THROWS_AS(es.restore({&wrong}), std::invalid_argument);
}

TEST_CASE("early stopping: min_delta demands a real improvement") {
    hw::Matrix w(1, 1);
    hw::EarlyStopping es(1, 0.01f);
    CHECK_FALSE(es.update(0, 1.0f, {&w}));
    CHECK(es.update(1, 0.995f, {&w}));  // better, but by less than 0.01
    CHECK(es.best_epoch() == 0);
}

// ---------------------------------------------------------------- temperature
TEST_CASE("temperature: T=1 is the softmax, large T → uniform, small T → one-hot") {
    const hw::Matrix z = hw::Matrix::from_rows({{1, 2, 3}});
    const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), s = e1 + e2 + e3;
    hw::Matrix p = hw::softmax_with_temperature(z, 1.0f);
    CHECK(p(0, 0) == doctest::Approx(e1 / s));
    CHECK(p(0, 1) == doctest::Approx(e2 / s));
    CHECK(p(0, 2) == doctest::Approx(e3 / s));
    // T = 2 is the softmax of z/2 by hand.
    p = hw::softmax_with_temperature(z, 2.0f);
    const double h = std::exp(0.5) + std::exp(1.0) + std::exp(1.5);
    CHECK(p(0, 2) == doctest::Approx(std::exp(1.5) / h));
    p = hw::softmax_with_temperature(z, 1e4f);
    for (int k = 0; k < 3; ++k) CHECK(p(0, k) == doctest::Approx(1.0 / 3).epsilon(1e-3));
    p = hw::softmax_with_temperature(z, 0.01f);
    CHECK(p(0, 2) > 0.999999f);
    // Extreme logits stay finite and sum to 1.
    p = hw::softmax_with_temperature(hw::Matrix::from_rows({{1e4f, -1e4f, 0}}), 0.5f);
    CHECK(p(0, 0) == 1.0f);
    CHECK(p.sum() == doctest::Approx(1.0f));
    CHECK_THROWS_AS(hw::softmax_with_temperature(z, 0.0f), std::invalid_argument);
}

TEST_CASE("temperature: calibration statistics by hand") {
    const hw::Matrix p = hw::Matrix::from_rows({{0.9f, 0.1f}, {0.6f, 0.4f}});
    const hw::Calibration c = hw::calibration(p, {0, 1}, 10);
    CHECK(c.accuracy == doctest::Approx(0.5));
    CHECK(c.mean_confidence == doctest::Approx(0.75));
    CHECK(c.nll == doctest::Approx((-std::log(0.9) - std::log(0.4)) / 2));
    // bin 9 holds a right answer at 0.9 (gap 0.1), bin 6 a wrong one at 0.6 (gap 0.6)
    CHECK(c.ece == doctest::Approx((0.1 + 0.6) / 2));
}

TEST_CASE("temperature: fitting T on over-confident logits finds the calibrated value") {
    // Four samples with logits (5, 0): 3 are class 0, 1 is class 1. The NLL is lowest when
    // p(class 0) = 3/4, i.e. e^{5/T} = 3, T = 5 / ln 3 ≈ 4.55.
    hw::Matrix logits(4, 2);
    for (int r = 0; r < 4; ++r) logits(r, 0) = 5.0f;
    const float t_star = float(5.0 / std::log(3.0));
    CHECK(hw::fit_temperature(logits, {0, 0, 0, 1}, {1.0f, 2.0f, t_star, 8.0f}) == t_star);
    const hw::Calibration c = hw::calibration(hw::softmax_with_temperature(logits, t_star), {0, 0, 0, 1});
    CHECK(c.mean_confidence == doctest::Approx(0.75));
    CHECK(c.ece == doctest::Approx(0.0).epsilon(1e-6));
}

// ---------------------------------------------------------------- sweep
TEST_CASE("sweep: parsing the grid and enumerating every combination") {
    const auto axes = hw::parse_sweep("lr=1e-3,3e-3; --batch=64,128");
    REQUIRE(axes.size() == 2);
    CHECK(axes[0].name == "lr");
    CHECK(axes[1].name == "batch");
    const auto runs = hw::sweep_settings(axes);
    REQUIRE(runs.size() == 4);
    CHECK(runs[0] == hw::SweepSetting{{"lr", "1e-3"}, {"batch", "64"}});
    CHECK(runs[1] == hw::SweepSetting{{"lr", "1e-3"}, {"batch", "128"}});
    CHECK(runs[3] == hw::SweepSetting{{"lr", "3e-3"}, {"batch", "128"}});
    CHECK_THROWS_AS(hw::parse_sweep("lr"), std::invalid_argument);
    CHECK_THROWS_AS(hw::parse_sweep("lr="), std::invalid_argument);
    CHECK_THROWS_AS(hw::parse_sweep("lr=1,,2"), std::invalid_argument);
    CHECK_THROWS_AS(hw::parse_sweep("lr=1;lr=2"), std::invalid_argument);
    CHECK_THROWS_AS(hw::parse_sweep(""), std::invalid_argument);
}

TEST_CASE("sweep: table, CSV and chart") {
    const auto axes = hw::parse_sweep("lr=1e-3,1e-2;batch=64");
    hw::SweepTable table(axes);
    table.add({{{"lr", "1e-3"}, {"batch", "64"}}, 0.975, 0.9712, 5, 12.345});
    table.add({{{"lr", "1e-2"}, {"batch", "64"}}, 0.96, 0.955, 5, 11.0});
    CHECK_THROWS_AS(table.add({{{"lr", "1"}}, 0, 0, 1, 1}), std::invalid_argument);
    const std::string row = table.format_row(table.rows()[0]);
    CHECK(row.find("1e-3") != std::string::npos);
    CHECK(row.find("97.12") != std::string::npos);
    CHECK(row.find("12.3s") != std::string::npos);
    const auto dir = temp_dir("sweep");
    table.write_csv((dir / "sweep.csv").string());
    CHECK(read_text(dir / "sweep.csv") ==
          "lr,batch,val_accuracy,test_accuracy,epochs,seconds\n"
          "1e-3,64,0.975,0.9712,5,12.345\n"
          "1e-2,64,0.96,0.955,5,11.000\n");
    table.write_chart((dir / "sweep.svg").string(), "test");
    const std::string svg = read_text(dir / "sweep.svg");
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.find("batch=64") != std::string::npos);
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- the toolbox at the trainer's phases
TEST_CASE("toolbox: all tools off changes nothing") {
    hw::TrainingToolbox tb(hw::ToolboxOptions{}, 0.01f, 5);
    CHECK(tb.describe().empty());
    hw::Matrix W = hw::Matrix::from_rows({{1, 2}, {3, 4}}), dW = hw::Matrix::from_rows({{5, 6}, {7, 8}});
    const hw::Matrix W0 = W.clone(), dW0 = dW.clone();
    std::vector<hw::Param> params = {{"W", &W, &dW, true}};
    tb.before_step(params, 0.01f);
    tb.after_step(params);
    hw::Matrix X = bordered_image(9), X0 = X.clone();
    tb.augment_batch(X);
    CHECK(hw::max_abs_diff(W, W0) == 0.0f);
    CHECK(hw::max_abs_diff(dW, dW0) == 0.0f);
    CHECK(hw::max_abs_diff(X, X0) == 0.0f);
    CHECK(tb.epoch_lr(3) == doctest::Approx(0.01f));
    CHECK_FALSE(tb.end_epoch(0, 1.0, params));
    CHECK(tb.finish(params) == -1);
}

TEST_CASE("toolbox: L2 → clip → decoupled decay → step → max-norm, by hand; biases untouched") {
    hw::ToolboxOptions o;
    o.l2 = 0.5f;
    o.clip_norm = 1.0f;
    o.weight_decay = 0.1f;
    o.max_norm = 1.0f;
    hw::TrainingToolbox tb(o, 0.5f, 5);
    CHECK(tb.describe().size() == 4);
    hw::Matrix W = hw::Matrix::from_rows({{1, 0}, {0, 2}}), dW(2, 2);
    hw::Matrix b = hw::Matrix::from_rows({{3, 3}}), db(1, 2);
    std::vector<hw::Param> params = {{"W", &W, &dW, true}, {"b", &b, &db, false}};
    CHECK(tb.l2_penalty(params) == doctest::Approx(0.25 * 5));  // λ/2·‖W‖², b excluded
    tb.before_step(params, 0.5f);
    // L2: dW = 0.5·W = [[0.5, 0], [0, 1]], db stays 0. Global norm sqrt(1.25) > 1: scale by
    // 1/sqrt(1.25). Then W *= 1 - 0.5·0.1 = 0.95.
    const float s = 1.0f / std::sqrt(1.25f);
    CHECK(hw::max_abs_diff(dW, hw::Matrix::from_rows({{0.5f * s, 0}, {0, s}})) < 1e-6f);
    CHECK(hw::max_abs_diff(W, hw::Matrix::from_rows({{0.95f, 0}, {0, 1.9f}})) < 1e-6f);
    CHECK(db.max_abs() == 0.0f);
    CHECK(tb.epoch_stats().clipped_steps == 1);
    CHECK(tb.epoch_stats().max_grad_norm == doctest::Approx(std::sqrt(1.25)));
    // (an optimizer step would go here)
    tb.after_step(params);
    // Column 1 had norm 1.9 > 1: projected to 1. Column 0 (0.95) and the bias (norm 4.2) stay.
    CHECK(hw::max_abs_diff(W, hw::Matrix::from_rows({{0.95f, 0}, {0, 1.0f}})) < 1e-6f);
    CHECK(b(0, 0) == 3.0f);
    CHECK(tb.epoch_stats().max_norm_rescaled == 1);
}

TEST_CASE("toolbox: plateau schedule and early stopping at the end of each epoch") {
    hw::ToolboxOptions o;
    o.schedule.kind = "plateau";
    o.schedule.plateau_patience = 1;
    o.schedule.plateau_factor = 0.1f;
    o.early_stopping = 2;
    hw::TrainingToolbox tb(o, 1.0f, 10);
    hw::Matrix W(1, 1), dW(1, 1);
    std::vector<hw::Param> params = {{"W", &W, &dW, true}};
    W(0, 0) = 1;
    CHECK_FALSE(tb.end_epoch(0, 0.5, params));
    W(0, 0) = 2;
    CHECK_FALSE(tb.end_epoch(1, 0.6, params));  // worse: plateau cuts the rate, ES waits
    CHECK(tb.lr_was_reduced());
    CHECK(tb.epoch_lr(2) == doctest::Approx(0.1f));
    CHECK_FALSE(tb.end_epoch(2, std::nan(""), params));  // no validation: ignored
    W(0, 0) = 3;
    CHECK(tb.end_epoch(3, 0.7, params));  // second bad epoch: stop
    CHECK(tb.finish(params) == 0);
    CHECK(W(0, 0) == 1.0f);  // the weights of epoch 0 are back
    hw::ToolboxOptions bad;
    bad.l2 = -1;
    CHECK_THROWS_AS(hw::TrainingToolbox(bad, 0.1f, 5), std::invalid_argument);
}

// ---------------------------------------------------------------- integration with chapter 10
// (dropout inside hw::Sequential, the trainer's hooks driven by the toolbox)
namespace {
hw::LabeledSet tiny_problem(std::size_t n, std::uint64_t seed) {
    // 4 inputs, 2 classes: class 1 when x0 + x1 > x2 + x3. Linearly separable.
    hw::Rng rng(seed);
    hw::LabeledSet set;
    set.images = hw::Matrix(n, 4);
    set.images.fill_uniform(rng, 0.0f, 1.0f);
    set.height = 2;
    set.width = 2;
    for (std::size_t r = 0; r < n; ++r) {
        const float* x = set.images.row(r);
        set.labels.push_back(x[0] + x[1] > x[2] + x[3] ? 1 : 0);
    }
    return set;
}
}  // namespace

TEST_CASE("MlpSpec dropout: config round trip and validation") {
    hw::MlpSpec spec;
    spec.sizes = {784, 100, 50, 10};
    spec.dropout = {0.5f, 0.25f};
    spec.input_dropout = 0.2f;
    CHECK(spec.to_config() == "layers=784,100,50,10 activation=relu dropout=0.5,0.25 input_dropout=0.2");
    const hw::MlpSpec back = hw::MlpSpec::from_config(spec.to_config());
    CHECK(back.dropout == spec.dropout);
    CHECK(back.input_dropout == doctest::Approx(0.2f));
    CHECK(back.dropout_after_hidden(1) == doctest::Approx(0.25f));
    hw::MlpSpec plain;
    plain.sizes = {784, 10};
    CHECK(plain.to_config() == "layers=784,10 activation=relu");  // chapter 10's files unchanged
    spec.dropout = {0.5f, 0.5f, 0.5f};  // three rates, two hidden layers
    CHECK_THROWS_AS(spec.validate(), std::invalid_argument);
    spec.dropout = {1.0f};
    CHECK_THROWS_AS(spec.validate(), std::invalid_argument);
}

TEST_CASE("Sequential with dropout: same weights, identity at evaluation, save/load keeps the rates") {
    hw::MlpSpec plain;
    plain.sizes = {6, 8, 5, 3};
    hw::MlpSpec dropped = hw::MlpSpec::from_config(plain.to_config());
    dropped.dropout = {0.5f};
    dropped.input_dropout = 0.1f;
    hw::Rng r1(7), r2(7);
    hw::Sequential a(plain, r1), b(dropped, r2);
    REQUIRE(b.size() == a.size() + 3);  // input dropout + one after each hidden ReLU
    CHECK(b.layer(0).name().find("dropout") == 0);
    CHECK_FALSE(b.layer(0).input_grad_needed());
    CHECK_FALSE(b.layer(1).input_grad_needed());  // nothing trainable in front of dense0
    const auto pa = a.params(), pb = b.params();
    REQUIRE(pa.size() == pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) CHECK(hw::max_abs_diff(*pa[i].value, *pb[i].value) == 0.0f);
    hw::Rng rx(8);
    hw::Matrix X(10, 6);
    X.fill_uniform(rx, -1.0f, 1.0f);
    const hw::Matrix za = a.forward(X, false).clone();
    CHECK(hw::max_abs_diff(za, b.forward(X, false)) == 0.0f);  // evaluation: dropout is the identity
    CHECK(hw::max_abs_diff(za, b.forward(X, true)) > 0.0f);    // training: it is not

    const auto path = temp_dir("dropout_model") / "m.hwm";
    b.save(path.string());
    hw::Sequential c = hw::Sequential::load(path.string());
    CHECK(c.spec().to_config() == b.spec().to_config());
    CHECK(hw::max_abs_diff(c.forward(X, false), za) == 0.0f);
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("trainer hooks: called at their phases; end_epoch can stop training") {
    const hw::LabeledSet data = tiny_problem(100, 3);
    hw::MlpSpec spec;
    spec.sizes = {4, 8, 2};
    hw::Rng rng(1);
    hw::Sequential net(spec, rng);
    hw::TrainOptions o;
    o.epochs = 5;
    o.batch = 32;  // 90 training rows → 3 batches per epoch (32, 32, 26)
    o.val_fraction = 0.1;
    o.progress = false;
    std::vector<int> lr_epochs;
    int augments = 0, befores = 0, afters = 0, ends = 0;
    o.hooks.learning_rate = [&](int epoch) {
        lr_epochs.push_back(epoch);
        return 0.01f * epoch;
    };
    o.hooks.augment = [&](hw::Matrix& X) {
        CHECK(X.cols() == 4);
        ++augments;
    };
    o.hooks.before_step = [&](const std::vector<hw::Param>& p, float lr) {
        CHECK(p.size() == 4);
        CHECK(lr == doctest::Approx(0.01f * lr_epochs.back()));
        ++befores;
    };
    o.hooks.after_step = [&](const std::vector<hw::Param>&) { ++afters; };
    o.hooks.end_epoch = [&](const hw::EpochStats& e, const std::vector<hw::Param>&) {
        ++ends;
        CHECK_FALSE(std::isnan(e.val_loss));
        return e.epoch == 2;  // stop after the second epoch
    };
    const hw::History h = hw::train(net, data, o);
    CHECK(h.epochs.size() == 2);
    CHECK(lr_epochs == std::vector<int>{1, 2});
    CHECK(h.epochs[1].lr == doctest::Approx(0.02f));
    CHECK(augments == 6);
    CHECK(befores == 6);
    CHECK(afters == 6);
    CHECK(ends == 2);
}

TEST_CASE("toolbox through train(): max-norm holds after every step, cosine sets each epoch's lr") {
    const hw::LabeledSet data = tiny_problem(200, 4);
    hw::MlpSpec spec;
    spec.sizes = {4, 16, 2};
    hw::Rng rng(2);
    hw::Sequential net(spec, rng);
    hw::ToolboxOptions t;
    t.max_norm = 0.5f;
    t.schedule.kind = "cosine";
    hw::TrainingToolbox toolbox(t, 0.05f, 4);
    hw::TrainOptions o;
    o.epochs = 4;
    o.batch = 20;
    o.lr = 0.05f;
    o.val_fraction = 0;
    o.progress = false;
    o.hooks.learning_rate = [&](int epoch) { return toolbox.epoch_lr(epoch - 1); };
    o.hooks.before_step = [&](const std::vector<hw::Param>& p, float lr) { toolbox.before_step(p, lr); };
    o.hooks.after_step = [&](const std::vector<hw::Param>& p) { toolbox.after_step(p); };
    const hw::History h = hw::train(net, data, o);
    REQUIRE(h.epochs.size() == 4);
    CHECK(h.epochs[0].lr == doctest::Approx(0.05f));
    CHECK(h.epochs[2].lr == doctest::Approx(0.025f));
    for (const hw::Param& p : net.params()) {
        if (!p.is_weight) continue;
        for (std::size_t j = 0; j < p.value->cols(); ++j) {
            double sq = 0;
            for (std::size_t i = 0; i < p.value->rows(); ++i) sq += double((*p.value)(i, j)) * (*p.value)(i, j);
            CHECK(std::sqrt(sq) <= 0.5 * (1 + 1e-5));
        }
    }
    CHECK(h.epochs.back().train_accuracy > 0.8);  // still learns under the constraint
}

TEST_CASE("Chapter 11's flag table: every sweepable setting by name, the cross checks, one JSON field each") {
    hw::ToolboxSettings s;
    hw::FlagTable flags;
    hw::declare_toolbox_flags(flags, s);
    // What --sweep used to set by a hand-written list of names, and more, all through the table.
    for (const char* name : {"lr", "batch", "epochs", "momentum", "l2", "weight-decay", "max-norm", "clip-norm",
                             "dropout", "input-dropout", "schedule", "warmup", "min-lr", "early-stopping",
                             "optimizer", "init", "init-dist", "shift", "rotate", "scale", "seed", "augment",
                             "layers", "nesterov", "val", "step-every", "plateau-factor", "temperature"})
        CHECK_MESSAGE(flags.has(name), name);
    flags.set("weight-decay", "1e-4");
    flags.set("layers", "784-64-10");
    flags.set("dropout", "0.3");
    flags.set("augment", "on");
    flags.set("init", "xavier");
    CHECK(s.weight_decay == doctest::Approx(1e-4));
    CHECK(s.layers == "784,64,10");
    CHECK(s.augment);
    const hw::MlpSpec spec = hw::toolbox_spec(s);
    CHECK(spec.sizes == std::vector<int>{784, 64, 10});
    CHECK(spec.dropout == std::vector<float>{0.3f});
    CHECK(spec.init == hw::Init::XavierNormal);
    CHECK_NOTHROW(hw::check_toolbox_settings(s));
    CHECK_THROWS_AS(flags.set("sweep", "lr=1"), std::invalid_argument);     // a setting of the whole run
    CHECK_THROWS_AS(flags.set("scale", "1"), std::invalid_argument);        // [0, 1)
    CHECK_THROWS_AS(flags.set("early-stopping", "-1"), std::invalid_argument);
    CHECK_THROWS_AS(flags.set("temperature", "0"), std::invalid_argument);

    // Checks that involve several settings.
    hw::ToolboxSettings bad = s;
    bad.dropout = "0.2,0.3";  // two rates for one hidden layer
    CHECK_THROWS_AS(hw::check_toolbox_settings(bad), std::invalid_argument);
    bad = s;
    bad.schedule = "plateau";
    bad.val = 0;
    CHECK_THROWS_AS(hw::check_toolbox_settings(bad), std::invalid_argument);
    bad.val = 0.1;
    CHECK_NOTHROW(hw::check_toolbox_settings(bad));

    // --init small: He's variance replaced by N(0, 0.01²) for every weight, biases untouched.
    s.init = "small";
    hw::Sequential net = hw::build_toolbox_network(s);
    double sq = 0;
    std::size_t n = 0;
    for (const hw::Param& p : net.params())
        if (p.is_weight)
            for (std::size_t i = 0; i < p.value->size(); ++i) sq += double(p.value->data()[i]) * p.value->data()[i], ++n;
    CHECK(std::sqrt(sq / n) == doctest::Approx(0.01).epsilon(0.02));
}

TEST_CASE("Chapter 11's metrics file: every flag once, each top-level key once") {
    hw::ToolboxSettings s;
    hw::FlagTable flags;
    hw::declare_toolbox_flags(flags, s);
    hw::ToolboxRun r;
    hw::MlpSpec spec;
    spec.sizes = {4, 3};
    hw::Rng rng(2);
    r.net = hw::Sequential(spec, rng);
    r.history.epochs.resize(2);
    hw::TemperatureReport temperature;
    temperature.temps = {1.0f, 2.0f};
    temperature.test.resize(2);
    const hw::ConfusionMatrix cm = hw::confusion_matrix({0, 1, 2}, {0, 1, 1}, 3);
    const std::filesystem::path path = temp_dir("metrics") / "m.json";
    hw::write_toolbox_metrics(path.string(), flags, r, cm, temperature);
    const std::string json = read_text(path);
    // Top-level members are the lines indented by exactly two spaces.
    std::set<std::string> keys;
    std::istringstream lines(json);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("  \"", 0) != 0) continue;
        const std::string key = line.substr(3, line.find('"', 3) - 3);
        CHECK_MESSAGE(keys.insert(key).second, "repeated key " << key);
    }
    for (const char* key : {"chapter", "lr", "weight_decay", "val_fraction", "softmax_temperature", "temperature",
                            "augment", "config", "train_loss", "test_accuracy", "confusion"})
        CHECK_MESSAGE(keys.count(key) == 1, key);
    CHECK(keys.count("out") == 0);  // files and display switches stay out
    CHECK(keys.count("sweep") == 0);
}

}  // TEST_SUITE
