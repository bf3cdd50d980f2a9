// test_13_lab.cpp — the digit lab: MNIST-faithful preprocessing, PCA by power iteration, the
// JSON reader, the request parsers and the API handlers, all in-process (no socket).
//
// No real MNIST here: the API runs on a small synthetic set (class k is a bright bar on row
// 2k + 4, plus noise), models are trained on it in a fraction of a second, and files go to a
// fresh temporary directory.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "handwritten/app/lab_api.hpp"
#include "handwritten/app/lab_requests.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/data/digit_normalize.hpp"
#include "handwritten/nn/model_file.hpp"
#include "handwritten/nn/net_spec.hpp"
#include "handwritten/report/json_parse.hpp"
#include "handwritten/report/pca.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("hw-test13-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

// A W×H canvas with a filled rectangle of ink [x0, x1) × [y0, y1).
std::vector<float> canvas_with_rect(int W, int H, int x0, int y0, int x1, int y1, float ink = 1.0f) {
    std::vector<float> c(std::size_t(W) * H, 0.0f);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) c[std::size_t(y) * W + x] = ink;
    return c;
}

double total(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// A random orthonormal D×D matrix (Gram–Schmidt on random columns), stored row-major: column j
// is basis vector j.
std::vector<double> random_orthonormal(int D, std::uint64_t seed) {
    hw::Rng rng(seed);
    std::vector<double> Q(std::size_t(D) * D);
    for (int j = 0; j < D; ++j) {
        std::vector<double> v(D);
        for (double& x : v) x = rng.uniform(-1.0f, 1.0f);
        for (int p = 0; p < j; ++p) {
            double dot = 0;
            for (int i = 0; i < D; ++i) dot += v[i] * Q[std::size_t(i) * D + p];
            for (int i = 0; i < D; ++i) v[i] -= dot * Q[std::size_t(i) * D + p];
        }
        double n = 0;
        for (double x : v) n += x * x;
        for (int i = 0; i < D; ++i) Q[std::size_t(i) * D + j] = v[i] / std::sqrt(n);
    }
    return Q;
}

// Class k: a bright bar on row 2k + 4 (columns 4..23) over faint noise.
hw::LabeledSet synthetic_digits(std::size_t n, std::uint64_t seed) {
    hw::Rng rng(seed);
    hw::LabeledSet set;
    set.images = hw::Matrix(n, 784);
    for (std::size_t i = 0; i < n; ++i) {
        const int k = int(i % 10);
        set.labels.push_back(std::uint8_t(k));
        for (int p = 0; p < 784; ++p) set.images(i, p) = 0.1f * rng.uniform();
        for (int c = 4; c < 24; ++c) set.images(i, (2 * k + 4) * 28 + c) = 0.9f;
    }
    return set;
}

hw::Sequential small_model(std::uint64_t seed, int hidden = 16) {
    hw::MlpSpec spec;
    spec.sizes = {784, hidden, 10};
    hw::Rng rng(seed);
    return hw::Sequential(spec, rng);
}

struct Lab {
    TempDir dir;
    std::unique_ptr<hw::LabApi> api;
    explicit Lab(std::size_t train_rows = 600) {
        fs::create_directories(dir.path / "web");
        std::ofstream(dir.path / "web" / "index.html") << "<!doctype html><title>lab</title>";
        std::ofstream(dir.path / "secret.txt") << "outside the web root";
        hw::LabOptions options;
        options.web_root = (dir.path / "web").string();
        options.runs_dir = (dir.path / "runs").string();
        options.pca_samples = 100;
        options.event_every = 5;
        options.probe_rows = 50;
        hw::Mnist data;
        data.train = synthetic_digits(train_rows, 1);
        data.test = synthetic_digits(200, 2);
        api = std::make_unique<hw::LabApi>(options, std::move(data));
        api->add_model("tiny", small_model(3), "test");
    }
    hw::HttpReply get(const std::string& path, const std::map<std::string, std::string>& query = {}) {
        return api->handle("GET", path, query, "");
    }
    hw::HttpReply post(const std::string& path, const std::string& body) { return api->handle("POST", path, {}, body); }
};

std::string pixels_json(const std::vector<float>& pixels) {
    std::string s = "[";
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(pixels[i]);
    }
    return s + "]";
}

