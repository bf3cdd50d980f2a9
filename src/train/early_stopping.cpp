// early_stopping.cpp — patience counter plus a snapshot of the best parameters.
#include "handwritten/train/early_stopping.hpp"

#include <cstring>
#include <stdexcept>

namespace hw {

EarlyStopping::EarlyStopping(int patience, float min_delta)
    : patience_(patience), min_delta_(min_delta) {
    if (patience < 1) throw std::invalid_argument("early stopping: patience must be ≥ 1");
    if (min_delta < 0) throw std::invalid_argument("early stopping: min_delta must be ≥ 0");
}

bool EarlyStopping::update(int epoch, float val_loss, const std::vector<const Matrix*>& params) {
    if (val_loss < best_loss_ - min_delta_) {
        best_loss_ = val_loss;
        best_epoch_ = epoch;
        waited_ = 0;
        snapshot_.clear();
        snapshot_.reserve(params.size());
        for (const Matrix* p : params) snapshot_.push_back(p->clone());
        return false;
    }
    return ++waited_ >= patience_;
}

bool EarlyStopping::restore(const std::vector<Matrix*>& params) const {
    if (snapshot_.empty()) return false;
    if (params.size() != snapshot_.size())
        throw std::invalid_argument("early stopping: parameter count changed since the snapshot");
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i]->rows() != snapshot_[i].rows() || params[i]->cols() != snapshot_[i].cols())
            throw std::invalid_argument("early stopping: parameter shape changed since the snapshot");
        std::memcpy(params[i]->data(), snapshot_[i].data(), snapshot_[i].size() * sizeof(float));
    }
    return true;
}

}  // namespace hw
