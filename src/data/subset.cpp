// subset.cpp — seeded row selections (subset.hpp).
#include "handwritten/data/subset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "handwritten/core/random.hpp"

namespace hw {

LabeledSet select_rows(const LabeledSet& set, const std::vector<std::size_t>& rows) {
    LabeledSet out;
    out.height = set.height;
    out.width = set.width;
    const std::size_t cols = set.images.cols();
    out.images = Matrix(rows.size(), cols);
    out.labels.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::memcpy(out.images.row(i), set.images.row(rows[i]), cols * sizeof(float));
        out.labels.push_back(set.labels[rows[i]]);
    }
    return out;
}

std::vector<std::size_t> balanced_subset(const std::vector<std::uint8_t>& labels, std::size_t per_class,
                                         std::uint64_t seed) {
    std::vector<std::vector<std::size_t>> by_class(10);
    for (std::size_t r = 0; r < labels.size(); ++r)
        if (labels[r] < 10) by_class[labels[r]].push_back(r);
    Rng rng(seed);
    std::vector<std::size_t> rows;
    for (int c = 0; c < 10; ++c) {
        std::vector<std::size_t>& candidates = by_class[c];
        if (candidates.size() < per_class)
            throw DataError("class " + std::to_string(c) + " has only " + std::to_string(candidates.size()) +
                            " examples, " + std::to_string(per_class) + " asked for");
        rng.shuffle(candidates);
        rows.insert(rows.end(), candidates.begin(), candidates.begin() + std::ptrdiff_t(per_class));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::vector<std::size_t> complement_rows(std::size_t n, const std::vector<std::size_t>& rows) {
    std::vector<std::size_t> rest;
    rest.reserve(n - std::min(n, rows.size()));
    std::size_t next = 0;  // index into the sorted `rows`
    for (std::size_t r = 0; r < n; ++r) {
        while (next < rows.size() && rows[next] < r) ++next;
        if (next < rows.size() && rows[next] == r) continue;
        rest.push_back(r);
    }
    return rest;
}

RowSplit split_rows(std::size_t n, double test_fraction, std::uint64_t seed) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(seed);
    rng.shuffle(order);
    const auto n_test = std::min(n, static_cast<std::size_t>(std::ceil(test_fraction * double(n))));
    RowSplit split;
    split.test.assign(order.begin(), order.begin() + std::ptrdiff_t(n_test));
    split.train.assign(order.begin() + std::ptrdiff_t(n_test), order.end());
    std::sort(split.test.begin(), split.test.end());
    std::sort(split.train.begin(), split.train.end());
    return split;
}

}  // namespace hw
