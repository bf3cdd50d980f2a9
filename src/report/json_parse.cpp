// json_parse.cpp — recursive descent over the RFC 8259 grammar (see json_parse.hpp).
#include "handwritten/report/json_parse.hpp"

#include <cstdlib>

namespace hw {

bool JsonValue::as_bool() const {
    if (type_ != Type::Bool) throw JsonError("json: expected true or false");
    return bool_;
}
double JsonValue::as_number() const {
    if (type_ != Type::Number) throw JsonError("json: expected a number");
    return number_;
}
const std::string& JsonValue::as_string() const {
    if (type_ != Type::String) throw JsonError("json: expected a string");
    return string_;
}
const std::vector<JsonValue>& JsonValue::as_array() const {
    if (type_ != Type::Array) throw JsonError("json: expected an array");
    return array_;
}
const std::map<std::string, JsonValue>& JsonValue::as_object() const {
    if (type_ != Type::Object) throw JsonError("json: expected an object");
    return object_;
}
const JsonValue* JsonValue::find(const std::string& key) const {
    if (type_ != Type::Object) return nullptr;
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &it->second;
}

JsonValue JsonValue::make_bool(bool b) {
    JsonValue v;
    v.type_ = Type::Bool;
    v.bool_ = b;
    return v;
}
JsonValue JsonValue::make_number(double x) {
    JsonValue v;
    v.type_ = Type::Number;
    v.number_ = x;
    return v;
}
JsonValue JsonValue::make_string(std::string s) {
    JsonValue v;
    v.type_ = Type::String;
    v.string_ = std::move(s);
    return v;
}
JsonValue JsonValue::make_array(std::vector<JsonValue> items) {
    JsonValue v;
    v.type_ = Type::Array;
    v.array_ = std::move(items);
    return v;
}
JsonValue JsonValue::make_object(std::map<std::string, JsonValue> members) {
    JsonValue v;
    v.type_ = Type::Object;
    v.object_ = std::move(members);
    return v;
}

namespace {

class Parser {
public:
    Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

    JsonValue document() {
        JsonValue v = value(0);
        skip_space();
        if (pos_ != s_.size()) fail("unexpected text after the value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw JsonError("json: " + what + " at byte " + std::to_string(pos_));
    }
    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }
    bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    void expect(char c) {
        if (!at(c)) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) fail("invalid literal");
        pos_ += word.size();
    }

    JsonValue value(int depth) {
        skip_space();
        if (pos_ >= s_.size()) fail("unexpected end");
        if ((s_[pos_] == '{' || s_[pos_] == '[') && depth >= max_depth_)
            fail("more than " + std::to_string(max_depth_) + " nested arrays and objects");
        switch (s_[pos_]) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return JsonValue::make_string(string());
            case 't': literal("true"); return JsonValue::make_bool(true);
            case 'f': literal("false"); return JsonValue::make_bool(false);
            case 'n': literal("null"); return JsonValue::make_null();
            default: return JsonValue::make_number(number());
        }
    }

    JsonValue object(int depth) {
        expect('{');
        std::map<std::string, JsonValue> members;
        skip_space();
        if (at('}')) return ++pos_, JsonValue::make_object(std::move(members));
        for (;;) {
            skip_space();
            if (!at('"')) fail("expected a member name");
            std::string key = string();
            skip_space();
            expect(':');
            members[std::move(key)] = value(depth + 1);  // a repeated name keeps the last value
            skip_space();
            if (at('}')) return ++pos_, JsonValue::make_object(std::move(members));
            expect(',');
        }
    }

    JsonValue array(int depth) {
        expect('[');
        std::vector<JsonValue> items;
        skip_space();
        if (at(']')) return ++pos_, JsonValue::make_array(std::move(items));
        for (;;) {
            items.push_back(value(depth + 1));
            skip_space();
            if (at(']')) return ++pos_, JsonValue::make_array(std::move(items));
            expect(',');
        }
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — checked here, converted by strtod.
    double number() {
        const std::size_t start = pos_;
        if (at('-')) ++pos_;
        if (at('0')) ++pos_;
        else if (pos_ < s_.size() && is_digit(s_[pos_])) while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
        else fail("invalid value");
        if (at('.')) {
            ++pos_;
            if (pos_ >= s_.size() || !is_digit(s_[pos_])) fail("digit expected after '.'");
            while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
        }
        if (at('e') || at('E')) {
            ++pos_;
            if (at('+') || at('-')) ++pos_;
            if (pos_ >= s_.size() || !is_digit(s_[pos_])) fail("digit expected in exponent");
            while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
        }
        const std::string token(s_.substr(start, pos_ - start));
        return std::strtod(token.c_str(), nullptr);  // 1e999 → inf: callers reject non-finite
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("short \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            code <<= 4;
            if (c >= '0' && c <= '9') code |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') code |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') code |= unsigned(c - 'A' + 10);
            else fail("bad hex digit in \\u escape");
        }
        return code;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
        else if (cp < 0x10000)
            out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
        else
            out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F)),
                out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    }

    unsigned escaped_code_point() {
        unsigned cp = hex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate must be followed by a low one
            if (s_.substr(pos_, 2) != "\\u") fail("lone high surrogate");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        return cp;
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated escape");
            switch (s_[pos_++]) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': append_utf8(out, escaped_code_point()); break;
                default: --pos_; fail("unknown escape");
            }
        }
    }

    std::string_view s_;
    int max_depth_;
    std::size_t pos_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text, int max_depth) { return Parser(text, max_depth).document(); }

}  // namespace hw
