// lab_training.cpp — the lab's one background training job and its event log.
//
// POST /api/train starts run_job() on its own thread (a second request while it runs: 409).
// The job trains a fresh MLP with hw::train on the first `limit` training rows (the last 10%
// held out for validation), and every `event_every` batches — from the after_step hook, once
// the weights are updated and the batch's cached activations are no longer needed — scores a
// probe of training and validation rows and publishes an event: loss, accuracies, per-class
// accuracy, the validation confusion matrix, samples/s and GEMM GFLOP/s. When it ends the
// model is saved under runs/ and swapped into the served models.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "handwritten/app/lab_api.hpp"
#include "handwritten/core/timer.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/train/trainer.hpp"
#include "lab_reply.hpp"

namespace hw {

namespace {

struct JobStopped {};  // thrown from the hook to leave hw::train when the server shuts down

// Rows [begin, begin + count) of a labeled set as their own set.
LabeledSet slice(const LabeledSet& set, std::size_t begin, std::size_t count) {
    LabeledSet out;
    out.images = Matrix(count, set.images.cols());
    std::copy(set.images.row(begin), set.images.row(begin) + out.images.size(), out.images.data());
    out.labels.assign(set.labels.begin() + long(begin), set.labels.begin() + long(begin + count));
    return out;
}

struct ProbeScore {
    double loss = 0;
    ConfusionMatrix confusion;
};

ProbeScore score(Sequential& net, const LabeledSet& probe) {
    const Matrix probs = net.predict_proba(probe.images);
    ProbeScore s{0, confusion_matrix(probe.labels, argmax_rows(probs))};
    for (std::size_t i = 0; i < probe.size(); ++i)
        s.loss -= std::log(std::max(probs(i, probe.labels[i]), 1e-12f)) / double(probe.size());
    return s;
}

struct Progress {
    std::size_t job = 0;
    int epoch = 0, epochs = 0;
    long long step = 0, steps = 0;
    double seconds = 0, samples_per_second = 0, gflops = 0;
};

std::string progress_json(const Progress& p, const ProbeScore& train, const ProbeScore& val) {
    JsonWriter j;
    j.begin_object().key("job").value(p.job).key("state").value("training");
    j.key("epoch").value(p.epoch).key("epochs").value(p.epochs);
    j.key("step").value(p.step).key("steps").value(p.steps);
    j.key("loss").value(train.loss).key("val_loss").value(val.loss);
    j.key("train_accuracy").value(train.confusion.accuracy()).key("val_accuracy").value(val.confusion.accuracy());
    j.key("per_class").begin_array();
    for (int c = 0; c < 10; ++c) j.value(val.confusion.recall(c));
    j.end_array().key("confusion").begin_array();
    for (int t = 0; t < 10; ++t) {
        j.begin_array();
        for (int c = 0; c < 10; ++c) j.value(val.confusion.count(t, c));
        j.end_array();
    }
    j.end_array();
    const double eta = p.step > 0 ? p.seconds * double(p.steps - p.step) / double(p.step) : 0;
    j.key("seconds").value(p.seconds).key("eta_seconds").value(eta);
    j.key("samples_per_second").value(p.samples_per_second).key("gflops").value(p.gflops);
    j.end_object();
    return j.str();
}

std::string final_json(std::size_t job, const std::string& state, const std::string& detail) {
    JsonWriter j;
    j.begin_object().key("job").value(job).key("state").value(state);
    j.key(state == "done" ? "model" : "error").value(detail).end_object();
    return j.str();
}

}  // namespace

HttpReply LabApi::train_reply(const std::string& body) {
    const TrainRequest request = parse_train_request(body, options_.train);
    if (data_.train.size() < std::size_t(request.limit))
        throw ApiError(400, "\"limit\" " + std::to_string(request.limit) + " is more than the " +
                                std::to_string(data_.train.size()) + " training rows loaded");
    bool expected = false;
    if (!job_running_.compare_exchange_strong(expected, true))
        throw ApiError(409, "a training job is already running; wait for its last event");
    if (job_thread_.joinable()) job_thread_.join();  // the previous job, already finished
    std::size_t job;
    {
        std::lock_guard<std::mutex> guard(events_lock_);
        job = ++jobs_started_;
        latest_job_start_ = events_.size();
    }
    job_thread_ = std::thread([this, request, job] { run_job(request, job); });
    JsonWriter j;
    j.begin_object().key("job").value(job).key("events").value("/api/train/events").end_object();
    return {202, "application/json", j.str()};
}

void LabApi::run_job(TrainRequest request, std::size_t job) {
    try {
        MlpSpec spec;
        spec.sizes = {784};
        spec.sizes.insert(spec.sizes.end(), request.hidden.begin(), request.hidden.end());
        spec.sizes.push_back(10);
        Rng rng(request.seed);
        Sequential net(spec, rng);
        const LabeledSet rows = slice(data_.train, 0, std::size_t(request.limit));
        TrainOptions options;
        options.epochs = request.epochs;
        options.batch = request.batch;
        options.lr = float(request.lr);
        options.seed = request.seed;
        options.val_fraction = 0.1;
        options.progress = false;
        // the probes: the first training rows and the held-out tail (hw::train's validation rows)
        const std::size_t val_rows = rows.size() - std::size_t(double(rows.size()) * (1 - options.val_fraction));
        const std::size_t probe = std::min(options_.probe_rows, val_rows);
        const LabeledSet train_probe = slice(rows, 0, probe), val_probe = slice(rows, rows.size() - probe, probe);

        Progress p;
        p.job = job;
        p.epochs = request.epochs;
        const long long per_epoch = (long long)((rows.size() - val_rows + std::size_t(request.batch) - 1) / std::size_t(request.batch));
        p.steps = per_epoch * request.epochs;
        Stopwatch clock;
        auto report = [&] {
            p.epoch = int(std::min<long long>(p.step / per_epoch + 1, request.epochs));
            p.seconds = clock.seconds();
            p.samples_per_second = double(p.step) * request.batch / std::max(p.seconds, 1e-9);
            const GemmStats gemm = net.gemm_stats();  // reset by hw::train each epoch
            p.gflops = gemm.seconds > 0 ? gemm.flops / gemm.seconds * 1e-9 : 0;
            publish(progress_json(p, score(net, train_probe), score(net, val_probe)), false);
        };
        options.hooks.after_step = [&](const std::vector<Param>&) {
            if (stopping_) throw JobStopped{};
            if (++p.step % options_.event_every == 0 || p.step == p.steps) report();
        };
        train(net, rows, options);

        std::string name = "lab-job" + std::to_string(job) + "-" + layer_list(spec.sizes);
        std::replace(name.begin(), name.end(), ',', '-');
        const std::string path = options_.runs_dir + "/" + name + ".hwm";
        std::filesystem::create_directories(options_.runs_dir);
        net.save(path);
        add_model(name, std::move(net), path);
        publish(final_json(job, "done", name), true);
    } catch (const JobStopped&) {
        publish(final_json(job, "stopped", "the server is shutting down"), true);
    } catch (const std::exception& e) {
        publish(final_json(job, "failed", e.what()), true);
    }
}

void LabApi::publish(std::string json, bool last) {
    {
        std::lock_guard<std::mutex> guard(events_lock_);
        events_.push_back({events_.size(), last, std::move(json)});
        if (last) job_running_ = false;
    }
    events_changed_.notify_all();
}

std::optional<TrainingEvent> LabApi::next_event(std::size_t index, double timeout_seconds) {
    std::unique_lock<std::mutex> guard(events_lock_);
    const auto ready = [&] { return stopping_ || index < events_.size(); };
    events_changed_.wait_for(guard, std::chrono::duration<double>(timeout_seconds), ready);
    if (index >= events_.size()) return std::nullopt;
    return events_[index];
}

std::size_t LabApi::first_event_of_latest_job() const {
    std::lock_guard<std::mutex> guard(events_lock_);
    return latest_job_start_;
}

void LabApi::wait_for_training() {
    std::unique_lock<std::mutex> guard(events_lock_);
    events_changed_.wait(guard, [&] { return !job_running_ || stopping_; });
}

// Without a stream (curl, the tests): the latest job's events so far, as one JSON array.
HttpReply LabApi::events_snapshot_reply() const {
    std::lock_guard<std::mutex> guard(events_lock_);
    std::string body = "[";
    for (std::size_t i = latest_job_start_; i < events_.size(); ++i) {
        if (i > latest_job_start_) body += ",\n";
        body += events_[i].json;
    }
    return {200, "application/json", body + "]"};
}

}  // namespace hw
