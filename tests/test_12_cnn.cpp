// test_12_cnn.cpp — convolutional layers: im2col/col2im, Conv2D, MaxPool2D, Flatten.
//
// References:
//   • the forward pass of Conv2D against a direct convolution in double precision (seven nested
//     loops, no im2col, no GEMM), over odd sizes, strides 1 and 2, paddings 0–2, C_in ∈ {1, 3},
//     C_out ∈ {1, 5}, batches of 1 and 3. Bound: |y − ref| ≤ 1e-5·Σ|w·x| + 1e-6, i.e. float
//     rounding of a dot product of at most K = 75 terms (≈ K·2⁻²⁴ relative to Σ|terms|);
//   • dW, db and dX against central differences of a weighted sum Σ R⊙Y. The layer is linear in
//     each entry, so the difference is exact up to float rounding; with h = 0.1 the relative
//     error |a − n| / max(|a| + |n|, 1e-3) stays below 1e-3 (CS231n's scale: ~1e-7 is
//     expected in double, 1e-4…1e-3 in float; a wrong index or transpose gives O(1));
//   • col2im(im2col(1)) against the number of windows covering each pixel, counted directly;
//   • max-pooling on hand-made inputs whose maxima, ties and gradients are written out;
//   • both routes of Conv2D (im2col + GEMM, and the direct path of conv_direct.hpp where the CPU
//     has it): forward against the double-precision convolution, dW, db and dX against the
//     same sums written as plain loops in double, over every shape either route takes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "handwritten/core/random.hpp"
#include "handwritten/gemm/gemm.hpp"
#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/conv_direct.hpp"
#include "handwritten/nn/conv_pool2d.hpp"
#include "handwritten/nn/dense.hpp"
#include "handwritten/nn/flatten.hpp"
#include "handwritten/nn/im2col.hpp"
#include "handwritten/nn/max_pool2d.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/net_spec.hpp"
#include "handwritten/nn/relu.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/nn/softmax_cross_entropy.hpp"
#include "handwritten/train/trainer.hpp"
#include "test_support.hpp"

using hw::Matrix;
using namespace hw_test;

namespace {

std::string model_error(const std::string& path) {
    try {
        hw::load_model(path);
    } catch (const hw::ModelFileError& e) {
        return e.what();
    }
    return "(no error)";
}

// The direct convolution, in double: output (n, oy, ox, o) and the sum of |terms| (for the bound).
struct DirectConv {
    std::vector<double> y, magnitude;
};
DirectConv direct_conv(const hw::ConvGeometry& g, const Matrix& X, const Matrix& W, const Matrix& b) {
    const int H = g.input.height, Wd = g.input.width, C = g.input.channels;
    const int Ho = g.out_h(), Wo = g.out_w(), O = g.out_channels;
    DirectConv out;
    out.y.assign(X.rows() * std::size_t(Ho * Wo * O), 0.0);
    out.magnitude = out.y;
    for (std::size_t n = 0; n < X.rows(); ++n)
        for (int oy = 0; oy < Ho; ++oy)
            for (int ox = 0; ox < Wo; ++ox)
                for (int o = 0; o < O; ++o) {
                    double s = b(0, o), m = std::fabs(b(0, o));
                    for (int ky = 0; ky < g.kernel_h; ++ky)
                        for (int kx = 0; kx < g.kernel_w; ++kx)
                            for (int c = 0; c < C; ++c) {
                                const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                                const double t = double(W(o, (ky * g.kernel_w + kx) * C + c)) *
                                                 double(X(n, (iy * Wd + ix) * C + c));
                                s += t;
                                m += std::fabs(t);
                            }
                    const std::size_t i = ((n * Ho + oy) * Wo + ox) * O + o;
                    out.y[i] = s;
                    out.magnitude[i] = m;
                }
    return out;
}

// The backward pass of the direct convolution, in double, given R = ∂loss/∂Y:
//     dW[o, k] = Σ_{n,oy,ox} R[n, oy, ox, o] · X[n, window (oy, ox), entry k]
//     db[o]    = Σ_{n,oy,ox} R[n, oy, ox, o]
//     dX[n, iy, ix, c] = Σ over the (window, entry) pairs that read pixel (iy, ix, c) of R · W
// and the sums of |terms| for the bound.
struct DirectGrads {
    std::vector<double> dW, dW_mag, db, db_mag, dX, dX_mag;
};
DirectGrads direct_conv_grads(const hw::ConvGeometry& g, const Matrix& X, const Matrix& W, const Matrix& R) {
    const int H = g.input.height, Wd = g.input.width, C = g.input.channels, K = g.patch_size();
    const int Ho = g.out_h(), Wo = g.out_w(), O = g.out_channels;
    DirectGrads d;
    d.dW.assign(std::size_t(O) * K, 0.0);
    d.dW_mag = d.dW;
    d.db.assign(O, 0.0);
    d.db_mag = d.db;
    d.dX.assign(X.size(), 0.0);
    d.dX_mag = d.dX;
    for (std::size_t n = 0; n < X.rows(); ++n)
        for (int oy = 0; oy < Ho; ++oy)
            for (int ox = 0; ox < Wo; ++ox)
                for (int o = 0; o < O; ++o) {
                    const double r = R(n, (std::size_t(oy) * Wo + ox) * O + o);
                    d.db[o] += r;
                    d.db_mag[o] += std::fabs(r);
                    for (int ky = 0; ky < g.kernel_h; ++ky)
                        for (int kx = 0; kx < g.kernel_w; ++kx)
                            for (int c = 0; c < C; ++c) {
                                const int iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue;
                                const int k = (ky * g.kernel_w + kx) * C + c;
                                const std::size_t pixel = (std::size_t(iy) * Wd + ix) * C + c;
                                const double tw = r * X(n, pixel), tx = r * W(o, k);
                                d.dW[std::size_t(o) * K + k] += tw;
                                d.dW_mag[std::size_t(o) * K + k] += std::fabs(tw);
                                d.dX[n * X.cols() + pixel] += tx;
                                d.dX_mag[n * X.cols() + pixel] += std::fabs(tx);
                            }
                }
    return d;
}

// Worst |a − ref| / (1e-5·Σ|terms| + 1e-6) over a float array: ≤ 1 passes.
double worst_scaled_error(const float* a, const std::vector<double>& ref, const std::vector<double>& magnitude) {
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
        worst = std::max(worst, std::fabs(double(a[i]) - ref[i]) / (1e-5 * magnitude[i] + 1e-6));
    return worst;
}

// The convolution routes this CPU can run: always "im2col", and "direct" where it has AVX-512.
// Each test runs every route and puts the default back afterwards.
std::vector<std::string> conv_methods() {
    const std::string initial = hw::conv_method();
    std::vector<std::string> methods = {"im2col"};
    if (hw::set_conv_method("direct")) methods.push_back("direct");
    if (hw::set_conv_method("direct-avx2")) methods.push_back("direct-avx2");
    hw::set_conv_method(initial);
    return methods;
}
struct ConvMethodScope {
    std::string initial = hw::conv_method();
    explicit ConvMethodScope(const std::string& method) { REQUIRE(hw::set_conv_method(method)); }
    ~ConvMethodScope() { hw::set_conv_method(initial); }
};

// Worst |y − ref| / (1e-5·Σ|terms| + 1e-6): ≤ 1 passes.
double worst_scaled_error(const Matrix& Y, const DirectConv& ref) {
    double worst = 0;
    for (std::size_t i = 0; i < Y.size(); ++i)
        worst = std::max(worst, std::fabs(double(Y.data()[i]) - ref.y[i]) / (1e-5 * ref.magnitude[i] + 1e-6));
    return worst;
}

// Synthetic 8×8 one-channel images of 3 classes: a bright horizontal bar (class 0), vertical bar
// (1) or diagonal (2) at a random place, plus noise — learnable only from local structure.
hw::LabeledSet bars(std::size_t n, std::uint64_t seed) {
    hw::Rng rng(seed);
    hw::LabeledSet set;
    set.images = Matrix(n, 64);
    set.labels.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
        const int c = static_cast<int>(rng.below(3)), at = 1 + static_cast<int>(rng.below(6));
        set.labels[r] = static_cast<std::uint8_t>(c);
        for (int i = 0; i < 64; ++i) set.images(r, i) = 0.1f * rng.uniform();
        for (int t = 1; t < 7; ++t) {
            const int y = c == 0 ? at : t, x = c == 1 ? at : t;
            set.images(r, y * 8 + x) += 1.0f;
        }
    }
    return set;
}

