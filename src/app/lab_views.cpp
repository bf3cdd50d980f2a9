// lab_views.cpp — what the lab shows about a model besides its predictions: the PCA of its last
// hidden layer, its first layer's weights, its most confident mistakes. Each is computed on the
// first request for that model and then served from the model's cache.
#include <algorithm>
#include <cmath>

#include "handwritten/app/lab_api.hpp"
#include "handwritten/nn/dense.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/report/pca.hpp"
#include "lab_reply.hpp"

namespace hw {

namespace {

// The model's cached view, or compute(model) once. The model's lock is held throughout: it
// guards the cache and the network, which computing a view runs.
template <class Compute>
HttpReply cached_view(const ServedModel& model, std::string ServedModel::Views::*cache, Compute compute) {
    std::lock_guard<std::mutex> guard(model.lock);
    std::string& json = model.views.*cache;
    if (json.empty()) json = compute(model);
    return {200, "application/json", json};
}

// The first `count` rows of the test set (count ≤ its size).
Matrix first_test_rows(const LabeledSet& test, std::size_t count) {
    Matrix X(count, test.images.cols());
    std::copy(test.images.data(), test.images.data() + X.size(), X.data());
    return X;
}

// Also keeps the mean and the axes in the model, so predictions can place a drawing in the cloud.
std::string pca_json(const ServedModel& model, const LabeledSet& test, std::size_t n) {
    if (n < 3) throw ApiError(404, "no test digits are loaded for the PCA view");
    // activations H: n×units → covariance units×units (sgemm) → 3 axes by power iteration
    const Matrix H = last_hidden_activations(model.net, first_test_rows(test, n));
    const Pca pca = fit_pca(H, 3);
    const Matrix points = pca_project(pca, H);  // n×3

    JsonWriter j;
    j.begin_object().key("model").value(model.name).key("samples").value(n);
    j.key("dimension").value(H.cols()).key("explained").begin_array();
    for (double v : pca.variances) j.value(pca.total_variance > 0 ? v / pca.total_variance : 0.0);
    j.end_array().key("iterations").begin_array();
    for (int it : pca.iterations) j.value(it);
    j.end_array().key("labels").begin_array();
    for (std::size_t i = 0; i < n; ++i) j.value(int(test.labels[i]));
    j.end_array().key("points");
    write_rounded(j, points.data(), points.size());  // flat: x0 y0 z0 x1 y1 z1 ...
    j.end_object();
    model.pca_mean = pca.mean;
    model.pca_axes.assign(pca.components.data(), pca.components.data() + pca.components.size());
    return j.str();
}

std::string weights_json(const ServedModel& model) {
    const auto* first = dynamic_cast<const Dense*>(&model.net.layer(0));
    if (!first) throw ApiError(404, "model \"" + model.name + "\" does not start with a dense layer");
    const Matrix& W = first->weights();  // 784×units: column u is unit u's 28×28 template
    const std::size_t units = std::min<std::size_t>(W.cols(), 64);
    JsonWriter j;
    j.begin_object().key("model").value(model.name).key("units").value(W.cols()).key("images").begin_array();
    for (std::size_t u = 0; u < units; ++u) {
        std::vector<float> image(W.rows());
        float largest = 1e-12f;
        for (std::size_t p = 0; p < W.rows(); ++p) largest = std::max(largest, std::fabs(W(p, u)));
        for (std::size_t p = 0; p < W.rows(); ++p) image[p] = W(p, u) / largest;  // in [-1, 1]
        write_rounded(j, image.data(), image.size());
    }
    j.end_array().end_object();
    return j.str();
}

std::string mistakes_json(const ServedModel& model, const LabeledSet& test) {
    const Matrix probs = model.net.predict_proba(test.images);
    const std::vector<Misclassified> mistakes = find_misclassified(test.labels, argmax_rows(probs), 24, &probs);
    JsonWriter j;
    j.begin_object().key("model").value(model.name).key("test_size").value(test.size());
    j.key("mistakes").begin_array();
    for (const Misclassified& m : mistakes) {
        j.begin_object().key("index").value(m.index).key("truth").value(m.truth);
        j.key("predicted").value(m.predicted).key("confidence").value(double(m.confidence)).key("image");
        write_rounded(j, test.images.row(m.index), test.images.cols());
        j.end_object();
    }
    j.end_array().end_object();
    return j.str();
}

}  // namespace

HttpReply LabApi::pca_reply(const std::string& name) const {
    const std::size_t n = std::min(options_.pca_samples, data_.test.size());
    return cached_view(*find_model(name), &ServedModel::Views::pca,
                       [&](const ServedModel& m) { return pca_json(m, data_.test, n); });
}

HttpReply LabApi::weights_reply(const std::string& name) const {
    return cached_view(*find_model(name), &ServedModel::Views::weights, weights_json);
}

HttpReply LabApi::mistakes_reply(const std::string& name) const {
    return cached_view(*find_model(name), &ServedModel::Views::mistakes,
                       [&](const ServedModel& m) { return mistakes_json(m, data_.test); });
}

}  // namespace hw
