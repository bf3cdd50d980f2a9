// lab_requests.hpp — the digit lab's request bodies, parsed and checked before anything runs.
//
// Both parsers take the raw bytes of a POST body (outside input: they are fuzzed, see
// tests/fuzz/) and either return a request whose every field is within its limit or throw
// hw::ApiError with the HTTP status to answer and a one-line message.
//
//   POST /api/predict  {"pixels": [...], "width": 280, "height": 280,   (a canvas bitmap, ink 0..1)
//                       "temperature": 1.0, "model": "mlp-128" | "all"}
//                      or {"pixels": [784 values]} — already a 28×28 MNIST-style image
//                      ("normalize": true runs it through normalize_drawing as well)
//   POST /api/train    {"hidden": [128], "epochs": 1, "batch": 64, "lr": 0.001,
//                       "limit": 10000, "seed": 1}
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hw {

struct ApiError : std::runtime_error {
    ApiError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
    int status;  // 400 malformed, 404 unknown, 409 busy, 413 too large
};

struct PredictLimits {
    int max_side = 1024;           // a canvas may be at most max_side × max_side
    double min_temperature = 0.05, max_temperature = 20.0;
};

struct PredictRequest {
    std::vector<float> ink;        // height×width values in [0, 1]
    int width = 28, height = 28;
    bool normalize = false;        // run normalize_drawing (always for a canvas bitmap)
    float temperature = 1.0f;
    std::string model;             // empty: the default model; "all": every model
};

struct TrainLimits {
    int max_hidden_layers = 3, max_hidden_units = 512;
    int max_epochs = 5;
    int min_batch = 8, max_batch = 1024;
    double max_lr = 0.1;
    int min_limit = 500, max_limit = 60000;  // training rows used
};

struct TrainRequest {
    std::vector<int> hidden{128};  // hidden layer sizes: 784 → hidden... → 10
    int epochs = 1;
    int batch = 64;
    double lr = 1e-3;
    int limit = 10000;
    std::uint64_t seed = 1;
};

PredictRequest parse_predict_request(std::string_view body, const PredictLimits& limits = {});
TrainRequest parse_train_request(std::string_view body, const TrainLimits& limits = {});

}  // namespace hw