hw::ConvGeometry geometry(int h, int w, int c, int k, int stride, int pad, int out) {
    hw::ConvGeometry g;
    g.input = {h, w, c};
    g.kernel_h = g.kernel_w = k;
    g.stride = stride;
    g.pad = pad;
    g.out_channels = out;
    return g;
}

}  // namespace

TEST_SUITE("12-cnn") {

// ---------------------------------------------------------------- im2col / col2im

TEST_CASE("im2col copies each window in (ky, kx, c) order, zeros in the padding") {
    // A 3×3 image with 2 channels, values 100·c + 10·y + x; a 2×2 kernel, stride 1, pad 1: 4×4 windows.
    const hw::ConvGeometry g = geometry(3, 3, 2, 2, 1, 1, 1);
    Matrix X(1, 18);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x)
            for (int c = 0; c < 2; ++c) X(0, (y * 3 + x) * 2 + c) = float(100 * c + 10 * y + x);
    REQUIRE(g.out_h() == 4);
    REQUIRE(g.out_w() == 4);
    Matrix cols(16, 8, -1.0f);
    hw::im2col(g, X.data(), 1, cols.data());
    // Window (0, 0) covers input rows −1, 0 and columns −1, 0: only (0, 0) is inside.
    const std::vector<float> w00 = {0, 0, 0, 0, 0, 0, 0, 100};
    // Window (1, 2) covers rows 0, 1 and columns 1, 2: all inside.
    const std::vector<float> w12 = {1, 101, 2, 102, 11, 111, 12, 112};
    // Window (3, 3) covers rows 2, 3 and columns 2, 3: only (2, 2).
    const std::vector<float> w33 = {22, 122, 0, 0, 0, 0, 0, 0};
    for (int k = 0; k < 8; ++k) {
        CHECK(cols(0, k) == w00[k]);
        CHECK(cols(1 * 4 + 2, k) == w12[k]);
        CHECK(cols(3 * 4 + 3, k) == w33[k]);
    }
}

TEST_CASE("col2im(im2col(ones)) counts the windows covering each pixel") {
    for (int stride : {1, 2})
        for (int pad : {0, 1, 2})
            for (int k : {3, 5}) {
                const hw::ConvGeometry g = geometry(7, 9, 3, k, stride, pad, 1);
                CAPTURE(g.to_string());
                const int count = 2;
                Matrix ones(count, g.input.size(), 1.0f), back(count, g.input.size(), -7.0f);
                Matrix cols(std::size_t(count) * g.positions(), g.patch_size());
                hw::im2col(g, ones.data(), count, cols.data());
                hw::col2im(g, cols.data(), count, back.data());
                int mismatches = 0;
                for (int n = 0; n < count; ++n)
                    for (int y = 0; y < 7; ++y)
                        for (int x = 0; x < 9; ++x) {
                            int windows = 0;  // output pixels whose window contains (y, x)
                            for (int oy = 0; oy < g.out_h(); ++oy)
                                for (int ox = 0; ox < g.out_w(); ++ox) {
                                    const int dy = y - (oy * stride - pad), dx = x - (ox * stride - pad);
                                    windows += dy >= 0 && dy < k && dx >= 0 && dx < k;
                                }
                            for (int c = 0; c < 3; ++c) mismatches += back(n, (y * 9 + x) * 3 + c) != float(windows);
                        }
                CHECK(mismatches == 0);
            }
}

TEST_CASE("Convolution geometry: output sizes and rejected shapes") {
    CHECK(geometry(28, 28, 1, 5, 1, 2, 32).output() == hw::ImageShape{28, 28, 32});
    CHECK(geometry(14, 14, 6, 5, 1, 0, 16).output() == hw::ImageShape{10, 10, 16});
    CHECK(geometry(7, 7, 1, 3, 2, 0, 1).output() == hw::ImageShape{3, 3, 1});
    CHECK(geometry(8, 8, 1, 3, 2, 1, 1).output() == hw::ImageShape{4, 4, 1});
    CHECK_THROWS_AS(geometry(4, 4, 1, 5, 1, 0, 1).validate(), std::invalid_argument);  // kernel too big
    CHECK_NOTHROW(geometry(4, 4, 1, 5, 1, 1, 1).validate());                           // 6 ≥ 5 with padding
    CHECK_THROWS_AS(geometry(8, 8, 1, 3, 0, 0, 1).validate(), std::invalid_argument);  // stride 0
    CHECK_THROWS_AS(geometry(8, 8, 1, 3, 1, 3, 1).validate(), std::invalid_argument);  // pad = kernel
    CHECK_THROWS_AS(geometry(8, 8, 0, 3, 1, 0, 1).validate(), std::invalid_argument);  // no channels
    CHECK_THROWS_AS(hw::Conv2D(geometry(8, 8, 1, 3, 1, 0, 0)), std::invalid_argument);
}

// ---------------------------------------------------------------- Conv2D

