// number_list.hpp — reading numbers and comma-separated lists of numbers from text.
//
// Used wherever text meets a model: the command line ("--layers 784,256,10"), a model file's
// config line ("dropout=0.2,0.5"), a sweep grid. Kept in core so the model never depends on the
// command-line parser to read its own config.
#pragma once
#include <string>
#include <vector>

namespace hw {

// The whole of `text` as one number (a leading '+' allowed); false on anything else, including
// an empty string, trailing characters or a value out of the type's range.
bool parse_number(const std::string& text, int& out);
bool parse_number(const std::string& text, long& out);
bool parse_number(const std::string& text, float& out);
bool parse_number(const std::string& text, double& out);

// A number as a stream prints it (6 significant digits): 128, 0.001, 1e-07. What --help shows
// as a default and what an error message shows as the value it got.
std::string number_text(long value);
std::string number_text(double value);
inline std::string number_text(int value) { return number_text(static_cast<long>(value)); }
inline std::string number_text(float value) { return number_text(static_cast<double>(value)); }

// "784,256,10" → {784, 256, 10}; an empty vector when any piece is malformed or empty.
std::vector<int> parse_int_list(const std::string& text);
// "0.2,0.5" → {0.2f, 0.5f}; an empty vector when any piece is malformed or empty.
std::vector<float> parse_float_list(const std::string& text);

}  // namespace hw
