// sweep.hpp — hyperparameter grids: parse "lr=1e-3,3e-3;batch=64,128", enumerate every
// combination, collect one result row per run, print a table, write CSV and an SVG chart.
//
// The runner itself (what one run does) belongs to the caller: chapter 11's main() sets the
// flags of each combination and calls the shared trainer. This file only does the bookkeeping,
// so it is testable without training anything.
#pragma once
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace hw {

struct SweepAxis {
    std::string name;                 // a flag name without dashes, e.g. "lr", "batch"
    std::vector<std::string> values;  // as written, e.g. {"1e-3", "3e-3"}
};
using SweepSetting = std::vector<std::pair<std::string, std::string>>;  // (name, value) per axis

// "lr=1e-3,3e-3;batch=64,128" → two axes. Axes are separated by ';', values by ','.
// std::invalid_argument naming the problem on empty names/values or a repeated axis.
std::vector<SweepAxis> parse_sweep(const std::string& spec);
// Every combination, the first axis varying slowest (like nested loops written in that order).
std::vector<SweepSetting> sweep_settings(const std::vector<SweepAxis>& axes);

struct SweepResult {
    SweepSetting setting;
    double val_accuracy = 0;   // fraction (NaN when there was no validation split)
    double test_accuracy = 0;  // fraction
    int epochs = 0;            // epochs actually run (early stopping may cut them short)
    double seconds = 0;        // training wall time
};

class SweepTable {
public:
    explicit SweepTable(std::vector<SweepAxis> axes);
    void add(const SweepResult& row);
    const std::vector<SweepResult>& rows() const { return rows_; }

    std::string header_line() const;                   // column names, aligned
    std::string format_row(const SweepResult& r) const;  // one aligned row
    void print(std::ostream& os) const;                 // header + every row
    // CSV with one column per axis, then val_accuracy,test_accuracy,epochs,seconds.
    void write_csv(const std::string& path) const;
    // Test accuracy (%) against the first axis (log x when all its values are positive numbers
    // spanning ≥ 10×); one line per combination of the other axes.
    void write_chart(const std::string& path, const std::string& title) const;

private:
    std::vector<SweepAxis> axes_;
    std::vector<SweepResult> rows_;
};

}  // namespace hw
