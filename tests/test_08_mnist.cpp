// test_08_mnist.cpp — the IDX reader, the model file format, the JSON writer and text art.
//
// None of these tests needs the real MNIST: each writes tiny files of its own into a fresh
// temporary directory, one per malformed case, and checks that the reader says what is wrong.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "handwritten/data/idx.hpp"
#include "handwritten/report/json.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/report/text_art.hpp"
#include "test_support.hpp"

using namespace hw_test;

namespace {

void put_be32(Bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// An IDX header followed by `payload`.
Bytes idx(std::uint8_t type, std::vector<std::uint32_t> dims, const Bytes& payload) {
    Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
    for (std::uint32_t d : dims) put_be32(b, d);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

// count images of 2×3 pixels: image i has pixel p = (i * 6 + p) * 5.
Bytes tiny_images(std::uint32_t count) {
    Bytes px;
    for (std::uint32_t i = 0; i < count * 6; ++i) px.push_back(static_cast<unsigned char>(i * 5));
    return idx(0x08, {count, 2, 3}, px);
}

Bytes tiny_labels(const Bytes& labels) {
    return idx(0x08, {static_cast<std::uint32_t>(labels.size())}, labels);
}

// The message of the hw::DataError thrown by f (fails the test when nothing is thrown).
template <class F>
std::string data_error(F f) {
    try {
        f();
    } catch (const hw::DataError& e) {
        return e.what();
    }
    FAIL("expected hw::DataError");
    return "";
}

template <class F>
std::string model_error(F f) {
    try {
        f();
    } catch (const hw::ModelFileError& e) {
        return e.what();
    }
    FAIL("expected hw::ModelFileError");
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void write_mnist_dir(const TempDir& dir, const Bytes& train_labels, const Bytes& test_labels) {
    write_bytes(dir.file("train-images-idx3-ubyte"), tiny_images(train_labels.size()));
    write_bytes(dir.file("train-labels-idx1-ubyte"), tiny_labels(train_labels));
    write_bytes(dir.file("t10k-images-idx3-ubyte"), tiny_images(test_labels.size()));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), tiny_labels(test_labels));
}

}  // namespace

TEST_SUITE("08-mnist") {

TEST_CASE("IDX: a valid image file is read and scaled to [0, 1]") {
    TempDir dir;
    write_bytes(dir.file("img"), tiny_images(3));
    hw::ImageSet set = hw::read_idx_images(dir.file("img"));
    CHECK(set.height == 2);
    CHECK(set.width == 3);
    REQUIRE(set.pixels.rows() == 3);
    REQUIRE(set.pixels.cols() == 6);
    for (int i = 0; i < 18; ++i)
        CHECK(set.pixels.data()[i] == doctest::Approx(i * 5 / 255.0).epsilon(1e-6));
    CHECK(set.pixels(2, 5) == doctest::Approx(85.0 / 255.0));
}

TEST_CASE("IDX: a valid label file is read byte for byte") {
    TempDir dir;
    write_bytes(dir.file("lab"), tiny_labels({7, 2, 1, 0, 9}));
    CHECK(hw::read_idx_labels(dir.file("lab")) == std::vector<std::uint8_t>{7, 2, 1, 0, 9});
}

TEST_CASE("IDX: load_mnist reads the four files of a directory") {
    TempDir dir;
    write_mnist_dir(dir, {3, 1, 4}, {1, 5});
    hw::Mnist m = hw::load_mnist(dir.path.string());
    CHECK(m.train.size() == 3);
    CHECK(m.test.size() == 2);
    CHECK(m.train.labels == std::vector<std::uint8_t>{3, 1, 4});
    CHECK(m.test.images.rows() == 2);
    CHECK(m.test.height == 2);
    CHECK(m.test.width == 3);
    CHECK(m.dataset == "mnist");
    CHECK(m.dir == dir.path.string());
}

TEST_CASE("IDX: a missing file says how to get the data") {
    TempDir dir;
    std::string msg = data_error([&] { hw::load_mnist(dir.path.string()); });
    CHECK(contains(msg, "train-images-idx3-ubyte"));
    CHECK(contains(msg, "make data"));
    CHECK(contains(msg, "--data DIR"));
    CHECK(contains(msg, "HW_DATA_DIR"));
    msg = data_error([&] { hw::load_mnist(dir.path.string(), "fashion"); });
    CHECK(contains(msg, "make data-fashion"));

    // Only the .gz is there: say to unpack it.
    write_bytes(dir.file("train-images-idx3-ubyte.gz"), {0x1f, 0x8b, 8, 0});
    msg = data_error([&] { hw::load_mnist(dir.path.string()); });
    CHECK(contains(msg, "gunzip"));

    msg = data_error([&] { hw::read_idx_images(dir.file("nope")); });
    CHECK(contains(msg, "nope: cannot open"));
    CHECK(contains(msg, "make data"));
}

TEST_CASE("IDX: a gzip file is recognised") {
    TempDir dir;
    write_bytes(dir.file("img"), {0x1f, 0x8b, 8, 0, 0, 0, 0, 0});
    CHECK(contains(data_error([&] { hw::read_idx_images(dir.file("img")); }), "gunzip"));
}

TEST_CASE("IDX: wrong magic") {
    TempDir dir;
    write_bytes(dir.file("img"), idx(0x09, {1, 2, 3}, Bytes(6, 0)));  // signed bytes
    const std::string msg = data_error([&] { hw::read_idx_images(dir.file("img")); });
    CHECK(contains(msg, "bad magic 0x00000903"));
    CHECK(contains(msg, "expected 0x00000803"));
    CHECK(contains(msg, dir.file("img")));
}

TEST_CASE("IDX: wrong number of dimensions") {
    TempDir dir;
    write_bytes(dir.file("lab"), tiny_labels({1, 2}));
    // A label file (1 dimension) passed as images (3 dimensions), and the reverse.
    CHECK(contains(data_error([&] { hw::read_idx_images(dir.file("lab")); }),
                   "has 1 dimensions, expected 3"));
    write_bytes(dir.file("img"), tiny_images(2));
    CHECK(contains(data_error([&] { hw::read_idx_labels(dir.file("img")); }),
                   "has 3 dimensions, expected 1"));
}

TEST_CASE("IDX: truncated files") {
    TempDir dir;
    Bytes b = tiny_images(3);
    b.resize(b.size() - 1);
    write_bytes(dir.file("img"), b);
    std::string msg = data_error([&] { hw::read_idx_images(dir.file("img")); });
    CHECK(contains(msg, "truncated"));
    CHECK(contains(msg, "3x2x3 = 18 bytes"));
    CHECK(contains(msg, "holds 17"));

    write_bytes(dir.file("short"), {0, 0, 8, 3, 0, 0});  // header cut in the middle
    CHECK(contains(data_error([&] { hw::read_idx_images(dir.file("short")); }), "truncated header"));
    write_bytes(dir.file("tiny"), {0, 0});
    CHECK(contains(data_error([&] { hw::read_idx_images(dir.file("tiny")); }), "too short"));
}

TEST_CASE("IDX: trailing bytes") {
    TempDir dir;
    Bytes b = tiny_labels({1, 2, 3});
    b.push_back(0);
    b.push_back(0);
    write_bytes(dir.file("lab"), b);
    CHECK(contains(data_error([&] { hw::read_idx_labels(dir.file("lab")); }),
                   "2 unexpected trailing bytes"));
}

TEST_CASE("IDX: zero dimensions") {
    TempDir dir;
    write_bytes(dir.file("img"), idx(0x08, {5, 0, 28}, {}));
    CHECK(contains(data_error([&] { hw::read_idx_images(dir.file("img")); }), "dimension 1 is zero"));
}

TEST_CASE("IDX: overflowing dimensions are refused without allocating") {
    TempDir dir;
    // 2^96 bytes claimed by a 16-byte file: the product overflows 64 bits.
    write_bytes(dir.file("img"), idx(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}));
    std::string msg = data_error([&] { hw::read_idx_images(dir.file("img")); });
    CHECK(contains(msg, "more than 2^64"));
    // Large but representable: 2^32·2^32 ≈ 1.8e19 bytes > 64-bit size of any file.
    write_bytes(dir.file("img2"), idx(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 1}, Bytes(4, 0)));
    msg = data_error([&] { hw::read_idx_images(dir.file("img2")); });
    CHECK(contains(msg, "truncated or corrupt"));
    CHECK(contains(msg, "the file holds 4"));
}

