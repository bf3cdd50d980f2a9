// datasets.cpp — the datasets by name (datasets.hpp).
#include "handwritten/data/datasets.hpp"

#include "handwritten/data/digits.hpp"
#include "handwritten/data/resample.hpp"
#include "handwritten/data/subset.hpp"

namespace hw {

const std::vector<std::string>& dataset_names() {
    static const std::vector<std::string> names = {"mnist", "fashion", "digits", "mnist20", "mnist20-5000"};
    return names;
}

Mnist load_dataset(const std::string& dir, const std::string& dataset) {
    if (dataset == "mnist" || dataset == "fashion") return load_mnist(dir, dataset);
    if (dataset == "digits") return load_digits(dir);
    if (dataset == "mnist20" || dataset == "mnist20-5000") {
        Mnist m = load_mnist(dir, "mnist");
        m.dataset = dataset;
        m.train = fit_set_in_box(m.train, kNistBox);
        if (dataset == "mnist20") {
            m.test = fit_set_in_box(m.test, kNistBox);
            return m;
        }
        const std::vector<std::size_t> subset = balanced_subset(m.train.labels, kMnist20SubsetPerClass, kMnist20SubsetSeed);
        const LabeledSet all = std::move(m.train);
        m.train = select_rows(all, subset);
        m.test = select_rows(all, complement_rows(all.size(), subset));  // the 55,000 never trained on
        return m;
    }
    std::string known;
    for (const std::string& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
    throw DataError("unknown dataset '" + dataset + "' (expected one of " + known + ")");
}

}  // namespace hw
