// test_tutorials.cpp — what the five tutorials need beyond chapters 08–11: the gzip reader and
// the 8×8 digits loader (on files the tests write), the 20×20 resampling, row subsets, mean
// squared error on sigmoid outputs, full-batch training and N(0, σ) initialisation.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/flag_table.hpp"
#include "handwritten/app/toolbox_run.hpp"
#include "handwritten/app/tutorials.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/data/datasets.hpp"
#include "handwritten/data/digits.hpp"
#include "handwritten/data/gzip.hpp"
#include "handwritten/data/resample.hpp"
#include "handwritten/data/subset.hpp"
#include "handwritten/nn/loss.hpp"
#include "handwritten/nn/normal_init.hpp"
#include "handwritten/nn/sequential.hpp"
#include "handwritten/nn/sigmoid_mse.hpp"
#include "handwritten/nn/sigmoid_network.hpp"
#include "handwritten/train/trainer.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using hw::Matrix;

namespace {

using hw_test::TempDir;
using hw_test::write_bytes;

// The 12-row CSV both embedded streams below hold: cell j of row i is (7i + 3j) mod 17, the
// label i mod 10 — so cell values run over 0..16, the whole legal range.
std::string sample_csv() {
    std::string text;
    for (int i = 0; i < 12; ++i) {
        for (int j = 0; j < 64; ++j) text += std::to_string((i * 7 + j * 3) % 17) + ",";
        text += std::to_string(i % 10) + "\n";
    }
    return text;
}

// sample_csv() compressed at level 9, once with the fixed Huffman code (block type 1) and once
// with a dynamic one (block type 2): the two coded kinds of DEFLATE block.
const Bytes kFixedGz = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x33, 0xd0, 0x31, 0xd6, 0x31, 0xd3,
    0xb1, 0xd4, 0x31, 0x34, 0xd2, 0x31, 0x34, 0xd5, 0x31, 0xd4, 0x31, 0xd1, 0x31, 0xd7, 0x31, 0x34,
    0xd0, 0x31, 0x34, 0xd6, 0x31, 0x34, 0xd3, 0x31, 0xd2, 0x31, 0xd5, 0xb1, 0xd0, 0x31, 0x34, 0xd4,
    0x31, 0x34, 0xd1, 0x31, 0xa0, 0xb7, 0x42, 0x03, 0xae, 0xc1, 0xe2, 0x12, 0x2c, 0x0a, 0xb9, 0x06,
    0x89, 0x3b, 0xb0, 0x2a, 0xe4, 0x1a, 0x3c, 0x91, 0x88, 0xae, 0xd0, 0x98, 0x6b, 0xf0, 0xc4, 0x21,
    0x86, 0x42, 0x13, 0xae, 0xc1, 0x94, 0xfe, 0x51, 0x15, 0x9a, 0x72, 0x0d, 0xa6, 0xe4, 0x8f, 0xaa,
    0xd0, 0x8c, 0x6b, 0x90, 0x15, 0x1d, 0xc8, 0x0a, 0xcd, 0xb9, 0x06, 0x57, 0xc9, 0x81, 0xa4, 0xd0,
    0x82, 0x6b, 0xf0, 0x95, 0xba, 0x08, 0x85, 0x96, 0x5c, 0x83, 0xad, 0xd0, 0x85, 0x2b, 0x34, 0xe0,
    0x1a, 0x8c, 0x15, 0x16, 0x4c, 0x21, 0x17, 0x00, 0x29, 0x00, 0x11, 0x62, 0x54, 0x07, 0x00, 0x00};
