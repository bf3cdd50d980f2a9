// digits.cpp — the 8×8 digits CSV, checked field by field (digits.hpp).
#include "handwritten/data/digits.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "handwritten/data/gzip.hpp"
#include "handwritten/data/subset.hpp"

namespace hw {

namespace {

constexpr int kFields = kDigitsSide * kDigitsSide + 1;  // 64 cells and the label

std::string where(const std::string& name, std::size_t line) { return name + ":" + std::to_string(line) + ": "; }

// One integer field; anything else (empty, "3.5", "x", "+1e3") is an error.
int parse_field(const std::string& name, std::size_t line, int field, const char* begin, const char* end) {
    int value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (begin == end || ec != std::errc() || ptr != end)
        throw DataError(where(name, line) + "field " + std::to_string(field + 1) + " is '" +
                        std::string(begin, end) + "', not an integer");
    return value;
}

}  // namespace

LabeledSet parse_digits_csv(const std::string& text, const std::string& name) {
    std::vector<float> pixels;
    std::vector<std::uint8_t> labels;
    std::size_t line = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::size_t stop = eol;
        if (stop > pos && text[stop - 1] == '\r') --stop;  // tolerate CRLF line ends
        ++line;
        if (stop > pos) {  // skip empty lines (a trailing newline)
            std::vector<int> values;
            for (std::size_t f = pos; f <= stop;) {
                std::size_t comma = text.find(',', f);
                if (comma == std::string::npos || comma > stop) comma = stop;
                if (values.size() == kFields)
                    throw DataError(where(name, line) + "more than " + std::to_string(kFields) + " fields");
                values.push_back(parse_field(name, line, int(values.size()), text.data() + f, text.data() + comma));
                f = comma + 1;
            }
            if (values.size() != kFields)
                throw DataError(where(name, line) + std::to_string(values.size()) + " fields, expected " +
                                std::to_string(kFields) + " (64 cells and a label)");
            for (int c = 0; c < kFields - 1; ++c) {
                if (values[c] < 0 || values[c] > kDigitsMaxValue)
                    throw DataError(where(name, line) + "cell " + std::to_string(c + 1) + " is " +
                                    std::to_string(values[c]) + ", outside 0..16");
                pixels.push_back(float(values[c]) / float(kDigitsMaxValue));
            }
            if (values.back() < 0 || values.back() > 9)
                throw DataError(where(name, line) + "label " + std::to_string(values.back()) + " is outside 0..9");
            labels.push_back(std::uint8_t(values.back()));
        }
        pos = eol + 1;
    }
    if (labels.empty()) throw DataError(name + ": no digits in the file");
    LabeledSet set;
    set.height = set.width = kDigitsSide;
    set.images = Matrix(labels.size(), kFields - 1);
    std::copy(pixels.begin(), pixels.end(), set.images.data());
    set.labels = std::move(labels);
    return set;
}

LabeledSet read_digits(const std::string& dir) {
    const std::string gz = dir + "/digits.csv.gz", csv = dir + "/digits.csv";
    if (std::filesystem::exists(gz)) {
        const std::vector<std::uint8_t> bytes = read_gzip_file(gz);
        return parse_digits_csv(std::string(bytes.begin(), bytes.end()), gz);
    }
    if (std::filesystem::exists(csv)) {
        std::ifstream f(csv, std::ios::binary);
        if (!f) throw DataError(csv + ": cannot open the file");
        return parse_digits_csv(std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()), csv);
    }
    throw DataError("missing " + gz + "; get the 8x8 digits with `make data-digits`, or copy "
                    "sklearn/datasets/data/digits.csv.gz from any scikit-learn installation into " + dir + "/");
}

Mnist load_digits(const std::string& dir) {
    const LabeledSet all = read_digits(dir);
    const RowSplit split = split_rows(all.size(), kDigitsTestFraction, kDigitsSplitSeed);
    Mnist m;
    m.dir = dir;
    m.dataset = "digits";
    m.train = select_rows(all, split.train);
    m.test = select_rows(all, split.test);
    return m;
}

}  // namespace hw