TEST_CASE("IDX: image and label counts must agree") {
    TempDir dir;
    write_mnist_dir(dir, {1, 2, 3}, {4, 5});
    write_bytes(dir.file("train-labels-idx1-ubyte"), tiny_labels({1, 2}));
    const std::string msg = data_error([&] { hw::load_mnist(dir.path.string()); });
    CHECK(contains(msg, "holds 3 images but"));
    CHECK(contains(msg, "holds 2 labels"));
}

TEST_CASE("IDX: labels above 9 are rejected") {
    TempDir dir;
    write_mnist_dir(dir, {1, 12, 3}, {4, 5});
    const std::string msg = data_error([&] { hw::load_mnist(dir.path.string()); });
    CHECK(contains(msg, "train-labels-idx1-ubyte: label 1 is 12, expected 0..9"));
}

TEST_CASE("IDX: data directory precedence and class names") {
    ::unsetenv("HW_DATA_DIR");
    CHECK(hw::resolve_data_dir("", "mnist") == "data/mnist");
    CHECK(hw::resolve_data_dir("", "fashion") == "data/fashion");
    ::setenv("HW_DATA_DIR", "/from/env", 1);
    CHECK(hw::resolve_data_dir("", "mnist") == "/from/env");
    CHECK(hw::resolve_data_dir("/from/flag", "mnist") == "/from/flag");
    ::unsetenv("HW_DATA_DIR");
    CHECK(hw::class_names("mnist")[7] == "7");
    CHECK(hw::class_names("fashion")[0] == "T-shirt");
    CHECK(hw::class_names("fashion")[9] == "Ankle boot");
    CHECK(contains(data_error([] { hw::load_mnist("x", "cifar"); }), "unknown dataset 'cifar'"));
}