TEST_CASE("Conv2D forward equals a direct double-precision convolution") {
    hw::Rng rng(1);
    int cases = 0;
    for (const std::string& method : conv_methods()) {
        ConvMethodScope route(method);
        CAPTURE(method);
        for (int stride : {1, 2})
            for (int pad : {0, 1, 2})
                for (int c_in : {1, 3})
                    for (int c_out : {1, 5})
                        for (int batch : {1, 3}) {
                            const hw::ConvGeometry g = geometry(7, 9, c_in, pad == 2 ? 5 : 3, stride, pad, c_out);
                            CAPTURE(g.to_string());
                            CAPTURE(batch);
                            hw::Conv2D conv(g);
                            conv.initialize(hw::Init::HeUniform, rng);
                            conv.bias().fill_uniform(rng, -0.5f, 0.5f);
                            const Matrix X = random_matrix(batch, g.input.size(), rng);
                            Matrix Y;
                            conv.forward(X, Y, false);
                            CHECK(conv.took_direct_path() == (method != "im2col"));
                            CHECK(Y.rows() == std::size_t(batch));
                            CHECK(Y.cols() == g.output().size());
                            CHECK(worst_scaled_error(Y, direct_conv(g, X, conv.weights(), conv.bias())) <= 1.0);
                            ++cases;
                        }
    }
    CHECK(cases == 48 * int(conv_methods().size()));
}

TEST_CASE("Conv2D forward over several chunks (and threads) equals the direct convolution") {
    // 28×28×3 with a 5×5 kernel: 784·75 floats of cols per image, so a batch of 80 (4.7 Mi
    // floats, over the 4 Mi kept whole) takes five chunks of the 1 Mi-float budget. (Chunks are
    // the im2col route's; the direct path takes the batch whole.)
    ConvMethodScope route("im2col");
    const hw::ConvGeometry g = geometry(28, 28, 3, 5, 1, 2, 8);
    hw::Conv2D conv(g);
    REQUIRE(conv.images_per_chunk(80) < 80 / 2);
    CHECK(conv.images_per_chunk(60) == 60);  // 3.5 Mi floats: one chunk, kept for backward
    hw::Rng rng(2);
    conv.initialize(hw::Init::HeNormal, rng);
    const Matrix X = random_matrix(80, g.input.size(), rng);
    const DirectConv ref = direct_conv(g, X, conv.weights(), conv.bias());
    for (int threads : {1, 2}) {
        CAPTURE(threads);
        hw::set_gemm_threads(threads);
        Matrix Y;
        conv.forward(X, Y, false);
        CHECK(worst_scaled_error(Y, ref) <= 1.0);
    }
    hw::set_gemm_threads(0);
}

TEST_CASE("Conv2D backward matches central differences (dW, db, dX)") {
    hw::Rng rng(3);
    for (const std::string& method : conv_methods()) {
        ConvMethodScope route(method);
        CAPTURE(method);
        for (int stride : {1, 2})
            for (int pad : {0, 2}) {
                const hw::ConvGeometry g = geometry(6, 5, 2, 3, stride, pad, 3);
                CAPTURE(g.to_string());
                hw::Conv2D conv(g);
                conv.initialize(hw::Init::HeUniform, rng);
                conv.bias().fill_uniform(rng, -0.5f, 0.5f);
                Matrix X = random_matrix(2, g.input.size(), rng), Y, dX;
                const Matrix R = random_matrix(2, g.output().size(), rng);
                auto loss = [&] {
                    conv.forward(X, Y, true);
                    return weighted_sum(R, Y);
                };
                loss();
                conv.backward(R, dX);
                const Matrix dW = conv.weight_grad().clone(), db = conv.bias_grad().clone(), dXa = dX.clone();
                REQUIRE(dXa.rows() == 2);
                REQUIRE(dXa.cols() == g.input.size());
                // Not trivially zero: a layer whose forward and backward both did nothing would
                // match its (zero) central differences too.
                CHECK(dW.max_abs() > 1e-2f);
                CHECK(db.max_abs() > 1e-2f);
                CHECK(dXa.max_abs() > 1e-2f);
                CHECK(max_gradient_error(conv.weights(), dW, loss, 1e-1f) < 1e-3);
                CHECK(max_gradient_error(conv.bias(), db, loss, 1e-1f) < 1e-3);
                CHECK(max_gradient_error(X, dXa, loss, 1e-1f) < 1e-3);
            }
    }
}

TEST_CASE("Both convolution routes give dW, db and dX of the double-precision sums, over odd shapes") {
    // Every shape the direct path's tiles treat differently: one input channel and several
    // (1, 3, 6 and 32: kernel rows of 3 to 160 floats, one vector or many, a masked last one),
    // output channel counts from 1 to 70 (masked lanes, one to five vectors of 16), strides 1
    // and 2, paddings 0 to 2, odd sizes, batches of 1, 3 and 11 (11: more images than the 8
    // parts the direct path keeps dW sums for, core/parallel.hpp). Bound as for the forward
    // pass, with the sum of |terms| of each gradient entry.
    struct Case {
        int h, w, c_in, k, stride, pad, c_out;
    };
    const Case cases[] = {{7, 9, 1, 3, 1, 1, 5}, {7, 9, 3, 5, 2, 2, 1},  {9, 7, 1, 5, 1, 2, 6},
                          {8, 8, 6, 5, 1, 0, 16}, {7, 9, 3, 3, 2, 0, 33}, {6, 7, 32, 5, 1, 2, 64},
                          {5, 6, 3, 3, 1, 1, 70}, {11, 5, 1, 5, 2, 1, 32}, {6, 6, 6, 1, 1, 0, 7},
                          // one channel, stride 1: rows of 16-lane pieces over an expanded copy for
                          // O = 1, 2, 6, 12, 4 (1 to 3 channel patterns), kernels 3 and 5 wide,
                          // 1 to 13 output rows (tiles of 3 rows and the 1 or 2 left over; dW's
                          // input rows that meet fewer kernel rows than the kernel has); the
                          // channel tiles for O = 32 and 64
                          {9, 11, 1, 5, 1, 0, 2}, {7, 5, 1, 3, 1, 2, 12}, {6, 9, 1, 3, 1, 1, 64},
                          {13, 7, 1, 5, 1, 2, 1}, {5, 5, 1, 5, 1, 2, 6}, {9, 9, 1, 3, 1, 0, 4},
                          {8, 10, 1, 5, 1, 1, 32}, {5, 9, 1, 5, 1, 0, 6}, {4, 8, 1, 3, 1, 0, 12},
                          // the forward tiles along x for O = 4 and 6 (16 pixels wide on AVX2, 32
                          // on AVX-512): rows of 16 + 4 pixels, exactly 16, 16 + 1, LeNet-5's 28,
                          // exactly 32, and 32 + 1
                          {3, 20, 1, 3, 1, 1, 6}, {6, 20, 1, 5, 1, 0, 6}, {5, 19, 1, 5, 1, 1, 4},
                          {4, 28, 1, 5, 1, 2, 6}, {3, 32, 1, 3, 1, 1, 4}, {3, 33, 1, 5, 1, 2, 6}};
    hw::Rng rng(13);
    int checked = 0;
    for (const std::string& method : conv_methods()) {
        ConvMethodScope route(method);
        CAPTURE(method);
        for (const Case& c : cases)
            for (int batch : {1, 3, 11}) {
                const hw::ConvGeometry g = geometry(c.h, c.w, c.c_in, c.k, c.stride, c.pad, c.c_out);
                CAPTURE(g.to_string());
                CAPTURE(batch);
                hw::Conv2D conv(g);
                conv.initialize(hw::Init::HeUniform, rng);
                conv.bias().fill_uniform(rng, -0.5f, 0.5f);
                Matrix Y, dX;
                // Two steps: the second's gradients must overwrite the first's, not add to them.
                for (int step = 0; step < 2; ++step) {
                    CAPTURE(step);
                    const Matrix X = random_matrix(batch, g.input.size(), rng);
                    const Matrix R = random_matrix(batch, g.output().size(), rng);
                    conv.forward(X, Y, true);
                    CHECK(worst_scaled_error(Y, direct_conv(g, X, conv.weights(), conv.bias())) <= 1.0);
                    conv.backward(R, dX);
                    const DirectGrads ref = direct_conv_grads(g, X, conv.weights(), R);
                    CHECK(worst_scaled_error(conv.weight_grad().data(), ref.dW, ref.dW_mag) <= 1.0);
                    CHECK(worst_scaled_error(conv.bias_grad().data(), ref.db, ref.db_mag) <= 1.0);
                    REQUIRE(dX.size() == X.size());
                    CHECK(worst_scaled_error(dX.data(), ref.dX, ref.dX_mag) <= 1.0);
                }
                ++checked;
            }
    }
    CHECK(checked == 3 * int(std::size(cases) * conv_methods().size()));  // every case, batches 1, 3 and 11
}

