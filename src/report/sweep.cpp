// sweep.cpp — grid parsing, enumeration, and the table/CSV/SVG of a sweep's results.
#include "handwritten/report/sweep.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "handwritten/report/svg.hpp"

namespace hw {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::string cur;
    std::istringstream in(text);
    while (std::getline(in, cur, sep)) parts.push_back(cur);
    if (!text.empty() && text.back() == sep) parts.push_back("");
    return parts;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool parse_number(const std::string& s, double& out) {
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size();
}

std::string percent(double fraction) {
    if (std::isnan(fraction)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", 100.0 * fraction);
    return buf;
}

constexpr int kSettingWidth = 10;

std::string pad(const std::string& s, int width) {
    return s.size() >= std::size_t(width) ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::vector<SweepAxis> parse_sweep(const std::string& spec) {
    std::vector<SweepAxis> axes;
    for (const std::string& part : split(spec, ';')) {
        const std::string axis_text = trim(part);
        if (axis_text.empty()) continue;
        const auto eq = axis_text.find('=');
        if (eq == std::string::npos)
            throw std::invalid_argument("sweep: '" + axis_text + "' needs the form name=v1,v2");
        SweepAxis axis;
        axis.name = trim(axis_text.substr(0, eq));
        if (axis.name.rfind("--", 0) == 0) axis.name = axis.name.substr(2);
        if (axis.name.empty()) throw std::invalid_argument("sweep: an axis has no name");
        for (const auto& axis_seen : axes)
            if (axis_seen.name == axis.name)
                throw std::invalid_argument("sweep: axis '" + axis.name + "' given twice");
        for (const std::string& v : split(axis_text.substr(eq + 1), ',')) {
            const std::string value = trim(v);
            if (value.empty())
                throw std::invalid_argument("sweep: axis '" + axis.name + "' has an empty value");
            axis.values.push_back(value);
        }
        if (axis.values.empty())
            throw std::invalid_argument("sweep: axis '" + axis.name + "' has no values");
        axes.push_back(std::move(axis));
    }
    if (axes.empty()) throw std::invalid_argument("sweep: empty grid (e.g. \"lr=1e-3,3e-3;batch=64,128\")");
    return axes;
}

std::vector<SweepSetting> sweep_settings(const std::vector<SweepAxis>& axes) {
    std::vector<SweepSetting> out(1);
    for (const SweepAxis& axis : axes) {  // extend every partial setting by every value
        std::vector<SweepSetting> next;
        for (const SweepSetting& partial : out)
            for (const std::string& v : axis.values) {
                SweepSetting s = partial;
                s.emplace_back(axis.name, v);
                next.push_back(std::move(s));
            }
        out = std::move(next);
    }
    return out;
}

SweepTable::SweepTable(std::vector<SweepAxis> axes) : axes_(std::move(axes)) {}

void SweepTable::add(const SweepResult& row) {
    if (row.setting.size() != axes_.size())
        throw std::invalid_argument("sweep: a result row has the wrong number of settings");
    rows_.push_back(row);
}

std::string SweepTable::header_line() const {
    std::string line;
    for (const auto& a : axes_) line += pad(a.name, kSettingWidth);
    return line + "   val %   test %  epochs   time";
}

std::string SweepTable::format_row(const SweepResult& r) const {
    std::string line;
    for (const auto& [name, value] : r.setting) line += pad(value, kSettingWidth);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%8s %8s %7d %6.1fs", percent(r.val_accuracy).c_str(),
                  percent(r.test_accuracy).c_str(), r.epochs, r.seconds);
    return line + buf;
}

void SweepTable::print(std::ostream& os) const {
    os << header_line() << "\n";
    for (const auto& r : rows_) os << format_row(r) << "\n";
}

void SweepTable::write_csv(const std::string& path) const {
    std::ofstream out(path);
    if (!out) throw std::runtime_error("cannot write " + path);
    for (const auto& a : axes_) out << a.name << ",";
    out << "val_accuracy,test_accuracy,epochs,seconds\n";
    for (const auto& r : rows_) {
        for (const auto& kv : r.setting) out << kv.second << ",";
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.6g,%.6g,%d,%.3f", r.val_accuracy, r.test_accuracy,
                      r.epochs, r.seconds);
        out << buf << "\n";
    }
    if (!out) throw std::runtime_error("error writing " + path);
}

void SweepTable::write_chart(const std::string& path, const std::string& title) const {
    if (axes_.empty()) return;
    // x: the first axis' values, numerically when they all parse, else their position.
    bool numeric = true, positive = true;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < axes_[0].values.size(); ++i) {
        double v;
        if (!parse_number(axes_[0].values[i], v)) numeric = false;
        else {
            positive = positive && v > 0;
            lo = i == 0 ? v : std::min(lo, v);
            hi = i == 0 ? v : std::max(hi, v);
        }
    }
    // One series per combination of the remaining axes, in first-seen order.
    std::map<std::string, std::size_t> index;
    std::vector<Series> series;
    for (const auto& r : rows_) {
        std::string key;
        for (std::size_t a = 1; a < r.setting.size(); ++a)
            key += (a > 1 ? " " : "") + r.setting[a].first + "=" + r.setting[a].second;
        if (key.empty()) key = "test accuracy";
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.emplace(key, series.size()).first;
            series.push_back(Series{key, {}, {}});
        }
        double x = 0;
        if (numeric) parse_number(r.setting[0].second, x);
        else
            for (std::size_t i = 0; i < axes_[0].values.size(); ++i)
                if (axes_[0].values[i] == r.setting[0].second) x = double(i);
        series[it->second].x.push_back(x);
        series[it->second].y.push_back(100.0 * r.test_accuracy);
    }
    ChartOptions opt;
    opt.title = title;
    opt.x_label = axes_[0].name + (numeric ? "" : " (index)");
    opt.y_label = "test accuracy (%)";
    opt.log_x = numeric && positive && hi >= 10 * lo;
    write_line_chart(path, series, opt);
}

}  // namespace hw