// ------------------------------------------------------------------ model files

namespace {

hw::ModelFile sample_model() {
    hw::ModelFile m;
    m.kind = "sigmoid-mlp";
    m.config = "layers=3,2";
    m.tensors.push_back({"W", hw::Matrix::from_rows({{1.5f, -2.0f}, {0.25f, 3.0f}, {-0.0f, 7.0f}})});
    m.tensors.push_back({"b", hw::Matrix::from_rows({{0.125f, -1e-8f}})});
    m.tensors.back().value(0, 1) = std::numeric_limits<float>::denorm_min();
    return m;
}

}  // namespace

TEST_CASE("model file: save then load gives back identical tensors") {
    TempDir dir;
    const hw::ModelFile m = sample_model();
    hw::save_model(dir.file("m.hwm"), m, 1);  // version 1: the layout below (chapter 12 adds version 2)
    const hw::ModelFile back = hw::load_model(dir.file("m.hwm"));
    CHECK(back.kind == "sigmoid-mlp");
    CHECK(back.config == "layers=3,2");
    REQUIRE(back.tensors.size() == 2);
    const hw::Matrix& W = back.get("W", 3, 2);
    CHECK(std::memcmp(W.data(), m.tensors[0].value.data(), 6 * sizeof(float)) == 0);
    CHECK(std::signbit(W(2, 0)));  // -0.0 stays -0.0: the bits are copied, not printed
    CHECK(back.get("b", 1, 2)(0, 1) == std::numeric_limits<float>::denorm_min());
    // Size: 8 magic + (4+11) + (4+10) + 4 + (4+1+16+24) + (4+1+16+8) + 8 checksum.
    CHECK(read_bytes(dir.file("m.hwm")).size() == 8 + 15 + 14 + 4 + 45 + 29 + 8);
    CHECK(!fs::exists(dir.file("m.hwm.tmp")));
}

TEST_CASE("model file: a flipped byte fails the checksum") {
    TempDir dir;
    hw::save_model(dir.file("m.hwm"), sample_model(), 1);
    Bytes b = read_bytes(dir.file("m.hwm"));
    b[8 + 15 + 14 + 4 + 4 + 1 + 16 + 5] ^= 0x01;  // inside W's floats
    write_bytes(dir.file("m.hwm"), b);
    const std::string msg = model_error([&] { hw::load_model(dir.file("m.hwm")); });
    CHECK(contains(msg, "checksum mismatch"));
    CHECK(contains(msg, dir.file("m.hwm")));
}

TEST_CASE("model file: truncated") {
    TempDir dir;
    hw::save_model(dir.file("m.hwm"), sample_model());
    Bytes b = read_bytes(dir.file("m.hwm"));
    b.resize(b.size() - 12);
    write_bytes(dir.file("m.hwm"), b);
    CHECK(contains(model_error([&] { hw::load_model(dir.file("m.hwm")); }), "truncated"));
    write_bytes(dir.file("m.hwm"), Bytes(b.begin(), b.begin() + 10));
    CHECK(contains(model_error([&] { hw::load_model(dir.file("m.hwm")); }), "truncated"));
}

TEST_CASE("model file: wrong magic, wrong version, missing file") {
    TempDir dir;
    hw::save_model(dir.file("m.hwm"), sample_model());
    Bytes b = read_bytes(dir.file("m.hwm"));
    Bytes bad = b;
    bad[0] = 'X';
    write_bytes(dir.file("magic.hwm"), bad);
    CHECK(contains(model_error([&] { hw::load_model(dir.file("magic.hwm")); }), "bad magic"));
    bad = b;
    bad[7] = '3';  // versions 1 and 2 exist
    write_bytes(dir.file("version.hwm"), bad);
    CHECK(contains(model_error([&] { hw::load_model(dir.file("version.hwm")); }),
                   "unsupported format version '3'"));
    CHECK(contains(model_error([&] { hw::load_model(dir.file("absent.hwm")); }), "cannot open"));
}