const Bytes kDynamicGz = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcd, 0xd5, 0x3b, 0x0e, 0x83, 0x50,
    0x10, 0x43, 0xd1, 0xde, 0x6b, 0xb9, 0xc5, 0x98, 0xf7, 0x01, 0xf6, 0xbf, 0x31, 0xaa, 0x04, 0x48,
    0xa8, 0x91, 0xfb, 0x53, 0x58, 0x1a, 0xcb, 0x53, 0x34, 0x26, 0x3b, 0x5e, 0xf0, 0xc0, 0x74, 0x56,
    0x5c, 0xb8, 0xe1, 0xc9, 0xc2, 0x60, 0xc3, 0xc6, 0x9d, 0x7a, 0x1b, 0x96, 0x52, 0x92, 0x3c, 0x40,
    0x85, 0xe4, 0x78, 0x84, 0xca, 0x39, 0xe2, 0x2f, 0x6c, 0xca, 0xb9, 0xe1, 0x1f, 0xec, 0x4a, 0xea,
    0xff, 0x1d, 0x0e, 0x25, 0xd5, 0xff, 0x0e, 0xa7, 0xc2, 0xa6, 0xe3, 0x0a, 0x57, 0x65, 0x2d, 0xc7,
    0x05, 0x6e, 0xca, 0x5b, 0xdd, 0x13, 0xee, 0x4a, 0x1b, 0xdd, 0x2f, 0x2c, 0x25, 0x3e, 0xac, 0x0f,
    0xd4, 0x01, 0x29, 0x00, 0x11, 0x62, 0x54, 0x07, 0x00, 0x00};

// A gzip member holding `data` in one stored (uncompressed) block, built by hand.
Bytes stored_gzip(const std::string& data) {
    Bytes b = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x01};  // header; final stored block
    const auto n = std::uint16_t(data.size());
    for (std::uint16_t v : {n, std::uint16_t(~n)}) b.push_back(std::uint8_t(v)), b.push_back(std::uint8_t(v >> 8));
    b.insert(b.end(), data.begin(), data.end());
    const std::uint32_t crc = hw::crc32(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(crc >> (8 * i)));
    for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(data.size() >> (8 * i)));
    return b;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
// Checks that `text` contains `part`, and prints the text when it does not.
#define CHECK_CONTAINS(text, part)                 \
    do {                                           \
        const std::string text_ = (text);          \
        CHECK_MESSAGE(contains(text_, part), text_); \
    } while (0)

std::string as_text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// The DataError message of read_digits on a directory holding exactly `file_bytes` as digits.csv.gz.
std::string digits_error(const Bytes& file_bytes) {
    TempDir dir;
    write_bytes(dir.file("digits.csv.gz"), file_bytes);
    try {
        hw::read_digits(dir.path.string());
    } catch (const hw::DataError& e) {
        return e.what();
    }
    return "";
}
std::string csv_error(const std::string& csv) { return digits_error(stored_gzip(csv)); }

// A valid row: 64 cells and a label.
std::string row(int cell_value, int label) {
    std::string r;
    for (int j = 0; j < 64; ++j) r += std::to_string(cell_value) + ",";
    return r + std::to_string(label) + "\n";
}

// Centre of mass along x (or y), in pixel units with pixel i covering [i, i+1).
double centre(const std::vector<float>& img, int h, int w, bool along_x) {
    double mass = 0, moment = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            mass += img[std::size_t(y * w + x)];
            moment += img[std::size_t(y * w + x)] * ((along_x ? x : y) + 0.5);
        }
    return moment / mass;
}
double mass_of(const std::vector<float>& img) {
    double m = 0;
    for (float v : img) m += v;
    return m;
}

hw::LabeledSet tiny_set(std::size_t n, std::size_t in, std::uint64_t seed) {
    hw::Rng rng(seed);
    hw::LabeledSet s;
    s.height = 1;
    s.width = int(in);
    s.images = Matrix(n, in);
    s.images.fill_uniform(rng, 0.0f, 1.0f);
    for (std::size_t i = 0; i < n; ++i) s.labels.push_back(std::uint8_t(i % 3));
    return s;
}

std::vector<float> weights_of(hw::Sequential& net) {
    std::vector<float> w;
    for (const hw::Param& p : net.params()) w.insert(w.end(), p.value->data(), p.value->data() + p.value->size());
    return w;
}

}  // namespace

