#include "handwritten/report/training_plots.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "handwritten/report/svg.hpp"

namespace hw {

void write_training_curves(const std::string& out_dir, const History& history,
                           double test_accuracy, const std::string& title,
                           const std::string& loss_note) {
    // "running mean": the train figures are averaged over the epoch's batches as it trains.
    Series train_loss{"train (running mean)", {}, {}}, val_loss{"validation", {}, {}};
    Series train_acc{"train (running mean)", {}, {}}, val_acc{"validation", {}, {}};
    for (const EpochStats& e : history.epochs) {
        train_loss.x.push_back(e.epoch), train_loss.y.push_back(e.train_loss);
        train_acc.x.push_back(e.epoch), train_acc.y.push_back(100 * e.train_accuracy);
        if (!std::isnan(e.val_loss)) {  // no validation split: no validation series
            val_loss.x.push_back(e.epoch), val_loss.y.push_back(e.val_loss);
            val_acc.x.push_back(e.epoch), val_acc.y.push_back(100 * e.val_accuracy);
        }
    }
    std::vector<Series> losses{train_loss}, accuracies{train_acc};
    if (!val_loss.x.empty()) losses.push_back(val_loss), accuracies.push_back(val_acc);

    ChartOptions lo;
    lo.title = title + ": cross-entropy loss per epoch" + (loss_note.empty() ? "" : " " + loss_note);
    lo.x_label = "epoch";
    lo.y_label = "mean cross-entropy";
    write_line_chart(out_dir + "/loss.svg", losses, lo);

    ChartOptions ao;
    ao.title = title + ": accuracy per epoch";
    ao.x_label = "epoch";
    ao.y_label = "accuracy (%)";
    ao.h_lines = {100 * test_accuracy};
    char label[48];
    std::snprintf(label, sizeof label, "final test accuracy %.2f%%", 100 * test_accuracy);
    ao.h_line_labels = {label};
    write_line_chart(out_dir + "/accuracy.svg", accuracies, ao);
}

}  // namespace hw