TEST_CASE("model file: absurd tensor sizes are refused before allocating") {
    TempDir dir;
    hw::save_model(dir.file("m.hwm"), sample_model(), 1);
    Bytes b = read_bytes(dir.file("m.hwm"));
    const std::size_t rows_at = 8 + 15 + 14 + 4 + 4 + 1;
    const std::uint64_t huge = 1ull << 62;
    std::memcpy(&b[rows_at], &huge, 8);
    write_bytes(dir.file("m.hwm"), b);
    const std::string msg = model_error([&] { hw::load_model(dir.file("m.hwm")); });
    CHECK((contains(msg, "truncated") || contains(msg, "corrupt")));
    CHECK(contains(msg, "'W'"));
}

TEST_CASE("model file: get() checks names and shapes") {
    const hw::ModelFile m = sample_model();
    CHECK(contains(model_error([&] { m.get("W", 2, 3); }), "'W' is 3x2, expected 2x3"));
    CHECK(contains(model_error([&] { m.get("W2", 3, 2); }), "no tensor named 'W2'"));
}

// ------------------------------------------------------------------ JSON

TEST_CASE("json: objects one member per line, arrays inline, numbers exact") {
    hw::JsonWriter j;
    j.begin_object();
    j.key("name").value("a \"q\"\n");
    j.key("epochs").value(5);
    j.key("acc").begin_array().value(0.5).value(0.97).end_array();
    j.key("nan").value(std::nan(""));
    j.key("ok").value(true);
    j.key("empty").begin_object().end_object();
    j.key("nested").begin_object().key("x").array({1.0, 2.5}).end_object();
    j.end_object();
    CHECK(j.str() ==
          "{\n  \"name\": \"a \\\"q\\\"\\n\",\n  \"epochs\": 5,\n  \"acc\": [0.5, 0.97],\n"
          "  \"nan\": null,\n  \"ok\": true,\n  \"empty\": {},\n"
          "  \"nested\": {\n    \"x\": [1, 2.5]\n  }\n}");
}

TEST_CASE("json: misuse is a logic error, files are written") {
    hw::JsonWriter j;
    j.begin_object();
    CHECK_THROWS_AS(j.value(1), std::logic_error);
    CHECK_THROWS_AS(j.end_array(), std::logic_error);
    CHECK_THROWS_AS(j.save("/nonexistent/x.json"), std::logic_error);  // unclosed
    j.end_object();
    TempDir dir;
    j.save(dir.file("m.json"));
    const Bytes b = read_bytes(dir.file("m.json"));
    CHECK(std::string(b.begin(), b.end()) == "{}\n");
    CHECK_THROWS_AS(j.save("/nonexistent-dir/x.json"), std::runtime_error);
}

// ------------------------------------------------------------------ text art

TEST_CASE("text art: shades, two characters per pixel") {
    const float img[] = {0.0f, 1.0f, 0.5f, 0.12f, 0.34f, 2.0f};
    // round(v·9): 0→' ', 1→'@', 0.5→4.5→5 '+', 0.12→1 '.', 0.34→3 '-', >1 clamps to '@'.
    CHECK(hw::text_art(img, 2, 3) == "  @@++\n..--@@\n");
}

TEST_CASE("text art: blank rows shared by every image are cropped at top and bottom") {
    const float a[] = {0, 0, 0, 1, 0, 0, 0, 0};  // 4×2: only row 1 has ink
    const float b[] = {0, 0, 0, 0, 1, 0, 0, 0};  // only row 2
    CHECK(hw::text_art_row({a, b}, 4, 2, {}) == "  @@\n      @@\n");
    CHECK(hw::text_art_row({a}, 4, 2, {"x"}) == "  @@\n x\n");
}

TEST_CASE("text art: a row of images with centred captions") {
    const float a[] = {1, 0, 0, 1};
    const float b[] = {0, 0, 1, 1};
    const std::string out = hw::text_art_row({a, b}, 2, 2, {"7", "long caption"});
    CHECK(out == "@@\n  @@  @@@@\n 7    long\n");  // trailing blanks trimmed
}


TEST_CASE("keep_first keeps the first examples, rows and labels together") {
    hw::LabeledSet set;
    set.images = hw::Matrix::from_rows({{1, 2}, {3, 4}, {5, 6}});
    set.labels = {7, 8, 9};
    hw::keep_first(set, 0);  // 0 means "all"
    CHECK(set.size() == 3);
    hw::keep_first(set, 5);  // more than there are: unchanged
    CHECK(set.size() == 3);
    hw::keep_first(set, 2);
    REQUIRE(set.size() == 2);
    CHECK(set.images.rows() == 2);
    CHECK(set.images(1, 0) == 3.0f);
    CHECK(set.images(1, 1) == 4.0f);
    CHECK(set.labels[1] == 8);
}

}  // TEST_SUITE
