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

// "784,256,10" → {784, 256, 10}; an empty vector when any piece is malformed or empty.
std::vector<int> parse_int_list(const std::string& text);
// "0.2,0.5" → {0.2f, 0.5f}; an empty vector when any piece is malformed or empty.
std::vector<float> parse_float_list(const std::string& text);

}  // namespace hw
