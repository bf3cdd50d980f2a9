// json.cpp — the JSON writer behind every --metrics file (see json.hpp).
//
// What it is: a string builder that knows where commas, colons and newlines go.
// What it is not: a parser, or a DOM — values are appended in order and never revisited.
#include "handwritten/report/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace hw {

namespace {

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (ch < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                    out += buf;
                } else {
                    out += static_cast<char>(ch);
                }
        }
    }
    return out + "\"";
}

void newline_and_indent(std::string& out, std::size_t depth) {
    out += '\n';
    out.append(2 * depth, ' ');
}

}  // namespace

// Called before every value, key or container start: writes the comma and line break that
// belong between siblings, and checks that a key precedes each value inside an object.
void JsonWriter::separator() {
    if (after_key_) {  // the value of a key: it follows the colon directly
        after_key_ = false;
        return;
    }
    if (first_.empty()) {
        if (!out_.empty()) throw std::logic_error("JsonWriter: more than one top-level value");
        return;
    }
    if (is_object_.back()) throw std::logic_error("JsonWriter: value inside an object needs key()");
    if (!first_.back()) out_ += ", ";
    first_.back() = false;
}

JsonWriter& JsonWriter::begin_object() {
    separator();
    out_ += "{";
    first_.push_back(true);
    is_object_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    if (is_object_.empty() || !is_object_.back() || after_key_)
        throw std::logic_error("JsonWriter: end_object() without a matching begin_object()");
    const bool empty = first_.back();
    first_.pop_back();
    is_object_.pop_back();
    if (!empty) newline_and_indent(out_, first_.size());
    out_ += "}";
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separator();
    out_ += "[";
    first_.push_back(true);
    is_object_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    if (is_object_.empty() || is_object_.back())
        throw std::logic_error("JsonWriter: end_array() without a matching begin_array()");
    first_.pop_back();
    is_object_.pop_back();
    out_ += "]";
    return *this;
}

JsonWriter& JsonWriter::key(const std::string& k) {
    if (is_object_.empty() || !is_object_.back() || after_key_)
        throw std::logic_error("JsonWriter: key(\"" + k + "\") outside an object");
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    newline_and_indent(out_, first_.size());
    out_ += quote(k);
    out_ += ": ";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(const std::string& v) {
    separator();
    out_ += quote(v);
    return *this;
}

JsonWriter& JsonWriter::value(const char* v) { return value(std::string(v)); }

JsonWriter& JsonWriter::value(double v) {
    separator();
    if (!std::isfinite(v)) {
        out_ += "null";  // JSON has no NaN or Infinity
        return *this;
    }
    // The shortest text that reads back as exactly this double.
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(long long v) {
    separator();
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(bool v) {
    separator();
    out_ += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::array(const std::vector<double>& values) {
    begin_array();
    for (double v : values) value(v);
    return end_array();
}

void JsonWriter::save(const std::string& path) const {
    if (!first_.empty()) throw std::logic_error("JsonWriter: save() with unclosed containers");
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + path);
    f << out_ << "\n";
    if (!f) throw std::runtime_error("error while writing " + path);
}

}  // namespace hw