TEST_SUITE("tutorials") {

// ---------------------------------------------------------------- gzip

TEST_CASE("CRC-32 of the standard check string") {
    const std::string s = "123456789";
    CHECK(hw::crc32(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) == 0xcbf43926u);
}

TEST_CASE("gunzip decodes stored, fixed-Huffman and dynamic-Huffman blocks to the same text") {
    CHECK(kFixedGz[10] % 8 == 2 * 1 + 1);    // first block: final, type 1 (fixed)
    CHECK(kDynamicGz[10] % 8 == 2 * 2 + 1);  // first block: final, type 2 (dynamic)
    CHECK(as_text(hw::gunzip(kFixedGz, "fixed")) == sample_csv());
    CHECK(as_text(hw::gunzip(kDynamicGz, "dynamic")) == sample_csv());
    CHECK(as_text(hw::gunzip(stored_gzip(sample_csv()), "stored")) == sample_csv());
    // Two members back to back (what `cat a.gz b.gz` gives) decode one after the other.
    Bytes two = stored_gzip("ab");
    const Bytes second = stored_gzip("cd");
    two.insert(two.end(), second.begin(), second.end());
    CHECK(as_text(hw::gunzip(two, "two")) == "abcd");
}

TEST_CASE("gunzip rejects truncated and corrupt files with one line each") {
    for (std::size_t keep : {std::size_t(0), std::size_t(5), std::size_t(20), kDynamicGz.size() - 4,
                             kDynamicGz.size() - 1}) {
        const Bytes cut(kDynamicGz.begin(), kDynamicGz.begin() + std::ptrdiff_t(keep));
        CAPTURE(keep);
        CHECK_THROWS_WITH_AS(hw::gunzip(cut, "x.gz"), doctest::Contains("truncated"), hw::DataError);
    }
    Bytes bad_magic = kFixedGz;
    bad_magic[1] = 0x8c;
    CHECK_THROWS_WITH_AS(hw::gunzip(bad_magic, "x.gz"), doctest::Contains("magic"), hw::DataError);
    Bytes bad_crc = kFixedGz;
    bad_crc[bad_crc.size() - 8] ^= 1;  // first byte of the CRC in the trailer
    CHECK_THROWS_WITH_AS(hw::gunzip(bad_crc, "x.gz"), doctest::Contains("CRC"), hw::DataError);
    Bytes bad_block = stored_gzip("abc");
    bad_block[10] = 0x07;  // final block of type 3, which does not exist
    CHECK_THROWS_WITH_AS(hw::gunzip(bad_block, "x.gz"), doctest::Contains("block type"), hw::DataError);
    // Flipping any byte of the compressed data must never crash: it throws for a broken code, a
    // short stream, or other text that the CRC then rejects.
    for (std::size_t i = 10; i + 8 < kDynamicGz.size(); ++i) {
        Bytes flipped = kDynamicGz;
        flipped[i] ^= 0x5a;
        CHECK_THROWS_AS(hw::gunzip(flipped, "x.gz"), hw::DataError);
    }
}

// ---------------------------------------------------------------- the 8×8 digits loader

TEST_CASE("digits: a valid file gives N×64 images in [0, 1] and their labels") {
    TempDir dir;
    write_bytes(dir.file("digits.csv.gz"), kDynamicGz);
    const hw::LabeledSet set = hw::read_digits(dir.path.string());
    REQUIRE(set.size() == 12);
    CHECK(set.images.cols() == 64);
    CHECK(set.height == 8);
    CHECK(set.width == 8);
    CHECK(set.labels[11] == 1);
    CHECK(set.images(1, 2) == doctest::Approx((7 + 6) % 17 / 16.0));
    CHECK(set.images(0, 0) == 0.0f);
    bool saw_top = false;
    for (std::size_t i = 0; i < set.images.size(); ++i) saw_top |= set.images.data()[i] == 1.0f;
    CHECK(saw_top);  // 16 maps to exactly 1
}

TEST_CASE("digits: each malformed kind is one clear error naming the line") {
    CHECK(csv_error(row(3, 1) + row(16, 9)).empty());  // the largest legal values
    CHECK_MESSAGE(contains(csv_error(row(3, 1) + "1,2,3\n"), ":2: 3 fields, expected 65"), csv_error(row(3, 1) + "1,2,3\n"));
    CHECK_MESSAGE(contains(csv_error(row(3, 1) + "0," + row(3, 1)), ":2: more than 65 fields"), csv_error(row(3, 1) + "0," + row(3, 1)));
    std::string non_numeric = row(3, 1);
    non_numeric.replace(2, 1, "x");
    CHECK_MESSAGE(contains(csv_error(non_numeric), ":1: field 2 is 'x', not an integer"), csv_error(non_numeric));
    std::string fraction = row(3, 1);
    fraction.replace(0, 1, "3.5");
    CHECK_MESSAGE(contains(csv_error(fraction), "'3.5', not an integer"), csv_error(fraction));
    CHECK_MESSAGE(contains(csv_error(row(17, 1)), "cell 1 is 17, outside 0..16"), csv_error(row(17, 1)));  // the first bad value
    CHECK_MESSAGE(contains(csv_error(row(-1, 1)), "is -1, outside 0..16"), csv_error(row(-1, 1)));
    CHECK_MESSAGE(contains(csv_error(row(3, 10)), "label 10 is outside 0..9"), csv_error(row(3, 10)));
    CHECK_MESSAGE(contains(csv_error(row(3, -1)), "label -1"), csv_error(row(3, -1)));
    CHECK_MESSAGE(contains(csv_error(""), "no digits"), csv_error(""));
    const Bytes truncated(kDynamicGz.begin(), kDynamicGz.begin() + 60);
    CHECK_MESSAGE(contains(digits_error(truncated), "truncated gzip"), digits_error(truncated));
    TempDir empty;
    CHECK_THROWS_WITH_AS(hw::read_digits(empty.path.string()), doctest::Contains("make data-digits"), hw::DataError);
}

TEST_CASE("digits: the 80/20 split is seeded, disjoint and complete") {
    const hw::RowSplit a = hw::split_rows(1797, 0.2, 42), b = hw::split_rows(1797, 0.2, 42),
                       c = hw::split_rows(1797, 0.2, 43);
    CHECK(a.test.size() == 360);  // ceil(0.2 · 1797), as scikit-learn rounds
    CHECK(a.train.size() == 1437);
    CHECK(a.test == b.test);
    CHECK(a.test != c.test);
    std::set<std::size_t> all(a.train.begin(), a.train.end());
    all.insert(a.test.begin(), a.test.end());
    CHECK(all.size() == 1797);
}

TEST_CASE("digits: the real file, when `make data-digits` has fetched it") {
    if (!fs::exists("data/digits/digits.csv.gz")) {
        MESSAGE("data/digits/digits.csv.gz absent (make data-digits): skipped");
        return;
    }
    const hw::Mnist m = hw::load_digits("data/digits");
    CHECK(m.train.size() == 1437);
    CHECK(m.test.size() == 360);
    std::vector<int> counts(10, 0);
    for (auto l : m.train.labels) counts[l]++;
    for (auto l : m.test.labels) counts[l]++;
    CHECK(counts[0] == 178);  // scikit-learn's documented class sizes: 178 zeros ...
    CHECK(counts[9] == 180);  // ... and 180 nines
}

// ---------------------------------------------------------------- 20×20 resampling

TEST_CASE("fit_in_box keeps the ink's mass (× s²) and its centre of mass, on synthetic digits") {
    hw::Rng rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        // A random blob: three soft discs in a random sub-box of a 28×28 field.
        std::vector<float> img(28 * 28, 0.0f);
        const int x0 = int(rng.below(10)), y0 = int(rng.below(6)), w = 4 + int(rng.below(14)),
                  h = 10 + int(rng.below(12));
        for (int k = 0; k < 3; ++k) {
            const float cx = float(x0) + rng.uniform() * float(w), cy = float(y0) + rng.uniform() * float(h),
                        r = 1.5f + 3 * rng.uniform();
            for (int y = y0; y < y0 + h; ++y)
                for (int x = x0; x < x0 + w; ++x) {
                    const float d = std::hypot(float(x) + 0.5f - cx, float(y) + 0.5f - cy);
                    float& p = img[std::size_t(y * 28 + x)];
                    if (d < r) p = std::min(1.0f, p + 0.3f + 0.7f * (r - d) / r);
                }
        }
        if (mass_of(img) == 0) continue;
        int top = 28, bottom = -1, left = 28, right = -1;  // the ink's bounding box
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x)
                if (img[std::size_t(y * 28 + x)] > 0)
                    top = std::min(top, y), bottom = std::max(bottom, y), left = std::min(left, x),
                    right = std::max(right, x);
        const int bw = right - left + 1, bh = bottom - top + 1;
        const double s = 20.0 / std::max(bw, bh);
        std::vector<float> out(400);
        hw::fit_in_box(img.data(), 28, 28, out.data(), 20);
        CAPTURE(trial);
        // Mass: Σ out = s²·Σ in, up to float rounding (relative 1e-4).
        CHECK(mass_of(out) == doctest::Approx(s * s * mass_of(img)).epsilon(1e-4));
        // Centre of mass, mapped into the box: out = (in − edge)·s + offset. Area averaging keeps
        // the first moment exactly; measuring it on pixel centres moves it by less than half an
        // output pixel. Tolerance: 0.5 output pixel.
        const double off_x = (20 - bw * s) / 2, off_y = (20 - bh * s) / 2;
        CHECK(std::abs(centre(out, 20, 20, true) - ((centre(img, 28, 28, true) - left) * s + off_x)) < 0.5);
        CHECK(std::abs(centre(out, 20, 20, false) - ((centre(img, 28, 28, false) - top) * s + off_y)) < 0.5);
        // The longer side fills the box: ink in its first and its last row (or column).
        double first = 0, last = 0;
        for (int i = 0; i < 20; ++i)
            if (bh >= bw) first += out[std::size_t(i)], last += out[std::size_t(19 * 20 + i)];
            else first += out[std::size_t(i * 20)], last += out[std::size_t(i * 20 + 19)];
        CHECK(first > 0);
        CHECK(last > 0);
        for (float v : out) CHECK((v >= 0 && v <= 1));
    }
}

