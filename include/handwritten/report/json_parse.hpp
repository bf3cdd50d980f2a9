// json_parse.hpp — a small, strict JSON reader for request bodies (json.hpp only writes).
//
// RFC 8259 grammar: objects, arrays, strings (with \u escapes, surrogate pairs → UTF-8),
// numbers, true/false/null. No comments, no trailing commas, nothing after the value but
// whitespace. More than `max_depth` nested arrays and objects are rejected, so a hostile body such as
// "[[[[..." cannot exhaust the stack. Every problem throws hw::JsonError with the byte offset.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hw {

struct JsonError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class JsonValue {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::Null; }
    bool is_number() const { return type_ == Type::Number; }
    bool is_string() const { return type_ == Type::String; }
    bool is_array() const { return type_ == Type::Array; }
    bool is_object() const { return type_ == Type::Object; }

    // Typed access: JsonError when the value has another type.
    bool as_bool() const;
    double as_number() const;
    const std::string& as_string() const;
    const std::vector<JsonValue>& as_array() const;
    const std::map<std::string, JsonValue>& as_object() const;

    // Object member or nullptr (also nullptr when this is not an object).
    const JsonValue* find(const std::string& key) const;

    static JsonValue make_null() { return JsonValue(); }
    static JsonValue make_bool(bool b);
    static JsonValue make_number(double x);
    static JsonValue make_string(std::string s);
    static JsonValue make_array(std::vector<JsonValue> items);
    static JsonValue make_object(std::map<std::string, JsonValue> members);

private:
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<JsonValue> array_;
    std::map<std::string, JsonValue> object_;
};

// Parses a whole document. JsonError("json: ... at byte N") when it is not valid JSON.
JsonValue parse_json(std::string_view text, int max_depth = 32);

}  // namespace hw
