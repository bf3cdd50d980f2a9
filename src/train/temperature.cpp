// temperature.cpp — tempered softmax, calibration statistics, fitting T.
#include "handwritten/train/temperature.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace hw {

Matrix softmax_with_temperature(const Matrix& logits, float temperature) {
    if (!(temperature > 0)) throw std::invalid_argument("temperature must be > 0");
    Matrix P(logits.rows(), logits.cols());
    const float inv_t = 1.0f / temperature;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        const float* z = logits.row(r);
        float* p = P.row(r);
        // Subtract the max so the largest exponent is exp(0) = 1: no overflow for any T.
        const float zmax = *std::max_element(z, z + logits.cols());
        double sum = 0.0;
        for (std::size_t k = 0; k < logits.cols(); ++k) {
            p[k] = std::exp((z[k] - zmax) * inv_t);
            sum += p[k];
        }
        const float inv_sum = static_cast<float>(1.0 / sum);
        for (std::size_t k = 0; k < logits.cols(); ++k) p[k] *= inv_sum;
    }
    return P;
}

Calibration calibration(const Matrix& probabilities, const std::vector<std::uint8_t>& labels,
                        int bins) {
    const std::size_t n = probabilities.rows(), k = probabilities.cols();
    if (labels.size() != n) throw std::invalid_argument("calibration: one label per row needed");
    if (bins < 1) throw std::invalid_argument("calibration: bins must be ≥ 1");
    Calibration c;
    if (n == 0) return c;
    std::vector<double> bin_conf(bins, 0.0), bin_correct(bins, 0.0), bin_count(bins, 0.0);
    for (std::size_t r = 0; r < n; ++r) {
        const float* p = probabilities.row(r);
        const std::size_t best = std::max_element(p, p + k) - p;
        const double conf = p[best];
        const bool correct = best == labels[r];
        c.accuracy += correct;
        c.mean_confidence += conf;
        // Clamp: a float probability can underflow to 0, and -log 0 would be inf.
        c.nll -= std::log(std::max(double(p[labels[r]]), 1e-30));
        const int b = std::min(bins - 1, static_cast<int>(conf * bins));
        bin_conf[b] += conf;
        bin_correct[b] += correct;
        bin_count[b] += 1;
    }
    for (int b = 0; b < bins; ++b)
        if (bin_count[b] > 0) c.ece += std::fabs(bin_correct[b] - bin_conf[b]) / double(n);
    c.accuracy /= double(n);
    c.mean_confidence /= double(n);
    c.nll /= double(n);
    return c;
}

float fit_temperature(const Matrix& logits, const std::vector<std::uint8_t>& labels,
                      const std::vector<float>& candidates) {
    if (candidates.empty()) throw std::invalid_argument("fit_temperature: no candidates");
    float best_t = candidates.front();
    double best_nll = std::numeric_limits<double>::infinity();
    for (float t : candidates) {
        const double nll = calibration(softmax_with_temperature(logits, t), labels).nll;
        if (nll < best_nll) {
            best_nll = nll;
            best_t = t;
        }
    }
    return best_t;
}

}  // namespace hw