std::string predict_body(std::size_t count, float value = 0.0f, const std::string& extra = "") {
    return "{\"pixels\":" + pixels_json(std::vector<float>(count, value)) + extra + "}";
}

// The HTTP status a request parser's answer would get: 200 when it accepts the body.
template <class Parser>
int status_of(Parser parse, const std::string& body) {
    try {
        parse(body, {});
    } catch (const hw::ApiError& e) {
        return e.status;
    }
    return 200;
}

}  // namespace

TEST_SUITE("13-lab") {

// ---------------------------------------------------------------- preprocessing

TEST_CASE("normalize: an off-centre digit is scaled into 20x20 and centred by its mass") {
    // a 30×90 bar in the top-left corner of a 280×280 canvas
    const std::vector<float> out = hw::normalize_drawing(canvas_with_rect(280, 280, 10, 5, 40, 95), 280, 280);
    REQUIRE(out.size() == 784);
    const hw::InkBox box = hw::ink_bounding_box(out, 28, 28);
    CHECK(box.height() == 20);                 // the longer side fills the 20-pixel box
    CHECK(box.width() == 7);                   // 30/90 of it: the aspect ratio is kept (6.67 → 7)
    const hw::Point2 com = hw::ink_center_of_mass(out, 28, 28);
    CHECK(std::fabs(com.x - 14.5) <= 0.5);     // whole-pixel shifts: within half a pixel
    CHECK(std::fabs(com.y - 14.5) <= 0.5);
}

TEST_CASE("normalize: an L shape's centre of mass, not its box, goes to the centre") {
    // vertical bar plus a foot to the right: the mass sits left of the box's middle
    std::vector<float> c = canvas_with_rect(200, 200, 50, 20, 70, 180);
    const std::vector<float> foot = canvas_with_rect(200, 200, 50, 160, 150, 180);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = std::max(c[i], foot[i]);
    const std::vector<float> out = hw::normalize_drawing(c, 200, 200);
    const hw::Point2 com = hw::ink_center_of_mass(out, 28, 28);
    CHECK(std::fabs(com.x - 14.5) <= 0.5);
    CHECK(std::fabs(com.y - 14.5) <= 0.5);
    const hw::InkBox box = hw::ink_bounding_box(out, 28, 28);
    CHECK(box.height() == 20);
    CHECK((box.left + box.right) / 2.0 > 14.5);  // the box is off-centre, to the right
}

TEST_CASE("normalize: the same stroke drawn small or large, anywhere, gives the same image") {
    const std::vector<float> small = hw::normalize_drawing(canvas_with_rect(280, 280, 200, 200, 210, 240), 280, 280);
    const std::vector<float> large = hw::normalize_drawing(canvas_with_rect(280, 280, 20, 20, 80, 260), 280, 280);
    double diff = 0;
    for (std::size_t i = 0; i < 784; ++i) diff = std::max(diff, double(std::fabs(small[i] - large[i])));
    CHECK(diff < 1e-5);
}

TEST_CASE("normalize: boundaries — no ink, one pixel, the wrong size") {
    CHECK(total(hw::normalize_drawing(std::vector<float>(100, 0.0f), 10, 10)) == 0.0);
    const std::vector<float> dot = hw::normalize_drawing(canvas_with_rect(50, 50, 7, 9, 8, 10), 50, 50);
    CHECK(hw::ink_bounding_box(dot, 28, 28).width() == 20);  // a dot is scaled like any digit
    CHECK_THROWS_AS(hw::normalize_drawing(std::vector<float>(99, 0.0f), 10, 10), std::invalid_argument);
    CHECK_THROWS_AS(hw::normalize_drawing({}, 0, 0), std::invalid_argument);
}

TEST_CASE("resample_area keeps the mean ink (the anti-aliasing neither adds nor loses any)") {
    hw::Rng rng(5);
    std::vector<float> src(37 * 23);
    for (float& x : src) x = rng.uniform();
    for (auto [w, h] : {std::pair{20, 13}, std::pair{7, 20}, std::pair{74, 46}, std::pair{1, 1}}) {
        const std::vector<float> dst = hw::resample_area(src, 37, 23, w, h);
        CHECK(total(dst) / dst.size() == doctest::Approx(total(src) / src.size()).epsilon(1e-5));
    }
    // 3 source pixels [1 1 0] → 2 outputs of 1.5 pixels each: [1, (0.5·1 + 1·0) / 1.5 = 1/3]
    const std::vector<float> two = hw::resample_area({1, 1, 0}, 3, 1, 2, 1);
    CHECK(two[0] == doctest::Approx(1.0));
    CHECK(two[1] == doctest::Approx(1.0 / 3.0));
}

// ---------------------------------------------------------------- PCA

TEST_CASE("PCA: power iteration finds a known spectrum Q·diag(λ)·Qᵀ") {
    const int D = 12;
    const std::vector<double> Q = random_orthonormal(D, 7);
    const std::vector<double> lambda = {9, 5, 3, 1, 0.8, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01};
    hw::Matrix A(D, D);
    for (int r = 0; r < D; ++r)
        for (int c = 0; c < D; ++c) {
            double s = 0;
            for (int k = 0; k < D; ++k) s += Q[std::size_t(r) * D + k] * lambda[k] * Q[std::size_t(c) * D + k];
            A(r, c) = float(s);
        }
    const hw::Pca pca = hw::power_iteration_eigen(A, 3);
    REQUIRE(pca.variances.size() == 3);
    for (int k = 0; k < 3; ++k) {
        CHECK(pca.variances[k] == doctest::Approx(lambda[k]).epsilon(1e-4));
        double dot = 0;  // the eigenvector up to its sign
        for (int i = 0; i < D; ++i) dot += pca.components(k, i) * Q[std::size_t(i) * D + k];
        CHECK(std::fabs(dot) > 1 - 1e-5);
    }
    CHECK(pca.total_variance == doctest::Approx(std::accumulate(lambda.begin(), lambda.end(), 0.0)).epsilon(1e-5));
    CHECK_THROWS_AS(hw::power_iteration_eigen(A, 0), std::invalid_argument);
    CHECK_THROWS_AS(hw::power_iteration_eigen(A, D + 1), std::invalid_argument);
}

TEST_CASE("PCA: the covariance on sgemm matches a double-precision loop, and the projection is centred") {
    hw::Rng rng(11);
    const int N = 300, D = 9;
    hw::Matrix X(N, D);
    for (int r = 0; r < N; ++r)
        for (int c = 0; c < D; ++c) X(r, c) = rng.uniform(-1.0f, 1.0f) * float(c + 1) + float(c);
    std::vector<float> mean;
    const hw::Matrix C = hw::covariance(X, &mean);
    for (int a = 0; a < D; ++a)
        for (int b = 0; b < D; ++b) {
            double ma = 0, mb = 0, s = 0;
            for (int r = 0; r < N; ++r) ma += X(r, a) / double(N), mb += X(r, b) / double(N);
            for (int r = 0; r < N; ++r) s += (X(r, a) - ma) * (X(r, b) - mb);
            CHECK(C(a, b) == doctest::Approx(s / (N - 1)).epsilon(1e-4).scale(1.0));
        }
    const hw::Pca pca = hw::fit_pca(X, 3);
    const hw::Matrix Y = hw::pca_project(pca, X);
    for (int k = 0; k < 3; ++k) {
        double m = 0, var = 0;
        for (int r = 0; r < N; ++r) m += Y(r, k) / N;
        for (int r = 0; r < N; ++r) var += (Y(r, k) - m) * (Y(r, k) - m) / (N - 1);
        CHECK(std::fabs(m) < 1e-4);
        CHECK(var == doctest::Approx(pca.variances[k]).epsilon(1e-3));  // the variance along axis k
    }
    CHECK(pca.variances[0] >= pca.variances[1]);
    CHECK(pca.variances[1] >= pca.variances[2]);
    CHECK_THROWS_AS(hw::covariance(hw::Matrix(1, 3)), std::invalid_argument);
}

// ---------------------------------------------------------------- JSON and requests

TEST_CASE("JSON reader: valid documents") {
    const hw::JsonValue v = hw::parse_json(R"( {"a": [1, -2.5e3, true, null], "s": "x\"\u00e9\ud83d\ude00"} )");
    REQUIRE(v.is_object());
    CHECK(v.find("a")->as_array().size() == 4);
    CHECK(v.find("a")->as_array()[1].as_number() == -2500.0);
    CHECK(v.find("s")->as_string() == "x\"\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(v.find("missing") == nullptr);
    CHECK(hw::parse_json("0").as_number() == 0.0);
}

TEST_CASE("JSON reader: each malformed document is rejected with its offset") {
    for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "NaN", "Infinity", "tru",
                            "\"abc", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "[1] 2", "{a:1}", "\"tab\there\""}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(hw::parse_json(bad), hw::JsonError);
    }
    CHECK_NOTHROW(hw::parse_json(std::string(32, '[') + std::string(32, ']')));  // depth 32: the limit
    CHECK_THROWS_AS(hw::parse_json(std::string(33, '[') + std::string(33, ']')), hw::JsonError);
}

