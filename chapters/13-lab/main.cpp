// Chapter 13 — the digit lab: draw a digit in a browser, see what the network sees, watch it train.
//
// A small HTTP server (cpp-httplib, Debian's libcpp-httplib-dev) around hw::LabApi
// (include/handwritten/app/lab_api.hpp), which holds every route and check. This file only
// reads the command line, loads MNIST and the models, hands each request to LabApi::handle()
// and streams training events as Server-Sent Events.
//
//   build/bin/13-lab                       every .hwm under runs/, on http://127.0.0.1:8080/
//   build/bin/13-lab --model runs/mlp.hwm --port 0     one model, any free port
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/app/lab_api.hpp"
#include "handwritten/data/digit_normalize.hpp"
#include "handwritten/report/evaluation.hpp"
#include "handwritten/nn/model_file.hpp"

namespace {

namespace fs = std::filesystem;

struct Settings {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string models;  // comma-separated .hwm files; empty: every .hwm under --runs
    std::string runs = "runs";
    std::string data;
    std::string web = "chapters/13-lab/web";
    int threads = 32;
    int check_normalization = 0;  // > 0: measure the preprocessing on that many test digits, exit
};

Settings parse_settings(int argc, char** argv) {
    Settings s;
    hw::Cli cli("13-lab", "Serve the digit lab: a web page and a JSON API over our own networks.");
    cli.option("--host", s.host, "address to listen on (loopback unless you mean otherwise)")
        .option("--port", s.port, "TCP port; 0 picks a free one (the URL is printed)")
        .option("--model", s.models, "model files to serve, comma-separated (default: every .hwm under --runs)")
        .option("--runs", s.runs, "folder searched for .hwm files; finished training jobs are saved here")
        .option("--data", s.data, "MNIST folder (default: $HW_DATA_DIR, else data/mnist)")
        .option("--web", s.web, "folder of the page's static files")
        .option("--threads", s.threads, "HTTP worker threads (a keep-alive connection holds one)")
        .option("--check-normalization", s.check_normalization,
                "no server: accuracy of the first N test digits drawn on a 280x280 canvas, with and without normalize_drawing");
    cli.epilog("API: GET /api/models, POST /api/predict, POST /api/train, GET /api/train/events,\n"
               "     GET /api/pca, GET /api/weights, GET /api/mistakes (chapters/13-lab/README.md)\n"
               "Example: make serve   (trains a small default model first when runs/ has none)");
    cli.parse(argc, argv);
    cli.check(s.port >= 0 && s.port <= 65535, "--port must be in 0..65535");
    cli.check(s.check_normalization >= 0 && s.check_normalization <= 10000, "--check-normalization must be in 0..10000");
    cli.check(s.threads >= 2 && s.threads <= 1024, "--threads must be in 2..1024");
    cli.check(fs::is_regular_file(fs::path(s.web) / "index.html"), "--web " + s.web + " has no index.html");
    return s;
}

std::vector<std::string> split_commas(const std::string& list) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t end = std::min(list.find(',', start), list.size());
        if (end > start) items.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return items;
}

// Explicit --model files must load (exit 1 otherwise); files found under --runs that do not
// (an older format, a model of another shape) are skipped with a warning.
void load_models(hw::LabApi& api, const Settings& s) {
    if (!s.models.empty()) {
        for (const std::string& path : split_commas(s.models)) {
            try {
                std::printf("model %s from %s\n", api.add_model_file(path).c_str(), path.c_str());
            } catch (const std::exception& e) {
                std::fprintf(stderr, "13-lab: error: %s\n", e.what());
                std::exit(1);
            }
        }
        return;
    }
    std::error_code ec;
    std::vector<std::string> found;  // every .hwm under --runs, in name order
    if (fs::is_directory(s.runs, ec))
        for (const auto& entry : fs::recursive_directory_iterator(s.runs, ec))
            if (entry.is_regular_file() && entry.path().extension() == ".hwm") found.push_back(entry.path().string());
    std::sort(found.begin(), found.end());
    for (const std::string& path : found) {
        try {
            std::printf("model %s from %s\n", api.add_model_file(path).c_str(), path.c_str());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "13-lab: warning: skipping %s\n", e.what());
        }
    }
    if (api.model_names().empty())
        std::fprintf(stderr, "13-lab: warning: no model under %s/ — start a training job on the page, or run "
                             "`make serve` (it trains a small default first)\n", s.runs.c_str());
}

std::map<std::string, std::string> query_of(const httplib::Request& req) {
    std::map<std::string, std::string> query;
    for (const auto& [key, value] : req.params) query.emplace(key, value);  // first value wins
    return query;
}

void send(httplib::Response& res, const hw::HttpReply& reply) {
    res.status = reply.status;
    res.set_content(reply.body, reply.content_type.c_str());
}

// GET /api/train/events with "Accept: text/event-stream" (what EventSource sends): the latest
// job's events, then each new one as it is published; a comment line every second keeps the
// connection alive and lets the stream notice a closed tab or a shutting-down server.
void stream_events(hw::LabApi& api, const httplib::Request& req, httplib::Response& res) {
    std::size_t next = api.first_event_of_latest_job();
    if (req.has_header("Last-Event-ID")) {
        try {
            next = std::max(next, std::stoul(req.get_header_value("Last-Event-ID")) + 1);
        } catch (const std::exception&) {}  // a malformed id: start from the job's beginning
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [&api, next](std::size_t, httplib::DataSink& sink) mutable {
        const std::optional<hw::TrainingEvent> event = api.next_event(next, 1.0);
        std::string text;
        if (event) {
            text = "id: " + std::to_string(event->index) + "\n";
            std::size_t start = 0;  // one "data:" line per line of JSON; the browser joins them
            for (std::size_t end; (end = event->json.find('\n', start)) != std::string::npos; start = end + 1)
                text += "data: " + event->json.substr(start, end - start) + "\n";
            text += "data: " + event->json.substr(start) + "\n\n";
            ++next;
        } else {
            text = ": waiting\n\n";
        }
        return !api.shutting_down() && sink.is_writable() && sink.write(text.data(), text.size());
    });
}