TEST_CASE("fit_in_box: a 20×20 square of ink is copied exactly; an empty image stays empty") {
    std::vector<float> img(28 * 28, 0.0f), out(400, 5.0f);
    hw::fit_in_box(img.data(), 28, 28, out.data(), 20);
    CHECK(mass_of(out) == 0);
    hw::Rng rng(3);
    for (int y = 4; y < 24; ++y)
        for (int x = 3; x < 23; ++x) img[std::size_t(y * 28 + x)] = 0.1f + 0.9f * rng.uniform();
    hw::fit_in_box(img.data(), 28, 28, out.data(), 20);
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 20; ++x)
            CHECK(out[std::size_t(y * 20 + x)] ==
                  doctest::Approx(img[std::size_t((y + 4) * 28 + x + 3)]).epsilon(1e-5));
}

TEST_CASE("balanced_subset: per_class rows of each class, seeded; complement_rows is the rest") {
    std::vector<std::uint8_t> labels;
    for (int i = 0; i < 1000; ++i) labels.push_back(std::uint8_t((i * 7) % 10));
    const auto a = hw::balanced_subset(labels, 50, 1234), b = hw::balanced_subset(labels, 50, 1234);
    CHECK(a == b);
    CHECK(a.size() == 500);
    std::vector<int> counts(10, 0);
    for (auto r : a) counts[labels[r]]++;
    for (int c : counts) CHECK(c == 50);
    const auto rest = hw::complement_rows(labels.size(), a);
    CHECK(rest.size() == 500);
    std::set<std::size_t> all(a.begin(), a.end());
    for (auto r : rest) CHECK(all.insert(r).second);  // disjoint
    CHECK(all.size() == 1000);
    CHECK_THROWS_AS(hw::balanced_subset(labels, 101, 1), hw::DataError);  // only 100 per class
    CHECK_THROWS_WITH_AS(hw::load_dataset("/nonexistent", "mnist21"), doctest::Contains("unknown dataset"),
                         hw::DataError);
}