TEST_CASE("Conv2D's dW accumulated over chunks equals dW of the direct formula") {
    // dW[o, k] = Σ over every window row r of dY[r, o]·cols[r, k]; checked in double against a
    // batch of 80 that the layer splits into chunks (backward runs im2col again per chunk).
    ConvMethodScope route("im2col");
    const hw::ConvGeometry g = geometry(28, 28, 3, 5, 1, 2, 4);
    hw::Conv2D conv(g);
    hw::Rng rng(4);
    conv.initialize(hw::Init::HeNormal, rng);
    const Matrix X = random_matrix(80, g.input.size(), rng);
    Matrix Y, dX;
    conv.forward(X, Y, true);
    const Matrix R = random_matrix(80, g.output().size(), rng);
    conv.set_input_grad_needed(false);
    conv.backward(R, dX);
    CHECK(dX.empty());  // input gradients switched off: dX untouched
    Matrix cols(std::size_t(80) * g.positions(), g.patch_size());
    hw::im2col(g, X.data(), 80, cols.data());
    const std::size_t rows = cols.rows();
    double worst = 0;
    for (int o = 0; o < 4; ++o)
        for (int k = 0; k < g.patch_size(); ++k) {
            double s = 0, m = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                const double t = double(R.data()[r * 4 + o]) * double(cols(r, k));
                s += t;
                m += std::fabs(t);
            }
            worst = std::max(worst, std::fabs(conv.weight_grad()(o, k) - s) / (1e-5 * m + 1e-6));
        }
    CHECK(worst <= 1.0);
}

// ---------------------------------------------------------------- MaxPool2D and Flatten

TEST_CASE("MaxPool2D forward and backward on a hand-made 4×4 input, ties included") {
    for (const std::string& method : conv_methods()) {  // the plain loop, the AVX2 and the AVX-512 ones
        ConvMethodScope route(method);
        CAPTURE(method);
        // One channel. Windows: top-left {1,5,3,2} → 5; top-right {2,2,2,2} → a four-way tie;
        // bottom-left {−1,−3,−2,−4} → −1; bottom-right {0,7,7,6} → a tie between (2,3) and (3,2).
        const Matrix X = Matrix::from_rows({{1, 5, 2, 2, 3, 2, 2, 2, -1, -3, 0, 7, -2, -4, 7, 6}});
        hw::MaxPool2D pool({4, 4, 1}, 2);
        CHECK(pool.output_image() == hw::ImageShape{2, 2, 1});
        CHECK(pool.output_shape(hw::Shape{4, 4, 1}) == hw::Shape{2, 2, 1});
        Matrix Y, dX;
        pool.forward(X, Y, true);
        REQUIRE(Y.cols() == 4);
        CHECK(Y(0, 0) == 5);
        CHECK(Y(0, 1) == 2);
        CHECK(Y(0, 2) == -1);
        CHECK(Y(0, 3) == 7);
        // The first maximum in row-major window order wins: (0,2) for the four 2s, (2,3) for the 7s.
        CHECK(pool.argmax() == std::vector<std::int32_t>{1, 2, 8, 11});
        const Matrix dY = Matrix::from_rows({{10, 20, 30, 40}});
        pool.backward(dY, dX);
        const std::vector<float> expected = {0, 10, 20, 0, 0, 0, 0, 0, 30, 0, 0, 40, 0, 0, 0, 0};
        for (int i = 0; i < 16; ++i) {
            CAPTURE(i);
            CHECK(dX(0, i) == expected[i]);
        }
    }
}

TEST_CASE("MaxPool2D keeps channels apart, drops an odd last row and column, and handles batches") {
    for (const std::string& method : conv_methods()) {  // the plain loop, the AVX2 and the AVX-512 ones
        ConvMethodScope route(method);
        CAPTURE(method);
        // 3×3×2, pool 2: one window (rows 0–1, cols 0–1) per channel; row 2 and column 2 are dropped.
        Matrix X(2, 18);
        for (int n = 0; n < 2; ++n)
            for (int p = 0; p < 9; ++p) {
                X(n, p * 2 + 0) = float(p + 10 * n);      // channel 0: max of pixels {0,1,3,4} is pixel 4
                X(n, p * 2 + 1) = float(-p - 10 * n);     // channel 1: max is pixel 0
            }
        hw::MaxPool2D pool({3, 3, 2}, 2);
        CHECK(pool.output_image() == hw::ImageShape{1, 1, 2});
        Matrix Y, dX;
        pool.forward(X, Y, true);
        CHECK(Y(0, 0) == 4);
        CHECK(Y(0, 1) == 0);
        CHECK(Y(1, 0) == 14);
        CHECK(Y(1, 1) == -10);
        pool.backward(Matrix::from_rows({{1, 2}, {3, 4}}), dX);
        for (int n = 0; n < 2; ++n)
            for (int i = 0; i < 18; ++i) {
                const float want = i == 4 * 2 ? float(1 + 2 * n) : i == 1 ? float(2 + 2 * n) : 0.0f;
                CAPTURE(n);
                CAPTURE(i);
                CHECK(dX(n, i) == want);
            }
        CHECK_THROWS_AS(hw::MaxPool2D({1, 4, 1}, 2), std::invalid_argument);
        CHECK_THROWS_AS(hw::MaxPool2D({4, 4, 1}, 0), std::invalid_argument);
        CHECK_THROWS_AS(pool.forward(Matrix(1, 17), Y, true), std::invalid_argument);
    }
}

