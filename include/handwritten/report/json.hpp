// json.hpp — a tiny JSON writer for --metrics files (no parser: we only ever write JSON).
// Objects are written one member per line, arrays on one line, so a metrics file reads well
// in a terminal and diffs well. Misuse (a value where a key is due, unbalanced end_*) throws
// std::logic_error.
//
//   hw::JsonWriter j;
//   j.begin_object();
//   j.key("epochs").value(5);
//   j.key("accuracy").begin_array().value(0.95).value(0.97).end_array();
//   j.end_object();
//   j.save("metrics.json");
#pragma once
#include <string>
#include <vector>

namespace hw {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(const std::string& k);
    JsonWriter& value(const std::string& v);
    JsonWriter& value(const char* v);
    JsonWriter& value(double v);   // non-finite numbers are written as null
    JsonWriter& value(long long v);
    JsonWriter& value(int v) { return value(static_cast<long long>(v)); }
    JsonWriter& value(std::size_t v) { return value(static_cast<long long>(v)); }
    JsonWriter& value(bool v);
    JsonWriter& array(const std::vector<double>& values);

    const std::string& str() const { return out_; }
    // Throws std::runtime_error when the file cannot be written.
    void save(const std::string& path) const;

private:
    void separator();
    std::string out_;
    std::vector<bool> first_;      // one entry per open container: no element written yet
    std::vector<bool> is_object_;  // one entry per open container: object (true) or array
    bool after_key_ = false;
};

}  // namespace hw
