// lab_api.cpp — routing, the model registry, prediction and static files (see lab_api.hpp).
// The training job is in lab_training.cpp, the PCA/weights/mistakes views in lab_views.cpp.
#include "handwritten/app/lab_api.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "handwritten/data/digit_normalize.hpp"
#include "handwritten/train/temperature.hpp"
#include "handwritten/train/trainer.hpp"
#include "lab_reply.hpp"

namespace hw {

namespace fs = std::filesystem;

HttpReply json_error(int status, const std::string& message) {
    JsonWriter j;
    j.begin_object().key("error").value(message).key("status").value(status).end_object();
    return {status, "application/json", j.str()};
}

// Pixels and probabilities to 4 decimals: the page needs no more, and 784 of them stay short.
void write_rounded(JsonWriter& j, const float* values, std::size_t count) {
    j.begin_array();
    for (std::size_t i = 0; i < count; ++i) j.value(std::round(double(values[i]) * 1e4) / 1e4);
    j.end_array();
}

LabApi::LabApi(LabOptions options, Mnist data) : options_(std::move(options)), data_(std::move(data)) {}

LabApi::~LabApi() { shut_down(); }

void LabApi::shut_down() {
    stopping_ = true;
    events_changed_.notify_all();
    if (job_thread_.joinable()) job_thread_.join();
}

// ---------------------------------------------------------------- the model registry

// "784,256,10" for an MLP; the kind and the layer lines for a convolution network (chapter 12).
std::string describe(const Sequential& net) {
    if (net.kind() == "mlp" || net.kind().empty()) return layer_list(net.spec().sizes);
    return net.kind() + ": " + net.config();
}

void LabApi::add_model(const std::string& name, Sequential net, const std::string& source) {
    if (net.input_size() != 784 || net.output_size() != 10)
        throw std::invalid_argument(source + ": the lab serves 784-pixel, 10-class models (this one is " +
                                    describe(net) + ")");
    auto model = std::make_shared<ServedModel>();
    model->name = name;
    model->source = source;
    model->layers = describe(net);
    model->parameters = net.parameter_count();
    const LabeledSet& test = data_.test;
    if (test.size() > 0)
        model->test_accuracy = evaluate(net, test.images, test.labels, 0, test.size()).accuracy;
    model->net = std::move(net);
    std::lock_guard<std::mutex> guard(models_lock_);
    models_[name] = std::move(model);  // the atomic swap: requests holding the old one keep it
    if (default_model_.empty()) default_model_ = name;
}

std::string LabApi::add_model_file(const std::string& path) {
    const std::string name = fs::path(path).stem().string();
    add_model(name, Sequential::load(path), path);
    return name;
}

std::vector<std::string> LabApi::model_names() const {
    std::lock_guard<std::mutex> guard(models_lock_);
    std::vector<std::string> names;
    for (const auto& [name, model] : models_) names.push_back(name);
    return names;
}

std::shared_ptr<const ServedModel> LabApi::find_model(const std::string& name) const {
    std::lock_guard<std::mutex> guard(models_lock_);
    const auto it = models_.find(name.empty() ? default_model_ : name);
    if (it == models_.end())
        throw ApiError(404, models_.empty() ? "no model is loaded" : "unknown model \"" + name + "\"");
    return it->second;
}

std::vector<std::shared_ptr<const ServedModel>> LabApi::models_for(const std::string& name) const {
    if (name != "all") return {find_model(name)};
    std::lock_guard<std::mutex> guard(models_lock_);
    std::vector<std::shared_ptr<const ServedModel>> all;
    for (const auto& [n, model] : models_) all.push_back(model);
    if (all.empty()) throw ApiError(404, "no model is loaded");
    return all;
}

// ---------------------------------------------------------------- routing

HttpReply LabApi::handle(const std::string& method, const std::string& path,
                         const std::map<std::string, std::string>& query, const std::string& body) {
    auto param = [&](const char* key) {
        const auto it = query.find(key);
        return it == query.end() ? std::string() : it->second;
    };
    try {
        if (body.size() > options_.max_body)
            return json_error(413, "body of " + std::to_string(body.size()) + " bytes is over the limit of " +
                                       std::to_string(options_.max_body));
        const bool get = method == "GET", post = method == "POST";
        if (path.rfind("/api/", 0) != 0) {
            if (!get) return json_error(405, method + " " + path + ": static files answer GET only");
            return static_reply(path);
        }
        if (path == "/api/models" && get) return models_reply();
        if (path == "/api/predict" && post) return predict_reply(body);
        if (path == "/api/train" && post) return train_reply(body);
        if (path == "/api/train/events" && get) return events_snapshot_reply();
        if (path == "/api/pca" && get) return pca_reply(param("model"));
        if (path == "/api/weights" && get) return weights_reply(param("model"));
        if (path == "/api/mistakes" && get) return mistakes_reply(param("model"));
        for (const char* known : {"/api/models", "/api/predict", "/api/train", "/api/train/events", "/api/pca",
                                  "/api/weights", "/api/mistakes"})
            if (path == known) return json_error(405, method + " is not allowed on " + path);
        return json_error(404, "no route " + path);
    } catch (const ApiError& e) {
        return json_error(e.status, e.what());
    } catch (const std::exception& e) {  // a bug or an exhausted resource: still an answer
        return json_error(500, e.what());
    }
}

HttpReply LabApi::models_reply() const {
    std::lock_guard<std::mutex> guard(models_lock_);
    JsonWriter j;
    j.begin_object().key("default").value(default_model_).key("training").value(bool(job_running_));
    j.key("models").begin_array();
    for (const auto& [name, m] : models_) {
        j.begin_object().key("name").value(name).key("layers").value(m->layers);
        j.key("parameters").value(m->parameters).key("test_accuracy").value(m->test_accuracy);
        j.key("source").value(m->source).end_object();
    }
    j.end_array().end_object();
    return {200, "application/json", j.str()};
}

// ---------------------------------------------------------------- prediction

HttpReply LabApi::predict_reply(const std::string& body) const {
    const PredictRequest request = parse_predict_request(body, options_.predict);
    const auto models = models_for(request.model);
    const std::vector<float> input =
        request.normalize ? normalize_drawing(request.ink, request.width, request.height) : request.ink;
    Matrix X(1, 784);  // 1×784 → logits 1×10
    std::copy(input.begin(), input.end(), X.data());

    JsonWriter j;
    j.begin_object().key("input");
    write_rounded(j, X.data(), X.size());
    j.key("temperature").value(double(request.temperature)).key("results").begin_array();
    for (const auto& model : models) {
        std::lock_guard<std::mutex> guard(model->lock);
        const Matrix probs = softmax_with_temperature(model->net.forward(X, false), request.temperature);
        const float* p = probs.row(0);
        j.begin_object().key("model").value(model->name);
        j.key("top").value(int(std::max_element(p, p + 10) - p)).key("probabilities");
        write_rounded(j, p, 10);
        if (!model->pca_axes.empty()) {  // the drawing in the PCA view's space
            const Matrix h = last_hidden_activations(model->net, X);
            std::vector<float> point(3, 0.0f);
            for (std::size_t a = 0; a < 3; ++a)
                for (std::size_t i = 0; i < h.cols(); ++i)
                    point[a] += (h(0, i) - model->pca_mean[i]) * model->pca_axes[a * h.cols() + i];
            j.key("pca_point");
            write_rounded(j, point.data(), 3);
        }
        j.end_object();
    }
    j.end_array().end_object();
    return {200, "application/json", j.str()};
}

Matrix last_hidden_activations(Sequential& net, const Matrix& X) {
    Matrix current = X.clone(), next;
    for (std::size_t i = 0; i + 1 < net.size(); ++i) {  // every layer but the last Dense
        net.layer(i).forward(current, next, false);
        std::swap(current, next);
    }
    return current;
}

// ---------------------------------------------------------------- static files

namespace {

std::string content_type_of(const fs::path& file) {
    const std::string ext = file.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".json") return "application/json";
    return "application/octet-stream";
}

}  // namespace

// The file must resolve (symlinks and ".." included) to a regular file inside the web root:
// "/../../etc/passwd" and "/%2e%2e/..." (the server has decoded it by now) are both 404.
HttpReply LabApi::static_reply(const std::string& path) const {
    const std::string relative = path == "/" ? "index.html" : path.substr(1);
    if (relative.find('\0') != std::string::npos) return json_error(404, "no such file");
    std::error_code ec;
    const fs::path root = fs::canonical(options_.web_root, ec);
    if (ec) return json_error(404, "the web root " + options_.web_root + " is missing");
    const fs::path file = fs::weakly_canonical(root / relative, ec);
    const auto [root_end, unused] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    if (ec || root_end != root.end() || !fs::is_regular_file(file, ec))
        return json_error(404, "no such file: " + path);
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return {200, content_type_of(file), text.str()};
}

}  // namespace hw