TEST_CASE("predict request: 784 values, a canvas, and the first invalid value of each field") {
    const hw::PredictRequest ok = hw::parse_predict_request(predict_body(784, 1.0f));
    CHECK(ok.ink.size() == 784);
    CHECK_FALSE(ok.normalize);
    const hw::PredictRequest canvas = hw::parse_predict_request(
        "{\"width\":3,\"height\":2,\"pixels\":[0,0,1,1,0,0],\"temperature\":2,\"model\":\"all\"}");
    CHECK(canvas.normalize);  // a canvas bitmap always goes through normalize_drawing
    CHECK(canvas.temperature == 2.0f);
    CHECK(canvas.model == "all");
    auto status = [](const std::string& body) { return status_of(hw::parse_predict_request, body); };
    CHECK(status(predict_body(783)) == 400);
    CHECK(status(predict_body(785)) == 400);
    CHECK(status(predict_body(784, 1.0001f)) == 400);
    CHECK(status(predict_body(784, -0.0001f)) == 400);
    CHECK(status("{\"pixels\":[NaN]}") == 400);
    CHECK(status("{\"pixels\":[1e999]}") == 400);  // parses to infinity: not finite
    CHECK(status(predict_body(784, 0, ",\"temperature\":0")) == 400);
    CHECK(status(predict_body(784, 0, ",\"temperature\":0.05")) == 200);
    CHECK(status(predict_body(784, 0, ",\"temprature\":1")) == 400);
    CHECK(status("{\"width\":1025,\"height\":1,\"pixels\":[]}") == 400);
    CHECK(status("{\"width\":2.5,\"height\":2,\"pixels\":[0,0,0,0,0]}") == 400);
    CHECK(status("[1,2]") == 400);
}

