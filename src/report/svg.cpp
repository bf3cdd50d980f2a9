#include "handwritten/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace hw {

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

namespace {

void write_file(const std::string& path, const std::string& content) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + path);
    f << content;
    if (!f) throw std::runtime_error("error while writing " + path);
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`.
double nice_step(double span, int target) {
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};

}  // namespace

void write_line_chart(const std::string& path, const std::vector<Series>& series,
                      const ChartOptions& opt) {
    const double W = 760, H = 460, left = 70, right = 190, top = 40, bottom = 55;
    const double pw = W - left - right, ph = H - top - bottom;
    auto tx = [&](double x) { return opt.log_x ? std::log2(x) : x; };

    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const auto& s : series)
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.y[i])) continue;
            x0 = std::min(x0, tx(s.x[i])), x1 = std::max(x1, tx(s.x[i]));
            y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
        }
    for (double h : opt.h_lines) y0 = std::min(y0, h), y1 = std::max(y1, h);
    if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (opt.y_min != 0 || opt.y_max != 0) y0 = opt.y_min, y1 = opt.y_max;
    if (x1 == x0) x1 = x0 + 1;
    if (y1 == y0) y1 = y0 + 1;
    const double ypad = (y1 - y0) * 0.05;
    if (opt.y_min == 0 && opt.y_max == 0) y0 -= ypad, y1 += ypad;
    auto px = [&](double x) { return left + (tx(x) - x0) / (x1 - x0) * pw; };
    auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };

    std::ostringstream os;
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
       << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
       << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
       << "<text x=\"" << W / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
       << xml_escape(opt.title) << "</text>\n";
    // Grid and y ticks.
    const double ystep = nice_step(y1 - y0, 6);
    for (double y = std::ceil(y0 / ystep) * ystep; y <= y1 + 1e-12; y += ystep) {
        os << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << py(y) << "\" y2=\""
           << py(y) << "\" stroke=\"#e5e5e5\"/>\n"
           << "<text x=\"" << left - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">"
           << fmt(y) << "</text>\n";
    }
    // x ticks: powers of two on a log axis, nice steps otherwise.
    if (opt.log_x) {
        for (double e = std::ceil(x0); e <= x1 + 1e-9; e += 1)
            os << "<text x=\"" << px(std::exp2(e)) << "\" y=\"" << top + ph + 18
               << "\" text-anchor=\"middle\">" << fmt(std::exp2(e)) << "</text>\n";
    } else {
        // Whole-number x data (epochs) gets whole-number ticks: no "epoch 1.5".
        bool whole_x = true;
        for (const auto& s : series)
            for (double x : s.x) whole_x = whole_x && x == std::floor(x);
        double xstep = nice_step(x1 - x0, 8);
        if (whole_x) xstep = std::max(1.0, std::round(xstep));
        for (double x = std::ceil(x0 / xstep) * xstep; x <= x1 + 1e-12; x += xstep)
            os << "<text x=\"" << px(x) << "\" y=\"" << top + ph + 18
               << "\" text-anchor=\"middle\">" << fmt(x) << "</text>\n";
    }
    os << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
       << "\" fill=\"none\" stroke=\"#333\"/>\n"
       << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 12 << "\" text-anchor=\"middle\">"
       << xml_escape(opt.x_label) << "</text>\n"
       << "<text transform=\"translate(18," << top + ph / 2
       << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(opt.y_label) << "</text>\n";
    for (std::size_t i = 0; i < opt.h_lines.size(); ++i) {
        const double y = py(opt.h_lines[i]);
        os << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << y << "\" y2=\"" << y
           << "\" stroke=\"#555\" stroke-dasharray=\"6,4\"/>\n";
        if (i < opt.h_line_labels.size())
            os << "<text x=\"" << left + 4 << "\" y=\"" << y - 4 << "\" fill=\"#555\">"
               << xml_escape(opt.h_line_labels[i]) << "</text>\n";
    }
    for (std::size_t s = 0; s < series.size(); ++s) {
        const char* color = kPalette[s % (sizeof kPalette / sizeof *kPalette)];
        os << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
        for (std::size_t i = 0; i < series[s].x.size() && i < series[s].y.size(); ++i)
            if (std::isfinite(series[s].y[i]))
                os << px(series[s].x[i]) << "," << py(series[s].y[i]) << " ";
        os << "\"/>\n";
        for (std::size_t i = 0; i < series[s].x.size() && i < series[s].y.size(); ++i)
            if (std::isfinite(series[s].y[i]))
                os << "<circle cx=\"" << px(series[s].x[i]) << "\" cy=\"" << py(series[s].y[i])
                   << "\" r=\"2.5\" fill=\"" << color << "\"/>\n";
        const double ly = top + 10 + 18.0 * s;
        os << "<line x1=\"" << left + pw + 12 << "\" x2=\"" << left + pw + 32 << "\" y1=\"" << ly
           << "\" y2=\"" << ly << "\" stroke=\"" << color << "\" stroke-width=\"3\"/>\n"
           << "<text x=\"" << left + pw + 38 << "\" y=\"" << ly + 4 << "\">"
           << xml_escape(series[s].name) << "</text>\n";
    }
    os << "</svg>\n";
    write_file(path, os.str());
}

void write_image_grid(const std::string& path, const float* pixels, int count, int height,
                      int width, const std::vector<std::string>& captions, int columns,
                      const std::string& title) {
    const int scale = 3, gap = 6, caption_h = captions.empty() ? 0 : 16;
    const int title_h = title.empty() ? 0 : 26;
    columns = std::max(1, std::min(columns, std::max(count, 1)));
    const int rows = (count + columns - 1) / columns;
    const int cell_w = width * scale + gap, cell_h = height * scale + gap + caption_h;
    std::ostringstream os;
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << columns * cell_w + gap
       << "\" height=\"" << rows * cell_h + gap + title_h
       << "\" font-family=\"sans-serif\" font-size=\"11\" shape-rendering=\"crispEdges\">\n"
       << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    if (!title.empty())
        os << "<text x=\"" << gap << "\" y=\"18\" font-size=\"14\">" << xml_escape(title)
           << "</text>\n";
    for (int i = 0; i < count; ++i) {
        const int ox = gap + (i % columns) * cell_w, oy = title_h + gap + (i / columns) * cell_h;
        os << "<g transform=\"translate(" << ox << "," << oy << ") scale(" << scale << ")\">"
           << "<rect width=\"" << width << "\" height=\"" << height << "\" fill=\"white\" stroke=\"#ccc\" stroke-width=\"0.3\"/>";
        const float* img = pixels + static_cast<std::size_t>(i) * height * width;
        // Only inked pixels become rectangles: most of a digit is background.
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c) {
                const float v = std::clamp(img[r * width + c], 0.0f, 1.0f);
                if (v < 0.02f) continue;
                const int shade = static_cast<int>(255 * (1 - v));
                os << "<rect x=\"" << c << "\" y=\"" << r << "\" width=\"1\" height=\"1\" fill=\"rgb("
                   << shade << "," << shade << "," << shade << ")\"/>";
            }
        os << "</g>\n";
        if (i < static_cast<int>(captions.size()))
            os << "<text x=\"" << ox + width * scale / 2 << "\" y=\"" << oy + height * scale + 13
               << "\" text-anchor=\"middle\">" << xml_escape(captions[i]) << "</text>\n";
    }
    os << "</svg>\n";
    write_file(path, os.str());
}

}  // namespace hw
