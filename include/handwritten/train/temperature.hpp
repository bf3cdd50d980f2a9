// temperature.hpp — softmax with a temperature, and how confident a classifier is.
//
//   p_k = exp(z_k / T) / Σ_j exp(z_j / T)
//
// T = 1 is the ordinary softmax. T > 1 flattens the distribution (T → ∞: uniform 1/K);
// T < 1 sharpens it (T → 0: one-hot on the largest logit). The argmax — and so the accuracy —
// never changes; only the confidence does. That is what temperature scaling (Guo et al. 2017)
// uses: networks trained to low loss are often over-confident, and one T fitted on validation
// data makes "90% sure" mean right 90% of the time.
//
// Confidence is summarised by:
//   mean confidence  average of max_k p_k
//   NLL              average of -log p_label (the cross-entropy the network was trained on)
//   ECE              expected calibration error: bin the samples by confidence (equal-width
//                    bins over [0,1]); ECE = Σ_bins (n_bin / N) · |accuracy_bin - confidence_bin|
#pragma once
#include <cstdint>
#include <vector>

#include "handwritten/core/matrix.hpp"

namespace hw {

// Row-wise softmax of logits / T (B×K → B×K), numerically stable (max subtracted). T > 0.
Matrix softmax_with_temperature(const Matrix& logits, float temperature);

struct Calibration {
    double accuracy = 0;         // fraction, argmax == label
    double mean_confidence = 0;  // average max probability
    double nll = 0;              // average -log p_label (natural log)
    double ece = 0;              // expected calibration error, fraction
};
Calibration calibration(const Matrix& probabilities, const std::vector<std::uint8_t>& labels,
                        int bins = 15);

// The T among `candidates` with the lowest NLL on (logits, labels) — fit it on validation data.
float fit_temperature(const Matrix& logits, const std::vector<std::uint8_t>& labels,
                      const std::vector<float>& candidates);

}  // namespace hw
