// flag_table.cpp — one row per setting: the parser, the range, the --help line and the JSON
// field of each flag come from the same place (flag_table.hpp).
#include "handwritten/app/flag_table.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "handwritten/core/number_list.hpp"
#include "handwritten/report/json.hpp"

namespace hw {

namespace {

std::string json_name(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

}  // namespace

// ---------------------------------------------------------------- Range

bool Range::contains(double v) const {
    if (std::isnan(v)) return false;
    const bool above = lo_open ? v > lo : v >= lo;
    const bool below = hi_open ? v < hi : v <= hi;
    return above && below;
}

std::string Range::describe() const {
    const bool no_lo = std::isinf(lo), no_hi = std::isinf(hi);
    if (no_lo && no_hi) return "a number";  // only NaN is outside
    if (no_hi) return (lo_open ? "> " : ">= ") + number_text(lo);
    if (no_lo) return (hi_open ? "< " : "<= ") + number_text(hi);
    if (!lo_open && !hi_open && lo == std::floor(lo) && hi == std::floor(hi))
        return "in " + number_text(lo) + ".." + number_text(hi);
    return std::string("in ") + (lo_open ? "(" : "[") + number_text(lo) + ", " + number_text(hi) + (hi_open ? ")" : "]");
}

// ---------------------------------------------------------------- declaring rows

FlagTable& FlagTable::add(Row row) {
    if (find(row.name)) throw std::logic_error("FlagTable: --" + row.name + " declared twice");
    if (row.json_key.empty()) row.json_key = json_name(row.name);
    rows_.push_back(std::move(row));
    return *this;
}

template <class T>
FlagTable& FlagTable::add_number(const std::string& name, T& field, const std::string& help, Range range) {
    Row row;
    row.name = name;
    row.help = help;
    row.value_hint.assign(1, std::is_integral_v<T> ? 'N' : 'X');
    row.current_text = [&field] { return number_text(field); };
    row.assign = [&field](const std::string& v) { return parse_number(v, field); };
    row.range_error = [&field, range, name]() -> std::string {
        if (range.contains(static_cast<double>(field))) return "";
        return "--" + name + " must be " + range.describe() + " (got " + number_text(field) + ")";
    };
    row.write_value = [&field](JsonWriter& j) {
        if constexpr (std::is_integral_v<T>) j.value(static_cast<long long>(field));
        else j.value(static_cast<double>(field));
    };
    return add(std::move(row));
}

FlagTable& FlagTable::number(const std::string& n, int& f, const std::string& h, Range r) { return add_number(n, f, h, r); }
FlagTable& FlagTable::number(const std::string& n, long& f, const std::string& h, Range r) { return add_number(n, f, h, r); }
FlagTable& FlagTable::number(const std::string& n, float& f, const std::string& h, Range r) { return add_number(n, f, h, r); }
FlagTable& FlagTable::number(const std::string& n, double& f, const std::string& h, Range r) { return add_number(n, f, h, r); }

FlagTable& FlagTable::text(const std::string& name, std::string& field, const std::string& help) {
    Row row;
    row.name = name;
    row.help = help;
    row.value_hint = "TEXT";
    row.current_text = [&field] { return field; };
    row.assign = [&field](const std::string& v) {
        field = v;
        return true;
    };
    row.range_error = [] { return std::string(); };
    row.write_value = [&field](JsonWriter& j) { j.value(field); };
    return add(std::move(row));
}

FlagTable& FlagTable::choice(const std::string& name, std::string& field, std::vector<std::string> choices,
                             const std::string& help) {
    text(name, field, help);
    Row& row = rows_.back();
    row.value_hint.clear();
    for (const std::string& c : choices) row.value_hint += (row.value_hint.empty() ? "" : "|") + c;
    row.assign = [&field, choices](const std::string& v) {
        if (std::find(choices.begin(), choices.end(), v) == choices.end()) return false;
        field = v;
        return true;
    };
    return *this;
}

FlagTable& FlagTable::toggle(const std::string& name, bool& field, const std::string& help) {
    Row row;
    row.name = name;
    row.help = help;
    row.value_hint = "on|off";
    row.takes_value = false;
    row.current_text = [&field] { return std::string(field ? "on" : "off"); };
    row.assign = [&field](const std::string& v) {  // "" is the flag given on the command line
        const bool on = v.empty() || v == "on" || v == "1" || v == "true";
        const bool off = v == "off" || v == "0" || v == "false";
        if (on || off) field = on;
        return on || off;
    };
    row.range_error = [] { return std::string(); };
    row.write_value = [&field](JsonWriter& j) { j.value(field); };
    return add(std::move(row));
}

FlagTable& FlagTable::int_list(const std::string& name, std::string& field, const std::string& help, Range range,
                               std::size_t min_count) {
    text(name, field, help);
    Row& row = rows_.back();
    row.value_hint = "N,N,...";
    row.assign = [&field](const std::string& v) {
        std::string commas = v;
        std::replace(commas.begin(), commas.end(), '-', ',');  // the sweep's spelling 784-256-10
        if (parse_int_list(commas).empty()) return false;
        field = commas;
        return true;
    };
    row.range_error = [&field, range, min_count, name]() -> std::string {
        const std::vector<int> values = parse_int_list(field);
        if (values.size() < min_count)
            return "--" + name + " needs at least " + std::to_string(min_count) + " values (got '" + field + "')";
        for (int v : values)
            if (!range.contains(v)) return "--" + name + " values must be " + range.describe() + " (got '" + field + "')";
        return "";
    };
    return *this;
}

FlagTable& FlagTable::float_list(const std::string& name, std::string& field, const std::string& help,
                                 Range range) {
    text(name, field, help);
    Row& row = rows_.back();
    row.value_hint = "X[,X...]";
    row.assign = [&field](const std::string& v) {
        if (parse_float_list(v).empty()) return false;
        field = v;
        return true;
    };
    row.range_error = [&field, range, name]() -> std::string {
        for (float v : parse_float_list(field))
            if (!range.contains(v)) return "--" + name + " values must be " + range.describe() + " (got '" + field + "')";
        return "";
    };
    return *this;
}

FlagTable& FlagTable::json_key(const std::string& key) {
    rows_.back().json_key = key;
    return *this;
}

FlagTable& FlagTable::not_in_metrics() {
    rows_.back().in_metrics = false;
    return *this;
}

FlagTable& FlagTable::not_sweepable() {
    rows_.back().sweepable = false;
    return *this;
}

// ---------------------------------------------------------------- reading the table

const FlagTable::Row* FlagTable::find(const std::string& name) const {
    for (const Row& row : rows_)
        if (row.name == name) return &row;
    return nullptr;
}

bool FlagTable::has(const std::string& name) const { return find(name) != nullptr; }

void FlagTable::add_to(Cli& cli) {
    for (const Row& row : rows_)
        cli.custom("--" + row.name, row.takes_value ? row.value_hint : "", row.current_text(), row.help, row.assign,
                   row.takes_value);
}

std::string FlagTable::range_error() const {
    for (const Row& row : rows_)
        if (std::string e = row.range_error(); !e.empty()) return e;
    return "";
}

void FlagTable::check(const Cli& cli) const {
    const std::string e = range_error();
    cli.check(e.empty(), e);
}

void FlagTable::set(const std::string& name, const std::string& value) {
    const Row* row = find(name);
    if (!row || !row->sweepable) {
        std::string names;
        for (const std::string& n : sweepable_names()) names += (names.empty() ? "" : ", ") + n;
        throw std::invalid_argument("'" + name + "' is not a setting a sweep can vary (try " + names + ")");
    }
    const std::string before = row->current_text();
    if (!row->assign(value))
        throw std::invalid_argument("bad value '" + value + "' for " + name + " (expected " + row->value_hint + ")");
    if (std::string e = row->range_error(); !e.empty()) {
        row->assign(before);  // a rejected value leaves the setting as it was
        throw std::invalid_argument(e);
    }
}

std::vector<std::string> FlagTable::sweepable_names() const {
    std::vector<std::string> names;
    for (const Row& row : rows_)
        if (row.sweepable) names.push_back(row.name);
    return names;
}

void FlagTable::write_json(JsonWriter& j) const {
    for (const Row& row : rows_) {
        if (!row.in_metrics) continue;
        j.key(row.json_key);
        row.write_value(j);
    }
}

}  // namespace hw
