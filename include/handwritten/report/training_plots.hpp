// training_plots.hpp — the loss and accuracy curves of a training run, as SVG files.
//
// Both MLP chapters (10 and 11) draw the same two charts from a hw::History: train vs
// validation cross-entropy per epoch, and train vs validation accuracy with the final test
// accuracy as a dashed line. Chapter 11 adds its learning-rate chart on top.
#pragma once
#include <string>

#include "handwritten/train/trainer.hpp"

namespace hw {

// Writes out_dir/loss.svg and out_dir/accuracy.svg. `title` starts each chart's title
// (e.g. "10-mlp"); `loss_note` is appended to the loss chart's title when not empty.
void write_training_curves(const std::string& out_dir, const History& history,
                           double test_accuracy, const std::string& title,
                           const std::string& loss_note = "");

}  // namespace hw