// ---------------------------------------------------------------- mean squared error

TEST_CASE("Sigmoid MSE: value and gradient against central differences") {
    hw::Rng rng(11);
    Matrix z(5, 4);
    z.fill_normal(rng, 0.0f, 2.0f);
    const std::vector<std::uint8_t> y = {0, 3, 1, 2, 3};
    hw::SigmoidMse loss;
    const double value = loss.forward(z, y);
    double expected = 0;
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t j = 0; j < 4; ++j) {
            const double o = 1 / (1 + std::exp(-double(z(r, j)))), t = j == y[r] ? 1 : 0;
            expected += (o - t) * (o - t) / 20.0;  // mean over the B·C = 20 entries
        }
    CHECK(value == doctest::Approx(expected).epsilon(1e-6));
    Matrix dz;
    loss.backward(dz);
    REQUIRE(dz.rows() == 5);
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t j = 0; j < 4; ++j) {
            const float saved = z(r, j), h = 1e-2f;
            z(r, j) = saved + h;
            const double up = hw::SigmoidMse().forward(z, y);
            z(r, j) = saved - h;
            const double down = hw::SigmoidMse().forward(z, y);
            z(r, j) = saved;
            // Central differences: truncation error O(h²) ≈ 1e-5 of the slope, plus float rounding
            // of the loss (1e-7 / 2h ≈ 1e-5): tolerance 1% or 1e-4 absolute.
            CHECK(dz(r, j) == doctest::Approx((up - down) / (2 * h)).epsilon(1e-2).scale(1e-2));
        }
    CHECK_THROWS_AS(loss.forward(z, std::vector<std::uint8_t>{0, 1, 2, 3, 4}), std::invalid_argument);  // 4 of 4
    CHECK(hw::make_loss("mse")->name() == "mse");
    CHECK(hw::make_loss("cross-entropy")->name() == "cross-entropy");
    CHECK_THROWS_AS(hw::make_loss("hinge"), std::invalid_argument);
}