TEST_CASE("MaxPool2D on many channels and window sizes: maxima and first-wins argmax of a plain scan") {
    // Inputs drawn from {−2, …, 2}, so most windows hold ties; channel counts 1 to 70 (one
    // vector of 16, several, a masked last one), windows 2 and 3, odd sizes (a dropped row) and
    // even ones (the windows tile the image: the vector backward's case), 3 images. Backward:
    // each dY value lands on its window's first maximum alone, and every other input (the
    // dropped last row and column too) gets exactly 0, even where dX held garbage before.
    hw::Rng rng(21);
    for (const std::string& method : conv_methods()) {
        ConvMethodScope route(method);
        CAPTURE(method);
        for (int c : {1, 6, 16, 20, 33, 64, 70})
            for (int size : {2, 3})
                for (const hw::ImageShape in : {hw::ImageShape{7, 8, c}, hw::ImageShape{6, 4, c}}) {
                    CAPTURE(c);
                    CAPTURE(size);
                    CAPTURE(in.height);
                    Matrix X(3, in.size());
                    for (std::size_t i = 0; i < X.size(); ++i) X.data()[i] = float(int(rng.below(5)) - 2);
                    hw::MaxPool2D pool(in, size);
                    Matrix Y;
                    pool.forward(X, Y, true);
                    const hw::ImageShape out = pool.output_image();
                    const Matrix dY = random_matrix(3, out.size(), rng);
                    Matrix dX(3, in.size());
                    dX.fill(std::nanf(""));  // a reused buffer: nothing of it may survive
                    pool.backward(dY, dX);
                    Matrix routed(3, in.size());  // the expected dX, built by the plain scan below
                    int wrong = 0;
                    for (int n = 0; n < 3; ++n)
                        for (int oy = 0; oy < out.height; ++oy)
                            for (int ox = 0; ox < out.width; ++ox)
                                for (int ch = 0; ch < c; ++ch) {
                                    int best = -1;  // the first strictly greater value in row-major order
                                    for (int ky = 0; ky < size; ++ky)
                                        for (int kx = 0; kx < size; ++kx) {
                                            const int p = ((oy * size + ky) * in.width + ox * size + kx) * c + ch;
                                            if (best < 0 || X(n, p) > X(n, best)) best = p;
                                        }
                                    const std::size_t j = (std::size_t(oy) * out.width + ox) * c + ch;
                                    wrong += Y(n, j) != X(n, best);
                                    wrong += pool.argmax()[n * out.size() + j] != best;
                                    routed(n, best) = dY(n, j);
                                }
                    CHECK(wrong == 0);
                    int wrong_grad = 0;
                    for (std::size_t i = 0; i < dX.size(); ++i) wrong_grad += !(dX.data()[i] == routed.data()[i]);
                    CHECK(wrong_grad == 0);
                }
    }
}

TEST_CASE("ConvPool2D gives the numbers of Conv2D then MaxPool2D, bit for bit, in any grouping of the images") {
    // Shapes for both direct-path kernels (one input channel and 6 kernels: the row-wise
    // tiles; 3 and 16 channels: the channel tiles), stride 2, a pool that drops a last row and
    // column, and groups of 1, 2, 4 and 7 images of a batch of 19 (the last group short), plus
    // the automatic size. 19 images: more than the deal's 8 parts (core/parallel.hpp), so most
    // parts sum 2 or 3 images, from different groups; the 16-channel case's dW (400 × 32
    // floats) is split by blocks instead. The first layer's case, no dX, is checked too.
    struct Case {
        hw::ImageShape input;
        int kernel, stride, pad, out_channels, pool;
    };
    const std::vector<Case> cases = {
        {{9, 8, 1}, 3, 1, 1, 6, 2}, {{8, 8, 3}, 3, 1, 1, 20, 2}, {{9, 7, 16}, 5, 1, 2, 32, 2}, {{11, 11, 3}, 3, 2, 1, 16, 3}};
    hw::Rng rng(41);
    for (const std::string& method : conv_methods()) {
        ConvMethodScope route(method);
        CAPTURE(method);
        for (const Case& c : cases) {
            hw::ConvGeometry g;
            g.input = c.input;
            g.kernel_h = g.kernel_w = c.kernel;
            g.stride = c.stride;
            g.pad = c.pad;
            g.out_channels = c.out_channels;
            CAPTURE(g.to_string());
            hw::Conv2D conv(g);
            conv.initialize(hw::Init::HeUniform, rng);
            conv.bias().fill_uniform(rng, -0.5f, 0.5f);
            hw::MaxPool2D pool(g.output(), c.pool);
            constexpr int kBatch = 19;
            const Matrix X = random_matrix(kBatch, g.input.size(), rng);
            const Matrix dP = random_matrix(kBatch, pool.output_image().size(), rng);
            Matrix Yc, P, dYc, dX;
            conv.forward(X, Yc, true);
            pool.forward(Yc, P, true);
            pool.backward(dP, dYc);
            conv.backward(dYc, dX);
            for (int group : {1, 2, 4, 7, 0})
                for (bool input_grad : {true, false}) {
                    CAPTURE(group);
                    CAPTURE(input_grad);
                    auto conv_copy = std::make_unique<hw::Conv2D>(g);
                    conv_copy->weights() = conv.weights().clone();
                    conv_copy->bias() = conv.bias().clone();
                    hw::ConvPool2D pair(std::move(conv_copy), std::make_unique<hw::MaxPool2D>(g.output(), c.pool));
                    pair.set_group_images(group);
                    pair.set_input_grad_needed(input_grad);
                    Matrix P2, dX2(kBatch, g.input.size());
                    dX2.fill(7.0f);
                    pair.forward(X, P2, true);
                    pair.backward(dP, dX2);
                    REQUIRE(P2.size() == P.size());
                    CHECK(std::memcmp(P2.data(), P.data(), P.size() * sizeof(float)) == 0);
                    const Matrix& dW = pair.conv().weight_grad();
                    const Matrix& db = pair.conv().bias_grad();
                    CHECK(std::memcmp(dW.data(), conv.weight_grad().data(), dW.size() * sizeof(float)) == 0);
                    CHECK(std::memcmp(db.data(), conv.bias_grad().data(), db.size() * sizeof(float)) == 0);
                    if (input_grad) CHECK(std::memcmp(dX2.data(), dX.data(), dX.size() * sizeof(float)) == 0);
                    else CHECK(dX2(kBatch - 1, g.input.size() - 1) == 7.0f);  // untouched
                }
        }
    }
}