// Each test digit is drawn on a 280×280 canvas twice: filling it (as a user who draws big and
// centred would) and at 4× in the top-left corner (small and off-centre). A naive demo shrinks
// the whole canvas to 28×28; normalize_drawing crops, scales into 20×20 and centres by mass.
void check_normalization(hw::Sequential& net, const hw::LabeledSet& test, int count) {
    const int side = 280;
    struct Placement { const char* name; int size, left, top; };
    const Placement placements[] = {{"filling the canvas", 280, 0, 0}, {"small, top-left corner", 112, 8, 8}};
    std::printf("%-24s %8s %12s   (first %d test digits, %s)\n", "drawn", "naive", "normalized", count,
                hw::layer_list(net.spec().sizes).c_str());
    for (const Placement& p : placements) {
        hw::Matrix naive(std::size_t(count), 784), normalized(std::size_t(count), 784);
        for (int i = 0; i < count; ++i) {
            const std::vector<float> digit(test.images.row(i), test.images.row(i) + 784);
            const std::vector<float> big = hw::resample_area(digit, 28, 28, p.size, p.size);
            std::vector<float> canvas(std::size_t(side) * side, 0.0f);
            for (int r = 0; r < p.size; ++r)
                std::copy_n(big.begin() + long(r) * p.size, p.size, canvas.begin() + long(p.top + r) * side + p.left);
            const std::vector<float> a = hw::resample_area(canvas, side, side, 28, 28);
            const std::vector<float> b = hw::normalize_drawing(canvas, side, side);
            std::copy(a.begin(), a.end(), naive.row(i));
            std::copy(b.begin(), b.end(), normalized.row(i));
        }
        const std::vector<std::uint8_t> labels(test.labels.begin(), test.labels.begin() + count);
        std::printf("%-24s %7.2f%% %11.2f%%\n", p.name, 100 * hw::accuracy(labels, net.predict(naive)),
                    100 * hw::accuracy(labels, net.predict(normalized)));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Settings s = parse_settings(argc, argv);
    hw::Mnist data;
    try {
        data = hw::load_mnist(hw::resolve_data_dir(s.data, "mnist"));
    } catch (const hw::DataError& e) {
        std::fprintf(stderr, "13-lab: error: %s\n", e.what());
        return 1;
    }
    if (s.check_normalization > 0) {
        const std::string path = s.models.empty() ? "runs/mlp-default.hwm" : split_commas(s.models).front();
        try {
            hw::Sequential net = hw::Sequential::load(path);
            check_normalization(net, data.test, std::min<int>(s.check_normalization, int(data.test.size())));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "13-lab: error: %s\n", e.what());
            return 1;
        }
        return 0;
    }
    // SIGINT/SIGTERM go to one waiting thread (blocked everywhere else) that stops the server.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    hw::LabOptions options;
    options.web_root = s.web;
    options.runs_dir = s.runs;
    hw::LabApi api(options, std::move(data));
    load_models(api, s);

    httplib::Server server;
    const int threads = s.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(std::size_t(threads)); };
    server.set_payload_max_length(options.max_body + 1);  // LabApi answers the first byte over with 413
    server.set_keep_alive_max_count(100000);
    server.set_tcp_nodelay(true);  // else Nagle + delayed ACKs add ~40 ms to each keep-alive reply
    auto route = [&api](const httplib::Request& req, httplib::Response& res) {
        if (req.path == "/api/train/events" && req.method == "GET" &&
            req.get_header_value("Accept").find("text/event-stream") != std::string::npos)
            return stream_events(api, req, res);
        send(res, api.handle(req.method, req.path, query_of(req), req.body));
    };
    server.Get(".*", route).Post(".*", route).Put(".*", route).Delete(".*", route).Patch(".*", route);
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;  // LabApi's own JSON error
        const std::string why = res.status == 413 ? "body over the limit" : "bad request";
        res.set_content("{\"error\": \"" + why + " (" + req.method + ")\", \"status\": " +
                            std::to_string(res.status) + "}", "application/json");
    });

    const int port = s.port == 0 ? server.bind_to_any_port(s.host) : (server.bind_to_port(s.host, s.port) ? s.port : -1);
    if (port < 0) {
        std::fprintf(stderr, "13-lab: error: cannot listen on %s:%d (in use? try --port 0)\n", s.host.c_str(), s.port);
        return 1;
    }
    std::atomic<bool> signalled{false};
    std::thread stopper([&] {
        int signal_number = 0;
        sigwait(&stop_signals, &signal_number);
        signalled = true;
        api.shut_down();
        server.stop();
    });
    std::printf("13-lab: %zu model(s); open http://%s:%d/\n", api.model_names().size(), s.host.c_str(), port);
    std::fflush(stdout);
    server.listen_after_bind();
    if (!signalled) pthread_kill(stopper.native_handle(), SIGTERM);  // listen failed: release the stopper
    stopper.join();
    std::printf("13-lab: stopped\n");
    return 0;
}