// ---------------------------------------------------------------- full batch, N(0, σ)

TEST_CASE("Full batch (batch 0) equals one batch of the whole set, for MSE and cross-entropy") {
    const hw::LabeledSet data = tiny_set(37, 6, 5);
    for (const char* loss : {"mse", "cross-entropy"}) {
        CAPTURE(loss);
        hw::MlpSpec spec;
        spec.sizes = {6, 5, 3};
        spec.activation = "sigmoid";
        hw::Rng r1(9), r2(9);
        hw::Sequential a(spec, r1), b(spec, r2);
        hw::TrainOptions o;
        o.epochs = 3;
        o.val_fraction = 0;
        o.progress = false;
        o.optimizer.name = "sgd";
        o.lr = 0.5f;
        o.loss = loss;
        o.batch = 0;
        const hw::History ha = hw::train(a, data, o);
        o.batch = 37;
        const hw::History hb = hw::train(b, data, o);
        CHECK(weights_of(a) == weights_of(b));
        CHECK(ha.epochs.back().train_loss == hb.epochs.back().train_loss);
        CHECK(ha.epochs.front().train_loss > ha.epochs.back().train_loss);  // it does learn
    }
    hw::TrainOptions bad;
    bad.batch = -1;
    hw::MlpSpec spec;
    spec.sizes = {6, 3};
    hw::Rng rng(1);
    hw::Sequential net(spec, rng);
    CHECK_THROWS_AS(hw::train(net, data, bad), std::invalid_argument);
}

TEST_CASE("MSE training on sigmoid outputs lowers the MSE; evaluate reports it") {
    const hw::LabeledSet data = tiny_set(60, 6, 8);
    hw::MlpSpec spec;
    spec.sizes = {6, 8, 3};
    spec.activation = "sigmoid";
    hw::Rng rng(2);
    hw::Sequential net(spec, rng);
    const hw::LossAccuracy before = hw::evaluate(net, data.images, data.labels, 0, 60, 1000, "mse");
    hw::TrainOptions o;
    o.epochs = 50;
    o.val_fraction = 0;
    o.progress = false;
    o.loss = "mse";
    o.batch = 0;
    o.optimizer.name = "sgd";
    o.lr = 2.0f;
    hw::train(net, data, o);
    const hw::LossAccuracy after = hw::evaluate(net, data.images, data.labels, 0, 60, 1000, "mse");
    CHECK(after.loss < before.loss);
    CHECK(before.loss < 0.5);  // σ outputs against one-hot targets: every squared error is < 1
}