TEST_CASE("train request: defaults, limits and the first value past each") {
    const hw::TrainRequest d = hw::parse_train_request("{}");
    CHECK(d.hidden == std::vector<int>{128});
    auto status = [](const std::string& body) { return status_of(hw::parse_train_request, body); };
    CHECK(status("{\"epochs\":5}") == 200);
    CHECK(status("{\"epochs\":6}") == 400);
    CHECK(status("{\"epochs\":0}") == 400);
    CHECK(status("{\"batch\":7}") == 400);
    CHECK(status("{\"batch\":1024}") == 200);
    CHECK(status("{\"hidden\":[512,512,512]}") == 200);
    CHECK(status("{\"hidden\":[513]}") == 400);
    CHECK(status("{\"hidden\":[64,64,64,64]}") == 400);
    CHECK(status("{\"hidden\":[]}") == 400);
    CHECK(status("{\"lr\":0.2}") == 400);
    CHECK(status("{\"limit\":499}") == 400);
    CHECK(status("{\"epochs\":\"3\"}") == 400);
    CHECK(status("{\"epoch\":3}") == 400);
}

// ---------------------------------------------------------------- the API

TEST_CASE("API: models, prediction one and all, temperature") {
    Lab lab;
    lab.api->add_model("second", small_model(4, 8), "test");
    const hw::HttpReply models = lab.get("/api/models");
    CHECK(models.status == 200);
    const hw::JsonValue m = hw::parse_json(models.body);
    CHECK(m.find("models")->as_array().size() == 2);

    const std::vector<float> bar = canvas_with_rect(28, 28, 4, 10, 24, 11, 0.9f);
    const hw::HttpReply one = lab.post("/api/predict", "{\"pixels\":" + pixels_json(bar) + ",\"model\":\"tiny\"}");
    REQUIRE(one.status == 200);
    const hw::JsonValue r = hw::parse_json(one.body);
    CHECK(r.find("input")->as_array().size() == 784);
    const auto& probs = r.find("results")->as_array()[0].find("probabilities")->as_array();
    double sum = 0, largest = 0;
    for (const auto& p : probs) sum += p.as_number(), largest = std::max(largest, p.as_number());
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-3));

    const hw::JsonValue hot = hw::parse_json(
        lab.post("/api/predict", "{\"pixels\":" + pixels_json(bar) + ",\"temperature\":10}").body);
    double hot_largest = 0;
    for (const auto& p : hot.find("results")->as_array()[0].find("probabilities")->as_array())
        hot_largest = std::max(hot_largest, p.as_number());
    CHECK(hot_largest < largest);  // a higher temperature flattens the distribution

    const hw::JsonValue all = hw::parse_json(lab.post("/api/predict", predict_body(784, 0, ",\"model\":\"all\"")).body);
    CHECK(all.find("results")->as_array().size() == 2);
    CHECK(lab.post("/api/predict", predict_body(784, 0, ",\"model\":\"nope\"")).status == 404);
}

