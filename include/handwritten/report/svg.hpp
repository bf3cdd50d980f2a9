// svg.hpp — plots and image grids as standalone SVG files that any browser opens.
//
// No plotting library: an SVG is a text file of <line>, <polyline>, <rect> and <text>
// elements, so a chart is ~100 lines of C++. Used for loss/accuracy curves, the GEMM
// GFLOP/s chart, and grids of digits (samples, misclassified, augmented).
#pragma once
#include <string>
#include <vector>

namespace hw {

struct Series {
    std::string name;
    std::vector<double> x, y;
};

struct ChartOptions {
    std::string title, x_label, y_label;
    bool log_x = false;               // e.g. matrix size n from 64 to 2048
    std::vector<double> h_lines;      // dashed reference lines (e.g. the machine's peak)
    std::vector<std::string> h_line_labels;
    double y_min = 0, y_max = 0;      // both 0: fit to the data
};

// Writes a line chart; throws std::runtime_error when the file cannot be written.
void write_line_chart(const std::string& path, const std::vector<Series>& series,
                      const ChartOptions& options);

// A grid of grayscale images (values in [0,1], 1 = ink), each with an optional caption below.
// `pixels` holds count images of height×width floats, back to back.
void write_image_grid(const std::string& path, const float* pixels, int count, int height,
                      int width, const std::vector<std::string>& captions, int columns = 10,
                      const std::string& title = "");

// Escapes &, <, > and quotes for SVG/XML text.
std::string xml_escape(const std::string& text);

}  // namespace hw
