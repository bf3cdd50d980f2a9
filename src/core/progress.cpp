#include "handwritten/core/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace hw {

std::string human_count(double value) {
    char buf[32];
    if (value >= 1e9) std::snprintf(buf, sizeof buf, "%.2fG", value / 1e9);
    else if (value >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", value / 1e6);
    else if (value >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", value / 1e3);
    else std::snprintf(buf, sizeof buf, "%.1f", value);
    return buf;
}

std::string human_seconds(double s) {
    char buf[32];
    if (!std::isfinite(s) || s < 0) return "?";
    if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    else std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, int(s) % 3600 / 60);
    return buf;
}

ProgressBar::ProgressBar(std::string label, std::size_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
    const char* env = std::getenv("HW_PROGRESS");
    enabled_ = !(env && std::strcmp(env, "0") == 0);
    interactive_ = isatty(STDERR_FILENO);
}

void ProgressBar::update(std::size_t done, const std::string& suffix) {
    if (!enabled_ || !interactive_) return;
    const double now = clock_.seconds();
    if (last_draw_ >= 0 && now - last_draw_ < 0.1) return;
    last_draw_ = now;
    draw(done, suffix, false);
}

double ProgressBar::finish(const std::string& suffix) {
    const double elapsed = clock_.seconds();
    if (enabled_) draw(total_, suffix, true);
    return elapsed;
}

void ProgressBar::draw(std::size_t done, const std::string& suffix, bool final_line) {
    constexpr int kWidth = 24;
    const double elapsed = clock_.seconds();
    const double fraction = total_ ? double(done) / double(total_) : 1.0;
    const int filled = static_cast<int>(fraction * kWidth + 0.5);
    const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
    std::string line = label_ + " [" + std::string(filled, '#') + std::string(kWidth - filled, '-') +
                       "] " + std::to_string(done) + "/" + std::to_string(total_) + "  " +
                       human_count(rate) + " " + unit_ + "/s";
    if (final_line) line += "  " + human_seconds(elapsed);
    else line += "  ETA " + human_seconds(rate > 0 ? double(total_ - done) / rate : -1.0);
    if (!suffix.empty()) line += "  " + suffix;
    // "\r" + clear-to-end-of-line keeps redraws on one line on a terminal.
    std::cerr << (interactive_ ? "\r\033[K" : "") << line << (final_line ? "\n" : "") << std::flush;
}

}  // namespace hw
