// prediction_grid.cpp — random "actual | predicted" grids and error lists (prediction_grid.hpp).
#include "handwritten/report/prediction_grid.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "handwritten/core/random.hpp"
#include "handwritten/report/svg.hpp"

namespace hw {

std::vector<std::size_t> write_prediction_grid_svg(const std::string& path, const Matrix& images, int height,
                                                   int width, const std::vector<std::uint8_t>& labels,
                                                   const std::vector<int>& predictions, int count, int columns,
                                                   std::uint64_t seed, const std::string& title) {
    if (labels.size() != images.rows() || predictions.size() != images.rows())
        throw std::invalid_argument("prediction grid: images, labels and predictions differ in count");
    std::vector<std::size_t> rows(images.rows());
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    Rng rng(seed);
    rng.shuffle(rows);
    rows.resize(std::min<std::size_t>(rows.size(), std::size_t(std::max(0, count))));
    const std::size_t pixels = std::size_t(height) * std::size_t(width);
    std::vector<float> grid;
    std::vector<std::string> captions;
    for (std::size_t r : rows) {
        grid.insert(grid.end(), images.row(r), images.row(r) + pixels);
        captions.push_back(std::to_string(labels[r]) + " | " + std::to_string(predictions[r]) +
                           (int(labels[r]) == predictions[r] ? "" : " ✗"));
    }
    write_image_grid(path, grid.data(), int(rows.size()), height, width, captions, columns, title);
    return rows;
}

std::string error_list(const std::vector<std::uint8_t>& labels, const std::vector<int>& predictions,
                       std::size_t listed) {
    std::vector<std::size_t> wrong;
    for (std::size_t i = 0; i < labels.size() && i < predictions.size(); ++i)
        if (int(labels[i]) != predictions[i]) wrong.push_back(i);
    char head[96];
    std::snprintf(head, sizeof head, "%zu error%s in %zu images (%.2f%%)", wrong.size(), wrong.size() == 1 ? "" : "s",
                  labels.size(),
                  labels.empty() ? 0.0 : 100.0 * double(wrong.size()) / double(labels.size()));
    std::string text = head;
    for (std::size_t k = 0; k < wrong.size() && k < listed; ++k)
        text += (k == 0 ? ": #" : ", #") + std::to_string(wrong[k]) + " actual " + std::to_string(labels[wrong[k]]) +
                " predicted " + std::to_string(predictions[wrong[k]]);
    if (wrong.size() > listed) text += ", ...";
    return text;
}

}  // namespace hw
