// lab_requests.cpp — predict and train bodies: JSON → checked structs (see lab_requests.hpp).
#include "handwritten/app/lab_requests.hpp"

#include <cmath>
#include <cstdio>

#include "handwritten/report/json_parse.hpp"

namespace hw {

namespace {

JsonValue parse_object(std::string_view body) {
    JsonValue doc;
    try {
        doc = parse_json(body);
    } catch (const JsonError& e) {
        throw ApiError(400, std::string("malformed JSON: ") + e.what());
    }
    if (!doc.is_object()) throw ApiError(400, "the body must be a JSON object");
    return doc;
}

// Rejects members the request does not know: a typo ("epoch") should not pass silently.
void only_keys(const JsonValue& doc, std::initializer_list<const char*> known) {
    for (const auto& [key, value] : doc.as_object()) {
        bool ok = false;
        for (const char* k : known) ok = ok || key == k;
        if (!ok) throw ApiError(400, "unknown field \"" + key + "\"");
    }
}

std::string compact(double x) {  // 5, 0.001, 1e-06: the way the limits are written
    char text[32];
    std::snprintf(text, sizeof text, "%g", x);
    return text;
}

double number_in(const JsonValue& doc, const char* key, double fallback, double lo, double hi) {
    const JsonValue* v = doc.find(key);
    if (!v) return fallback;
    if (!v->is_number() || !std::isfinite(v->as_number()))
        throw ApiError(400, std::string("\"") + key + "\" must be a finite number");
    const double x = v->as_number();
    if (x < lo || x > hi)
        throw ApiError(400, std::string("\"") + key + "\" must be in [" + compact(lo) + ", " + compact(hi) + "], got " + compact(x));
    return x;
}

int integer_in(const JsonValue& doc, const char* key, int fallback, int lo, int hi) {
    const double x = number_in(doc, key, fallback, lo, hi);
    if (x != std::floor(x)) throw ApiError(400, std::string("\"") + key + "\" must be an integer");
    return int(x);
}

std::vector<float> pixel_values(const JsonValue& doc) {
    const JsonValue* pixels = doc.find("pixels");
    if (!pixels || !pixels->is_array()) throw ApiError(400, "\"pixels\" must be an array of numbers in [0, 1]");
    std::vector<float> ink;
    ink.reserve(pixels->as_array().size());
    for (const JsonValue& p : pixels->as_array()) {
        if (!p.is_number() || !std::isfinite(p.as_number()))
            throw ApiError(400, "pixel " + std::to_string(ink.size()) + " is not a finite number");
        const double x = p.as_number();
        if (x < 0 || x > 1)
            throw ApiError(400, "pixel " + std::to_string(ink.size()) + " is " + compact(x) +
                                    ", outside [0, 1]");
        ink.push_back(float(x));
    }
    return ink;
}

}  // namespace

PredictRequest parse_predict_request(std::string_view body, const PredictLimits& limits) {
    const JsonValue doc = parse_object(body);
    only_keys(doc, {"pixels", "width", "height", "normalize", "temperature", "model"});
    PredictRequest r;
    const bool canvas = doc.find("width") || doc.find("height");
    r.width = integer_in(doc, "width", 28, 1, limits.max_side);
    r.height = integer_in(doc, "height", 28, 1, limits.max_side);
    r.ink = pixel_values(doc);
    if (r.ink.size() != std::size_t(r.width) * std::size_t(r.height))
        throw ApiError(400, "expected " + std::to_string(r.width * r.height) + " pixels (" +
                                std::to_string(r.width) + "x" + std::to_string(r.height) + "), got " +
                                std::to_string(r.ink.size()));
    r.normalize = canvas;
    if (const JsonValue* n = doc.find("normalize")) {
        if (n->type() != JsonValue::Type::Bool) throw ApiError(400, "\"normalize\" must be true or false");
        r.normalize = n->as_bool() || canvas;
    }
    r.temperature = float(number_in(doc, "temperature", 1.0, limits.min_temperature, limits.max_temperature));
    if (const JsonValue* m = doc.find("model")) {
        if (!m->is_string()) throw ApiError(400, "\"model\" must be a string");
        r.model = m->as_string();
    }
    return r;
}

TrainRequest parse_train_request(std::string_view body, const TrainLimits& limits) {
    const JsonValue doc = parse_object(body);
    only_keys(doc, {"hidden", "epochs", "batch", "lr", "limit", "seed"});
    TrainRequest r;
    if (const JsonValue* h = doc.find("hidden")) {
        if (!h->is_array() || h->as_array().empty() || int(h->as_array().size()) > limits.max_hidden_layers)
            throw ApiError(400, "\"hidden\" must list 1 to " + std::to_string(limits.max_hidden_layers) +
                                    " layer sizes");
        r.hidden.clear();
        for (const JsonValue& units : h->as_array()) {
            const JsonValue one = JsonValue::make_object({{"units", units}});
            r.hidden.push_back(integer_in(one, "units", 0, 1, limits.max_hidden_units));
        }
    }
    r.epochs = integer_in(doc, "epochs", r.epochs, 1, limits.max_epochs);
    r.batch = integer_in(doc, "batch", r.batch, limits.min_batch, limits.max_batch);
    r.lr = number_in(doc, "lr", r.lr, 1e-6, limits.max_lr);
    r.limit = integer_in(doc, "limit", r.limit, limits.min_limit, limits.max_limit);
    r.seed = std::uint64_t(integer_in(doc, "seed", 1, 0, 1 << 30));
    return r;
}

}  // namespace hw