TEST_CASE("init_normal: weights N(0, σ²) with the σ asked for; biases only when asked") {
    hw::MlpSpec spec;
    spec.sizes = {400, 300, 10};
    hw::Rng rng(4);
    hw::Sequential net(spec, rng);
    hw::init_normal(net, 0.01f, /*bias_sigma=*/0, rng);
    for (const hw::Param& p : net.params()) {
        double sum = 0, sq = 0;
        const std::size_t n = p.value->size();
        for (std::size_t i = 0; i < n; ++i) {
            const double v = p.value->data()[i];
            sum += v, sq += v * v;
        }
        if (!p.is_weight) {
            CHECK(sq == 0);  // biases untouched (zero)
            continue;
        }
        const double sd = std::sqrt(sq / double(n) - (sum / double(n)) * (sum / double(n)));
        CHECK(sd == doctest::Approx(0.01).epsilon(0.05));  // ≥ 3000 draws: within 5%
    }
    hw::init_normal(net, 1.0f, /*bias_sigma=*/1.0f, rng);
    double bias_sq = 0;
    for (const hw::Param& p : net.params())
        if (!p.is_weight)
            for (std::size_t i = 0; i < p.value->size(); ++i) bias_sq += double(p.value->data()[i]) * p.value->data()[i];
    CHECK(bias_sq > 100);  // 310 biases from N(0, 1): Σ b² ≈ 310
}

// ---------------------------------------------------------------- presets

TEST_CASE("expand_tutorial: the preset's flags first, the user's after; unknown or misplaced IDs refused") {
    std::string error;
    const std::vector<std::string> plain = {"11-better-training", "--epochs", "3"};
    CHECK(hw::expand_tutorial(plain, "11-better-training", error) == plain);
    CHECK(error.empty());
    for (const hw::Tutorial& t : hw::tutorials()) {
        CAPTURE(t.id);
        const auto out = hw::expand_tutorial({"prog", "--epochs", "2", "--tutorial", t.id}, t.program, error);
        CHECK(error.empty());
        REQUIRE(out.size() == 1 + t.args.size() + 2);
        CHECK(std::vector<std::string>(out.begin() + 1, out.end() - 2) == t.args);
        CHECK(out[out.size() - 2] == "--epochs");  // after the preset, so it wins
        CHECK(out.back() == "2");
        const auto inline_form = hw::expand_tutorial({"prog", "--tutorial=" + t.id}, t.program, error);
        CHECK(inline_form.size() == 1 + t.args.size());
        hw::expand_tutorial({"prog", "--tutorial", t.id}, t.program == "09-sigmoid-network" ? "11-better-training"
                                                                                           : "09-sigmoid-network", error);
        CHECK_CONTAINS(error, "runs on " + t.program);
    }
    CHECK(hw::tutorials().size() == 5);
    hw::expand_tutorial({"prog", "--tutorial", "T6"}, "11-better-training", error);
    CHECK_CONTAINS(error, "unknown tutorial 'T6'");
    hw::expand_tutorial({"prog", "--tutorial"}, "11-better-training", error);
    CHECK_CONTAINS(error, "needs a value");
    hw::ArgvView view({"prog", "--lr", "0.1"});
    REQUIRE(view.argc() == 3);
    CHECK(std::string(view.argv()[2]) == "0.1");
    CHECK(view.argv()[3] == nullptr);
}

