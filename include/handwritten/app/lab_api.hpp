// lab_api.hpp — the digit lab's HTTP API as plain functions: request in, reply out.
//
// The chapter 13 server (chapters/13-lab/main.cpp) is a thin layer of cpp-httplib around
// hw::LabApi::handle(): every route, every check and every error lives here, so the tests
// (tests/test_13_lab.cpp) call it in-process without a socket, and only the lab binary links
// the HTTP library.
//
//   GET  /api/models          the served models: name, layers, parameters, test accuracy
//   POST /api/predict         drawing → the 28×28 input the network sees + probabilities
//   POST /api/train           start one bounded training job in the background (409 if busy)
//   GET  /api/train/events    its progress (the server streams these as Server-Sent Events)
//   GET  /api/pca?model=      3-D PCA of the last hidden layer for the first test digits
//   GET  /api/weights?model=  the first layer's weights, one 28×28 image per hidden unit
//   GET  /api/mistakes?model= the most confident mistakes on the test set
//   GET  /anything-else       a static file under the web root (never outside it)
//
// Errors are JSON {"error": "..."} with a 4xx status. Models live in shared_ptrs: a new model
// (a finished job) replaces the map entry under a lock, and a request that already holds the
// old one finishes with it — the swap is atomic from every request's point of view.
#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "handwritten/app/lab_requests.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/nn/sequential.hpp"

namespace hw {

class JsonWriter;

struct HttpReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

struct LabOptions {
    std::string web_root = "chapters/13-lab/web";  // the static files
    std::string runs_dir = "runs";                 // where finished jobs save their model
    std::size_t max_body = 1 << 20;                // larger bodies: 413
    std::size_t pca_samples = 2000;                // test digits in the PCA view
    int event_every = 50;                          // training batches between progress events
    std::size_t probe_rows = 1000;                 // rows scored for each progress event
    PredictLimits predict;
    TrainLimits train;
};

// One served model. `net` is not thread-safe (forward reuses its buffers), so every use holds
// `lock`; the cached views are filled on first request.
struct ServedModel {
    std::string name, source, layers;
    std::size_t parameters = 0;
    double test_accuracy = 0;
    mutable std::mutex lock;
    mutable Sequential net;
    struct Views {
        std::string pca, weights, mistakes;  // JSON replies ("" = not computed yet)
    };
    mutable Views views;
    mutable std::vector<float> pca_mean, pca_axes;              // to place a drawing (3×H)
};

struct TrainingEvent {
    std::size_t index = 0;  // position in the event log (the SSE id)
    bool last = false;      // the job's final event (done or failed)
    std::string json;
};

class LabApi {
public:
    // `data` supplies the test digits (accuracy, PCA, mistakes) and the training rows for jobs.
    LabApi(LabOptions options, Mnist data);
    ~LabApi();  // asks a running job to stop and waits for it
    LabApi(const LabApi&) = delete;
    LabApi& operator=(const LabApi&) = delete;

    // Serves `net` as `name` (replacing a model of that name). std::invalid_argument unless it
    // maps 784 pixels to 10 classes.
    void add_model(const std::string& name, Sequential net, const std::string& source);
    // Loads a .hwm file and serves it under its file stem; returns that name. Throws
    // hw::ModelFileError (bad file) or std::invalid_argument (wrong shape).
    std::string add_model_file(const std::string& path);
    std::vector<std::string> model_names() const;

    // One request. `query` holds the URL's ?key=value parameters.
    HttpReply handle(const std::string& method, const std::string& path,
                     const std::map<std::string, std::string>& query, const std::string& body);

    // The training event log. next_event(i, timeout): event i once it exists, waiting up to
    // `timeout_seconds`; nullopt on timeout or shutdown. first_event_of_latest_job(): where a
    // new stream should start.
    std::optional<TrainingEvent> next_event(std::size_t index, double timeout_seconds);
    std::size_t first_event_of_latest_job() const;
    bool training() const { return job_running_; }
    bool shutting_down() const { return stopping_; }
    void wait_for_training();
    void shut_down();  // wakes every waiting stream; stops a running job

private:
    std::shared_ptr<const ServedModel> find_model(const std::string& name) const;
    std::vector<std::shared_ptr<const ServedModel>> models_for(const std::string& name) const;

    HttpReply models_reply() const;
    HttpReply predict_reply(const std::string& body) const;
    HttpReply train_reply(const std::string& body);
    HttpReply events_snapshot_reply() const;
    HttpReply pca_reply(const std::string& model) const;
    HttpReply weights_reply(const std::string& model) const;
    HttpReply mistakes_reply(const std::string& model) const;
    HttpReply static_reply(const std::string& path) const;

    // lab_training.cpp
    void run_job(TrainRequest request, std::size_t job);
    void publish(std::string json, bool last);

    LabOptions options_;
    Mnist data_;

    mutable std::mutex models_lock_;
    std::map<std::string, std::shared_ptr<const ServedModel>> models_;
    std::string default_model_;

    mutable std::mutex events_lock_;
    std::condition_variable events_changed_;
    std::vector<TrainingEvent> events_;
    std::size_t latest_job_start_ = 0;
    std::size_t jobs_started_ = 0;
    std::atomic<bool> job_running_{false}, stopping_{false};
    std::thread job_thread_;
};

// The PCA view's and the drawing's coordinates need the same hidden layer: the input of the
// last Dense layer (its previous layer's output), for every row of X: N×784 → N×H.
Matrix last_hidden_activations(Sequential& net, const Matrix& X);

}  // namespace hw