TEST_CASE("Flatten passes values through unchanged and reports the flat shape") {
    hw::Flatten flat({7, 7, 64});
    CHECK(flat.output_shape(hw::Shape{7, 7, 64}) == hw::Shape{3136});
    CHECK_THROWS_AS(flat.output_shape(hw::Shape{7, 7, 63}), std::invalid_argument);
    hw::Rng rng(5);
    const Matrix X = random_matrix(3, 3136, rng);
    Matrix Y, dX;
    flat.forward(X, Y, true);
    CHECK(std::memcmp(X.data(), Y.data(), X.size() * sizeof(float)) == 0);
    flat.backward(Y, dX);
    CHECK(std::memcmp(X.data(), dX.data(), X.size() * sizeof(float)) == 0);
    CHECK_THROWS_AS(flat.forward(Matrix(3, 3135), Y, true), std::invalid_argument);
}

// ---------------------------------------------------------------- network specs

TEST_CASE("Net specs: presets, canonical text, dropout placement, bad items") {
    const hw::NetSpec lenet = hw::NetSpec::parse("lenet5");
    CHECK(lenet.to_string() == "conv5x5x6p2,relu,pool2,conv5x5x16,relu,pool2,fc120,relu,fc84,relu,fc10");
    CHECK(hw::NetSpec::parse(lenet.to_string()) == lenet);
    const hw::NetSpec cnn = hw::NetSpec::parse("cnn");
    CHECK(cnn.to_string() == "conv5x5x32p2,relu,pool2,conv5x5x64p2,relu,pool2,fc256,relu,fc10");
    const hw::NetSpec odd = hw::NetSpec::parse("conv3x5x4s2p1,sigmoid,flatten,dropout0.25,fc3");
    REQUIRE(odd.layers.size() == 5);
    CHECK(odd.layers[0].kernel_h == 3);
    CHECK(odd.layers[0].kernel_w == 5);
    CHECK(odd.layers[0].units == 4);
    CHECK(odd.layers[0].stride == 2);
    CHECK(odd.layers[0].pad == 1);
    CHECK(odd.to_string() == "conv3x5x4s2p1,sigmoid,flatten,dropout0.25,fc3");
    // Dropout after the activation of each hidden fc, never after a conv's or before the logits.
    CHECK(cnn.with_dropout(0.5f).to_string() ==
          "conv5x5x32p2,relu,pool2,conv5x5x64p2,relu,pool2,fc256,relu,dropout0.5,fc10");
    CHECK(lenet.with_dropout(0.25f).to_string() ==
          "conv5x5x6p2,relu,pool2,conv5x5x16,relu,pool2,fc120,relu,dropout0.25,fc84,relu,dropout0.25,fc10");
    CHECK(cnn.with_dropout(0) == cnn);
    for (const char* bad : {"", "fc10,", "conv5x5,fc10", "conv5x5x0,fc10", "pool0,fc10", "fc10,relu",
                            "dropout1,fc10", "conv5x5x32q2,fc10", "lenet", "fc-1"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(hw::NetSpec::parse(bad), std::invalid_argument);
    }
}

// ---------------------------------------------------------------- networks

TEST_CASE("The presets have the yardstick's layers and parameter counts; shapes flow through") {
    hw::Rng rng(7);
    hw::Sequential lenet = hw::build_network(hw::NetSpec::parse("lenet5"), hw::Shape{28, 28, 1}, hw::Init::HeUniform, rng);
    CHECK(lenet.parameter_count() == 61706);  // 156 + 2416 + 48120 + 10164 + 850
    CHECK(lenet.input_size() == 784);
    CHECK(lenet.output_size() == 10);
    CHECK(lenet.kind() == "cnn");
    CHECK(lenet.config() == "net=conv5x5x6p2,relu,pool2,conv5x5x16,relu,pool2,fc120,relu,fc84,relu,fc10 input=28x28x1");
    // 11 items + the Flatten in front of fc120, with each "conv,relu,pool2" built as one
    // ConvPool2D whose pool runs the ReLU (net_spec.hpp): conv·pool·relu twice, flatten, fc, ...
    CHECK(lenet.size() == 8);
    CHECK(lenet.summary().find("conv1 5x5 s1 p0, 14x14x6 → 10x10x16 · maxpool 2x2 → 5x5x16 · relu") != std::string::npos);
    CHECK(lenet.summary().find("flatten 5x5x16 → 400") != std::string::npos);
    hw::Sequential cnn = hw::build_network(hw::NetSpec::parse("cnn"), hw::Shape{28, 28, 1}, hw::Init::HeUniform, rng);
    CHECK(cnn.parameter_count() == 857738);  // 832 + 51264 + 803072 + 2570
    CHECK(cnn.summary().find("conv1 5x5 s1 p2, 14x14x32 → 14x14x64") != std::string::npos);
    // Shapes that do not fit are refused while building, naming the layer.
    CHECK_THROWS_AS(hw::build_network(hw::NetSpec::parse("conv5x5x4,pool2,conv5x5x4,fc3"), hw::Shape{8, 8, 1},
                                      hw::Init::HeUniform, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(hw::build_network(hw::NetSpec::parse("pool3,fc3"), hw::Shape{2, 2, 1}, hw::Init::HeUniform, rng),
                    std::invalid_argument);
    CHECK_THROWS_AS(hw::build_network(hw::NetSpec::parse("fc3,conv3x3x1,fc2"), hw::Shape{8, 8, 1}, hw::Init::HeUniform, rng),
                    std::invalid_argument);  // a 3-vector is no image for a 3×3 kernel
}

TEST_CASE("\"relu,pool\" is built pool first, with the values and gradients of the written order") {
    // build_network runs a ReLU followed by a max-pool as the pool, then the ReLU, fused into
    // the pool of a ConvPool2D. The same weights in a network hand-built in the written order
    // must give the same logits and the same gradients, bit for bit: each value is either passed
    // on or zeroed, in either order. Inputs centred on 0 give windows whose maxima are negative
    // (the ReLU zeroes them). 6 channels take the AVX-512 pool's vector backward, 20 the loop.
    for (const std::string& method : conv_methods())
        for (int channels : {6, 20}) {
            ConvMethodScope route(method);
            CAPTURE(method);
            CAPTURE(channels);
            hw::Rng rng(31);
            const std::string line = "conv3x3x" + std::to_string(channels) + "p1,relu,pool2,fc3";
            hw::Sequential built = hw::build_network(hw::NetSpec::parse(line), hw::Shape{6, 6, 2}, hw::Init::HeNormal, rng);
            const std::string summary = built.summary();
            CHECK(summary.find("maxpool") < summary.find("relu"));
            CHECK(built.size() == 3);  // conv·pool·relu, flatten, fc
            CHECK(built.config() == "net=" + line + " input=6x6x2");  // the model file keeps the text
            hw::ConvGeometry g;
            g.input = {6, 6, 2};
            g.kernel_h = g.kernel_w = 3;
            g.pad = 1;
            g.out_channels = channels;
            hw::Sequential written(hw::Shape{6, 6, 2});
            auto conv = std::make_unique<hw::Conv2D>(g);
            const std::vector<hw::Param> built_params = built.params();
            conv->weights() = built_params[0].value->clone();
            conv->bias() = built_params[1].value->clone();
            written.add(std::move(conv));
            written.add(std::make_unique<hw::Relu>());
            written.add(std::make_unique<hw::MaxPool2D>(hw::ImageShape{6, 6, channels}, 2));
            written.add(std::make_unique<hw::Flatten>(hw::ImageShape{3, 3, channels}));
            auto dense = std::make_unique<hw::Dense>(9 * channels, 3);
            written.add(std::move(dense));
            std::vector<hw::Param> written_params = written.params();
            REQUIRE(written_params.size() == built_params.size());
            for (std::size_t i = 2; i < written_params.size(); ++i) *written_params[i].value = built_params[i].value->clone();
            const Matrix X = random_matrix(4, 72, rng);
            const Matrix a = built.forward(X, true).clone(), b = written.forward(X, true).clone();
            REQUIRE(a.size() == b.size());
            CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
            const Matrix dlogits = random_matrix(4, 3, rng);
            built.backward(dlogits);
            written.backward(dlogits);
            for (std::size_t i = 0; i < built_params.size(); ++i) {
                CAPTURE(built_params[i].name);
                const Matrix& ga = *built_params[i].grad;
                const Matrix& gb = *written_params[i].grad;
                CHECK(std::memcmp(ga.data(), gb.data(), ga.size() * sizeof(float)) == 0);
            }
        }
}

TEST_CASE("Whole-network gradient check: conv, relu, pool, conv, flatten, dense with cross-entropy") {
    // Loss = mean cross-entropy of 2 images; every parameter against central differences.
    // The network is piecewise linear (ReLU, max), so h must stay small enough not to cross a
    // kink or swap an argmax: h = 1e-2 with a float forward gives relative errors ~1e-4…1e-3;
    // the bound 2e-2 still sits far below a wrong gradient's O(1) and allows the odd entry whose
    // difference straddles a kink.
    hw::Rng rng(8);
    hw::Sequential net = hw::build_network(hw::NetSpec::parse("conv3x3x3p1,relu,pool2,conv3x3x4s2p1,sigmoid,fc3"),
                                           hw::Shape{6, 6, 2}, hw::Init::HeNormal, rng);
    for (hw::Param& p : net.params())
        if (!p.is_weight) p.value->fill_uniform(rng, -0.2f, 0.2f);
    const Matrix X = random_matrix(2, 72, rng);
    const std::vector<std::uint8_t> y = {1, 2};
    hw::SoftmaxCrossEntropy ce;
    auto loss = [&] { return ce.forward(net.forward(X, true), y); };
    loss();
    Matrix dlogits;
    ce.backward(dlogits);
    net.backward(dlogits);
    int checked = 0;
    for (hw::Param& p : net.params()) {
        CAPTURE(p.name);
        const Matrix analytic = p.grad->clone();
        CHECK(max_gradient_error(*p.value, analytic, loss, 1e-2f) < 2e-2);
        ++checked;
    }
    CHECK(checked == 6);
}

TEST_CASE("A small CNN learns bars it can only tell apart by local structure") {
    const hw::LabeledSet data = bars(600, 9);
    hw::Rng rng(10);
    hw::Sequential net = hw::build_network(hw::NetSpec::parse("conv3x3x4p1,relu,pool2,fc3"), hw::Shape{8, 8, 1},
                                           hw::Init::HeUniform, rng);
    hw::TrainOptions o;
    o.epochs = 15;
    o.batch = 32;
    o.lr = 3e-3f;
    o.val_fraction = 0.25;
    o.progress = false;
    const hw::History h = hw::train(net, data, o);
    CHECK(h.epochs.back().val_accuracy > 0.97);
    CHECK(h.epochs.back().gemm_flops > 0);  // the convolution's GEMMs are counted
}

TEST_CASE("One seeded training step of a CNN is bit-identical at 1 and 2 threads") {
    const hw::LabeledSet data = bars(256, 11);
    auto run = [&](const std::string& line, int threads) {
        hw::Rng rng(12);
        hw::Sequential net = hw::build_network(hw::NetSpec::parse(line), hw::Shape{8, 8, 1}, hw::Init::HeUniform, rng);
        hw::TrainOptions o;
        o.epochs = 1;
        o.batch = 256;  // one step
        o.val_fraction = 0;
        o.threads = threads;
        o.progress = false;
        hw::train(net, data, o);
        std::vector<float> out;
        for (const hw::Param& p : net.params()) out.insert(out.end(), p.value->data(), p.value->data() + p.value->size());
        return out;
    };
    // Wide enough for sgemm and the copy loops to split their work over two threads. In the
    // first, the 1-channel first layer and the 6-channel third one take the direct path's
    // narrow channel tiles, and the 32-channel second one has a dW too large for a copy per
    // part of the deal (288 × 32 floats), which the threads split by blocks; the others sum
    // one copy per part. In the second, the 1-channel, 6-kernel first layer takes the
    // expanded rows.
    for (const std::string line : {"conv3x3x32p1,relu,conv3x3x32p1,relu,conv5x5x6p2,relu,pool2,conv3x3x64p1,relu,fc3",
                                   "conv5x5x6p2,relu,pool2,conv3x3x16p1,relu,fc3"})
        for (const std::string& method : conv_methods()) {
            ConvMethodScope route(method);
            CAPTURE(line);
            CAPTURE(method);
            const std::vector<float> one = run(line, 1), two = run(line, 2);
            REQUIRE(one.size() == two.size());
            CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
        }
    hw::set_gemm_threads(0);
}

TEST_CASE("CNN save → load gives identical predictions; the kernels are stored 4-D") {
    TempDir dir;
    hw::Rng rng(13);
    hw::Sequential net = hw::build_network(hw::NetSpec::parse("conv3x3x4p1,relu,pool2,dropout0.25,fc5,relu,fc3"),
                                           hw::Shape{8, 8, 1}, hw::Init::HeUniform, rng);
    for (hw::Param& p : net.params()) p.value->fill_uniform(rng, -1, 1);
    const Matrix X = bars(37, 14).images.clone();
    const Matrix before = net.predict_proba(X, 10);
    net.save(dir.file("cnn.hwm"));
    hw::Sequential loaded = hw::Sequential::load(dir.file("cnn.hwm"));
    CHECK(loaded.config() == net.config());
    const Matrix after = loaded.predict_proba(X, 7);
    REQUIRE(after.size() == before.size());
    CHECK(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0);
    const hw::ModelFile raw = hw::load_model(dir.file("cnn.hwm"));
    CHECK(raw.kind == "cnn");
    CHECK(raw.get("conv0.W", {4, 3, 3, 1}).size() == 36);
    CHECK(raw.get("dense0.W", {64, 5}).size() == 320);
}

TEST_CASE("A corrupted or mismatched CNN model file is rejected with a clear message") {
    TempDir dir;
    hw::Rng rng(15);
    const hw::NetSpec spec = hw::NetSpec::parse("conv3x3x4p1,relu,pool2,fc3");
    hw::Sequential net = hw::build_network(spec, hw::Shape{8, 8, 1}, hw::Init::HeUniform, rng);
    net.save(dir.file("good.hwm"));
    auto error_of = [](const std::string& path) {
        try {
            hw::Sequential::load(path);
        } catch (const hw::ModelFileError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    auto write = [&](const std::string& name, const std::string& kind, const std::string& config) {
        hw::ModelFile f = hw::load_model(dir.file("good.hwm"));
        f.kind = kind;
        f.config = config;
        hw::save_model(dir.file(name), f);
        return dir.file(name);
    };
    Bytes flipped = read_bytes(dir.file("good.hwm"));
    flipped[flipped.size() / 2] ^= 0x10;
    write_bytes(dir.file("flipped.hwm"), flipped);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {dir.file("flipped.hwm"), "checksum"},
        {write("kind.hwm", "rnn", net.config()), "'rnn' model"},
        {write("net.hwm", "cnn", "net=conv3x3x4p1,relu,pool2,fc3"), "bad config"},         // no input=
        {write("item.hwm", "cnn", "net=conv3x3x4q1,fc3 input=8x8x1"), "unknown layer"},
        {write("kernel.hwm", "cnn", "net=conv5x5x4p2,relu,pool2,fc3 input=8x8x1"), "'conv0.W' is 4x3x3x1, expected 4x5x5x1"},
        {write("input.hwm", "cnn", "net=conv3x3x4p1,relu,pool2,fc3 input=10x10x1"), "dense0.W"},
        {write("extra.hwm", "cnn", "net=conv3x3x4p1,relu,pool2,fc5,fc3 input=8x8x1"), "tensors"},
    };
    for (const auto& [path, fragment] : cases) {
        const std::string msg = error_of(path);
        CAPTURE(msg);
        CHECK(msg.find(fragment) != std::string::npos);
        CHECK(msg.find(path) != std::string::npos);
    }
    hw::Sequential hand_built(hw::Shape{4});
    hand_built.add(std::make_unique<hw::Relu>());
    CHECK_THROWS_AS(hand_built.save(dir.file("hand.hwm")), hw::ModelFileError);
}

// ---------------------------------------------------------------- model file version 2

TEST_CASE("Model file version 2 keeps a 4-D kernel's dims; version 1 files still load") {
    TempDir dir;
    hw::Rng rng(6);
    hw::ModelFile m;
    m.kind = "cnn";
    m.config = "net=conv3x3x2 input=5x5x1";
    m.tensors.emplace_back("conv0.W", random_matrix(2, 9, rng), std::vector<std::uint64_t>{2, 3, 3, 1});
    m.tensors.emplace_back("conv0.b", random_matrix(1, 2, rng), std::vector<std::uint64_t>{2});
    hw::save_model(dir.file("v2.hwm"), m);
    const Bytes bytes = read_bytes(dir.file("v2.hwm"));
    CHECK(bytes[7] == '2');
    // 8 magic + (4+3) + (4+25) + 4 count + W: (4+7) + 4 rank + 4·8 dims + 18·4 + b: (4+7) + 4 + 8 + 2·4 + 8.
    CHECK(bytes.size() == 8 + 7 + 29 + 4 + 11 + 4 + 32 + 72 + 11 + 4 + 8 + 8 + 8);
    const hw::ModelFile back = hw::load_model(dir.file("v2.hwm"));
    REQUIRE(back.tensors.size() == 2);
    CHECK(back.tensors[0].dims == std::vector<std::uint64_t>{2, 3, 3, 1});
    const Matrix& W = back.get("conv0.W", {2, 3, 3, 1});
    CHECK(W.rows() == 2);
    CHECK(W.cols() == 9);
    CHECK(std::memcmp(W.data(), m.tensors[0].value.data(), 18 * sizeof(float)) == 0);
    CHECK(back.get("conv0.b", {2}).cols() == 2);
    try {
        back.get("conv0.W", {2, 1, 3, 3});
        FAIL("a kernel of other dims was accepted");
    } catch (const hw::ModelFileError& e) {
        CHECK(std::string(e.what()).find("'conv0.W' is 2x3x3x1, expected 2x1x3x3") != std::string::npos);
    }
    // A version-1 file (chapters 09–11) loads, its tensors seen as {rows, cols}.
    hw::ModelFile old;
    old.kind = "mlp";
    old.config = "layers=3,2 activation=relu";
    old.tensors.emplace_back("dense0.W", random_matrix(3, 2, rng));
    hw::save_model(dir.file("v1.hwm"), old, 1);
    CHECK(read_bytes(dir.file("v1.hwm"))[7] == '1');
    const hw::ModelFile old_back = hw::load_model(dir.file("v1.hwm"));
    CHECK(old_back.get("dense0.W", 3, 2).size() == 6);
    CHECK(old_back.get("dense0.W", {3, 2}).size() == 6);
    CHECK_THROWS_AS(hw::save_model(dir.file("no.hwm"), m, 1), hw::ModelFileError);  // 4-D needs version 2
}

TEST_CASE("Model file version 2: a corrupt rank or dimension is refused before allocating") {
    TempDir dir;
    hw::ModelFile m;
    m.kind = "cnn";
    m.config = "net=conv3x3x1";
    m.tensors.emplace_back("t", Matrix(2, 3, 1.0f), std::vector<std::uint64_t>{2, 3});
    hw::save_model(dir.file("m.hwm"), m);
    const Bytes good = read_bytes(dir.file("m.hwm"));
    const std::size_t rank_at = 8 + (4 + 3) + (4 + 13) + 4 + (4 + 1);
    for (std::uint32_t rank : {0u, 9u}) {
        Bytes b = good;
        std::memcpy(&b[rank_at], &rank, 4);
        write_bytes(dir.file("rank.hwm"), b);
        const std::string msg = model_error(dir.file("rank.hwm"));
        CAPTURE(msg);
        std::string expected = "'t' has rank ";
        expected += std::to_string(rank);
        CHECK(msg.find(expected) != std::string::npos);
    }
    Bytes b = good;
    const std::uint64_t huge = 1ull << 40;
    std::memcpy(&b[rank_at + 4], &huge, 8);
    std::memcpy(&b[rank_at + 12], &huge, 8);  // 2^80 floats: overflows
    write_bytes(dir.file("huge.hwm"), b);
    const std::string msg = model_error(dir.file("huge.hwm"));
    CAPTURE(msg);
    CHECK(msg.find("corrupt") != std::string::npos);
    CHECK(msg.find("'t'") != std::string::npos);
}

}  // TEST_SUITE