TEST_CASE("API: every kind of bad input gets a 4xx JSON error") {
    Lab lab;
    CHECK(lab.post("/api/predict", "{\"pixels\":[").status == 400);
    CHECK(lab.post("/api/predict", predict_body(100)).status == 400);
    CHECK(lab.post("/api/predict", predict_body(784, 2.0f)).status == 400);
    CHECK(lab.post("/api/predict", std::string((1 << 20) + 1, ' ')).status == 413);
    CHECK(lab.post("/api/predict", std::string(1 << 20, ' ')).status == 400);  // at the limit: parsed
    CHECK(lab.post("/api/train", "{\"epochs\":99}").status == 400);
    CHECK(lab.get("/api/nothing").status == 404);
    CHECK(lab.get("/api/predict").status == 405);
    const hw::HttpReply e = lab.get("/api/nothing");
    CHECK(e.content_type == "application/json");
    CHECK(hw::parse_json(e.body).find("error")->is_string());
}

TEST_CASE("API: static files never leave the web root") {
    Lab lab;
    CHECK(lab.get("/").status == 200);
    CHECK(lab.get("/").content_type.find("text/html") == 0);
    CHECK(lab.get("/index.html").status == 200);
    CHECK(lab.get("/../secret.txt").status == 404);
    CHECK(lab.get("/../../etc/passwd").status == 404);
    CHECK(lab.get("//etc/passwd").status == 404);
    CHECK(lab.get("/missing.js").status == 404);
    fs::create_symlink(lab.dir.path / "secret.txt", lab.dir.path / "web" / "link.txt");
    CHECK(lab.get("/link.txt").status == 404);  // a symlink out of the root is still outside
    CHECK(lab.api->handle("POST", "/index.html", {}, "").status == 405);
}

TEST_CASE("API: PCA, weights and mistakes views") {
    Lab lab;
    const hw::JsonValue pca = hw::parse_json(lab.get("/api/pca", {{"model", "tiny"}}).body);
    CHECK(pca.find("samples")->as_number() == 100);
    CHECK(pca.find("points")->as_array().size() == 300);
    const auto& ex = pca.find("explained")->as_array();
    CHECK(ex[0].as_number() >= ex[1].as_number());
    // once the PCA exists, predictions place the drawing in it
    const hw::JsonValue p = hw::parse_json(lab.post("/api/predict", predict_body(784, 0.5f)).body);
    CHECK(p.find("results")->as_array()[0].find("pca_point")->as_array().size() == 3);
    const hw::JsonValue w = hw::parse_json(lab.get("/api/weights").body);
    CHECK(w.find("images")->as_array().size() == 16);
    CHECK(w.find("images")->as_array()[0].as_array().size() == 784);
    const hw::JsonValue mis = hw::parse_json(lab.get("/api/mistakes").body);
    CHECK(mis.find("mistakes")->as_array().size() <= 24);
    CHECK(lab.get("/api/pca", {{"model", "nope"}}).status == 404);
}

