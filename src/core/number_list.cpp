#include "handwritten/core/number_list.hpp"

#include <charconv>
#include <sstream>

namespace hw {
namespace {
template <class T>
bool parse_whole(const std::string& text, T& out) {
    if (text.empty()) return false;
    const char* first = text.data();
    const char* last = first + text.size();
    if (*first == '+') ++first;  // from_chars does not take a leading '+'
    auto [ptr, ec] = std::from_chars(first, last, out);
    return ec == std::errc() && ptr == last;
}

template <class T>
std::vector<T> parse_list(const std::string& text) {
    std::vector<T> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        T v{};
        if (!parse_whole(text.substr(start, comma - start), v)) return {};
        out.push_back(v);
        start = comma + 1;
    }
    return out;
}
}  // namespace

bool parse_number(const std::string& text, int& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, long& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, float& out) { return parse_whole(text, out); }
bool parse_number(const std::string& text, double& out) { return parse_whole(text, out); }

namespace {
template <class T>
std::string stream_text(T value) {
    std::ostringstream os;
    os << value;
    return os.str();
}
}  // namespace

std::string number_text(long value) { return stream_text(value); }
std::string number_text(double value) { return stream_text(value); }

std::vector<int> parse_int_list(const std::string& text) { return parse_list<int>(text); }
std::vector<float> parse_float_list(const std::string& text) { return parse_list<float>(text); }

}  // namespace hw