TEST_CASE("each chapter-11 preset parses through the flag table and trains one step on data of its shape") {
    for (const hw::Tutorial& t : hw::tutorials()) {
        if (t.program != "11-better-training") continue;
        CAPTURE(t.id);
        hw::ToolboxSettings s;
        hw::FlagTable flags;
        hw::declare_toolbox_flags(flags, s);
        hw::Cli cli("11-better-training", "preset test");
        flags.add_to(cli);
        std::string error;
        hw::ArgvView args(hw::expand_tutorial({"11-better-training", "--tutorial", t.id, "--epochs", "1", "--quiet"},
                                              t.program, error));
        REQUIRE(error.empty());
        cli.parse(args.argc(), args.argv());  // a bad preset flag would exit 2 here, failing the suite
        CHECK(flags.range_error().empty());
        CHECK_NOTHROW(hw::check_toolbox_settings(s));
        CHECK(s.epochs == 1);
        // Synthetic images of the preset's input size, a handful per class: one epoch of the
        // preset's batch size (for T4 the full batch: exactly one step) must run and stay finite.
        const std::vector<int> sizes = hw::parse_int_list(s.layers);
        hw::Mnist data;
        data.dataset = s.dataset;
        data.train = tiny_set(90, std::size_t(sizes.front()), 3);
        for (std::size_t i = 0; i < data.train.size(); ++i) data.train.labels[i] = std::uint8_t(i % 10);
        data.test = tiny_set(20, std::size_t(sizes.front()), 4);
        const hw::ToolboxRun r = hw::train_with_toolbox(s, data, /*verbose=*/false);
        REQUIRE(r.history.epochs.size() == 1);
        CHECK(std::isfinite(r.history.epochs[0].train_loss));
        CHECK(r.net.input_size() == sizes.front());
        if (t.id == "T4") {
            CHECK(s.batch == 0);
            CHECK(s.loss == "mse");
            CHECK(r.net.spec().activation == "sigmoid");
        }
        if (t.id == "T5") CHECK(s.init_sigma == doctest::Approx(0.01));
        if (t.id == "T3") CHECK(s.dataset == "mnist20-5000");
    }
}

TEST_CASE("the T2 preset (chapter 09) describes a network that trains one sample") {
    const hw::Tutorial& t2 = hw::tutorials()[1];
    REQUIRE(t2.id == "T2");
    auto value = [&](const std::string& flag) {
        for (std::size_t i = 0; i + 1 < t2.args.size(); ++i)
            if (t2.args[i] == flag) return t2.args[i + 1];
        return std::string();
    };
    hw::SigmoidNetworkConfig config;
    config.hidden = std::stoi(value("--hidden"));
    config.bias = value("--bias") == "on";
    config.init = value("--init");
    CHECK(config.hidden == 100);
    CHECK_FALSE(config.bias);
    CHECK(value("--train-scale") == "25");
    hw::Rng rng(1);
    hw::SigmoidNetwork net(config, rng);
    std::vector<float> x(784, 0.0f);
    for (int i = 300; i < 400; ++i) x[std::size_t(i)] = 255.0f / 25.0f;  // a training pixel of 255, divided by 25
    const float before = net.train_sample(x.data(), 3, std::stof(value("--lr")));
    const float after = net.train_sample(x.data(), 3, std::stof(value("--lr")));
    CHECK(after < before);
}

TEST_CASE("save_load_round_trip: the loaded network predicts bit-identically") {
    TempDir dir;
    hw::MlpSpec spec;
    spec.sizes = {6, 5, 3};
    hw::Rng rng(3);
    hw::Sequential net(spec, rng);
    const hw::LabeledSet probe = tiny_set(20, 6, 4);
    const hw::RoundTrip r = hw::save_load_round_trip(net, dir.file("sub/m.hwm"), probe.images);
    CHECK(r.identical);
    CHECK(r.rows_compared == 20);
    CHECK(r.file_bytes > (6 * 5 + 5 + 5 * 3 + 3) * sizeof(float));
}

TEST_CASE("epoch_line_due: the first, every N-th and the last epoch") {
    std::vector<int> due;
    for (int e = 1; e <= 1000; ++e)
        if (hw::epoch_line_due(e, 1000, 100)) due.push_back(e);
    CHECK(due.size() == 11);
    CHECK(due.front() == 1);
    CHECK(due[1] == 100);
    CHECK(due.back() == 1000);
    CHECK(hw::epoch_line_due(7, 9, 0));
}

}  // TEST_SUITE