TEST_CASE("API: one training job at a time, progress events, the new model is served") {
    Lab lab;
    const hw::HttpReply started = lab.post("/api/train", "{\"hidden\":[32],\"epochs\":2,\"batch\":32,\"limit\":600}");
    REQUIRE(started.status == 202);
    if (lab.api->training()) {  // still running (it usually is): a second job is refused
        const hw::HttpReply again = lab.post("/api/train", "{\"limit\":600}");
        CHECK((again.status == 409 || again.status == 202));
    }
    CHECK(lab.post("/api/predict", predict_body(784)).status == 200);  // served while it trains
    lab.api->wait_for_training();
    const hw::JsonValue events = hw::parse_json(lab.get("/api/train/events").body);
    const auto& list = events.as_array();
    REQUIRE(list.size() >= 3);
    const hw::JsonValue& progress = list[0];
    CHECK(progress.find("state")->as_string() == "training");
    CHECK(progress.find("confusion")->as_array().size() == 10);
    double counted = 0;
    for (const auto& row : progress.find("confusion")->as_array())
        for (const auto& n : row.as_array()) counted += n.as_number();
    CHECK(counted == 50);  // the validation probe
    CHECK(progress.find("per_class")->as_array().size() == 10);
    const hw::JsonValue& last = list.back();
    REQUIRE(last.find("state")->as_string() == "done");
    CHECK(list[list.size() - 2].find("val_accuracy")->as_number() > 0.9);  // the bars are easy
    const std::string name = last.find("model")->as_string();
    CHECK(lab.post("/api/predict", predict_body(784, 0, ",\"model\":\"" + name + "\"")).status == 200);
    CHECK(fs::exists(lab.dir.path / "runs" / (name + ".hwm")));
    // the event log: index i waits for nothing once it exists, and times out past the end
    CHECK(lab.api->next_event(0, 0.0).has_value());
    CHECK_FALSE(lab.api->next_event(list.size() + 5, 0.01).has_value());
}

TEST_CASE("API: a convolution network (chapter 12) is served beside the MLPs, saved and loaded") {
    Lab lab;
    hw::Rng rng(9);
    hw::Sequential cnn = hw::build_network(hw::NetSpec::parse("conv3x3x4p1,relu,pool2,fc10"), {28, 28, 1},
                                           hw::Init::HeNormal, rng);
    const fs::path file = lab.dir.path / "small-cnn.hwm";
    cnn.save(file.string());
    CHECK(lab.api->add_model_file(file.string()) == "small-cnn");
    const hw::JsonValue models = hw::parse_json(lab.get("/api/models").body);
    bool described = false;
    for (const auto& m : models.find("models")->as_array())
        described = described || m.find("layers")->as_string().rfind("cnn: ", 0) == 0;
    CHECK(described);
    const hw::JsonValue all = hw::parse_json(lab.post("/api/predict", predict_body(784, 0.3f, ",\"model\":\"all\"")).body);
    CHECK(all.find("results")->as_array().size() == 2);
    CHECK(lab.get("/api/pca", {{"model", "small-cnn"}}).status == 200);       // the fc10's input
    CHECK(lab.get("/api/weights", {{"model", "small-cnn"}}).status == 404);   // no dense first layer
    CHECK(lab.get("/api/mistakes", {{"model", "small-cnn"}}).status == 200);
}

TEST_CASE("API: a model that is not 784 → 10 is refused, a bad file is a ModelFileError") {
    Lab lab;
    hw::MlpSpec spec;
    spec.sizes = {100, 10};
    hw::Rng rng(1);
    CHECK_THROWS_AS(lab.api->add_model("wrong", hw::Sequential(spec, rng), "test"), std::invalid_argument);
    const fs::path junk = lab.dir.path / "junk.hwm";
    std::ofstream(junk) << "not a model";
    CHECK_THROWS_AS(lab.api->add_model_file(junk.string()), hw::ModelFileError);
    CHECK(lab.api->model_names() == std::vector<std::string>{"tiny"});
}

}  // TEST_SUITE

TEST_SUITE("13-lab") {

// Found by tests/fuzz/fuzz_model_file.cpp: a 0×n tensor made the loader memcpy into a null
// buffer (undefined behaviour, reported by UBSan under make sanitize).
TEST_CASE("model files: a tensor with no elements loads") {
    TempDir dir;
    const std::string path = (dir.path / "empty.hwm").string();
    hw::ModelFile model;
    model.kind = "test";
    model.tensors.push_back({"empty", hw::Matrix(0, 2)});
    hw::save_model(path, model);
    const hw::ModelFile back = hw::load_model(path);
    REQUIRE(back.tensors.size() == 1);
    CHECK(back.tensors[0].value.rows() == 0);
    CHECK(back.tensors[0].value.cols() == 2);
}

}  // TEST_SUITE
