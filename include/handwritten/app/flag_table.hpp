// flag_table.hpp — a run's settings declared once: each is a command-line flag, a --sweep key,
// a range check and a field of the metrics JSON, all read from the same table row.
//
//     hw::FlagTable flags;
//     flags.number("lr", s.lr, "learning rate", hw::Range::positive())
//          .choice("schedule", s.schedule, {"constant", "cosine"}, "learning-rate schedule")
//          .toggle("augment", s.augment, "random warps of every training batch");
//     flags.add_to(cli);              // --lr X, --schedule constant|cosine, --augment
//     cli.parse(argc, argv);
//     flags.check(cli);               // exit 2 with "--lr must be > 0 (got -1)" when out of range
//     flags.set("lr", "3e-3");        // what --sweep "lr=3e-3" does: the same parser, then check
//     flags.write_json(j);            // "lr": 0.003, "schedule": "constant", "augment": false
//
// A table holds references to the fields of ONE settings object. A copy of the settings (one
// run of a sweep) gets its own table from the function that declared the first one, so each
// chapter writes its flag list exactly once: `void declare_flags(hw::FlagTable&, Settings&)`.
//
// What it is not: a replacement for hw::Cli. The table registers its rows with a Cli (through
// Cli::custom), which still does the parsing of argv, --help and the exit-2 errors; chapters
// with a handful of flags use Cli directly.
#pragma once
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"

namespace hw {

class JsonWriter;

// The values a number may take: [lo, hi], either end open or unbounded.
struct Range {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = false, hi_open = false;

    static Range any() { return {}; }
    static Range positive() { return {0, std::numeric_limits<double>::infinity(), true, false}; }
    static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
    static Range between(double lo, double hi) { return {lo, hi, false, false}; }
    static Range fraction() { return {0, 1, false, true}; }  // [0, 1): rates, shares, momentum
    bool contains(double v) const;
    std::string describe() const;  // "> 0", ">= 0", "in [0, 1)", "in 1..100000"
};

class FlagTable {
public:
    // Rows, in the order --help lists them. `name` has no dashes: "lr", "weight-decay".
    FlagTable& number(const std::string& name, int& field, const std::string& help, Range range = {});
    FlagTable& number(const std::string& name, long& field, const std::string& help, Range range = {});
    FlagTable& number(const std::string& name, float& field, const std::string& help, Range range = {});
    FlagTable& number(const std::string& name, double& field, const std::string& help, Range range = {});
    FlagTable& text(const std::string& name, std::string& field, const std::string& help);
    FlagTable& choice(const std::string& name, std::string& field, std::vector<std::string> choices,
                      const std::string& help);
    // A flag without a value on the command line; in a sweep "on|off|1|0|true|false".
    FlagTable& toggle(const std::string& name, bool& field, const std::string& help);
    // A comma-separated list kept as text ("784,256,10"), each element in `range`, at least
    // `min_count` of them. A sweep separates its values with commas, so it writes the list with
    // dashes ("784-256-10"); int lists take either form and store commas.
    FlagTable& int_list(const std::string& name, std::string& field, const std::string& help, Range range,
                        std::size_t min_count);
    FlagTable& float_list(const std::string& name, std::string& field, const std::string& help, Range range);

    // Modifiers of the row declared last.
    FlagTable& json_key(const std::string& key);  // its key in the metrics JSON (default: name, '-' → '_')
    FlagTable& not_in_metrics();                  // paths and display switches stay out of the JSON
    FlagTable& not_sweepable();                   // settings of the whole run, not of one trial

    // Registers every row with the command line, in order (so a chapter can add its own
    // Cli options before or after the table).
    void add_to(Cli& cli);
    // After cli.parse: the first out-of-range row as a usage error (exit 2).
    void check(const Cli& cli) const;
    // "--lr must be > 0 (got -1)" for the first row out of range; empty when all are fine.
    std::string range_error() const;

    // Sets a row from text exactly as its flag would, then checks its range. Throws
    // std::invalid_argument naming the flag for an unknown or unsweepable name or a bad value
    // (and then leaves the setting as it was).
    void set(const std::string& name, const std::string& value);
    bool has(const std::string& name) const;
    std::vector<std::string> sweepable_names() const;

    // One member per row (except not_in_metrics ones), in table order, into an open object.
    void write_json(JsonWriter& j) const;

private:
    struct Row {
        std::string name, help, value_hint, json_key;
        bool takes_value = true, in_metrics = true, sweepable = true;
        std::function<std::string()> current_text;        // the value as --help shows it
        std::function<bool(const std::string&)> assign;   // false when the text is malformed
        std::function<std::string()> range_error;         // "" when in range
        std::function<void(JsonWriter&)> write_value;
    };
    template <class T>
    FlagTable& add_number(const std::string& name, T& field, const std::string& help, Range range);
    FlagTable& add(Row row);
    const Row* find(const std::string& name) const;

    std::vector<Row> rows_;
};

}  // namespace hw
