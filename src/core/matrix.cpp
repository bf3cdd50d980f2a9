#include "handwritten/core/matrix.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <sys/mman.h>

namespace hw {

namespace {

// Blocks from 4 MiB up (the 188 MB training set, whole-batch maps) start on a 2 MiB boundary
// and ask Linux for 2 MiB pages (transparent huge pages, which Debian enables on request:
// "madvise" mode). A shuffled batch reads 128 rows from all over the training set, and with
// 4 KiB pages nearly every row also misses the TLB: an epoch's gathers, with the caches
// flushed between batches as training does, measured 47-55 ms on 4 KiB pages and 33-34 ms on
// 2 MiB pages (Zen 4). Where the kernel says no, the block simply keeps 4 KiB pages.
constexpr std::size_t kHugePage = std::size_t(2) << 20, kHugeFrom = std::size_t(4) << 20;

std::size_t round_up(std::size_t bytes, std::size_t to) { return (bytes + to - 1) / to * to; }

}  // namespace

float* aligned_alloc_floats(std::size_t count) {
    if (count == 0) return nullptr;
    // std::aligned_alloc wants the byte size to be a multiple of the alignment.
    const std::size_t bytes = count * sizeof(float);
    const bool huge = bytes >= kHugeFrom;
    const std::size_t alignment = huge ? kHugePage : kAlignment, rounded = round_up(bytes, alignment);
    void* p = std::aligned_alloc(alignment, rounded);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: its result changes nothing here
#endif
    return static_cast<float*>(p);
}

void aligned_free_floats(float* p) { std::free(p); }

void Matrix::AlignedFree::operator()(float* p) const { aligned_free_floats(p); }

Matrix::Matrix(std::size_t rows, std::size_t cols) : Matrix(rows, cols, 0.0f) {}

namespace {
// rows * cols, refusing shapes whose byte size would not fit in size_t.
std::size_t checked_count(std::size_t rows, std::size_t cols) {
    if (cols != 0 && rows > SIZE_MAX / sizeof(float) / cols)
        throw std::length_error("Matrix: rows * cols overflows");
    return rows * cols;
}
}  // namespace

Matrix::Matrix(std::size_t rows, std::size_t cols, float value)
    : rows_(rows), cols_(cols), data_(aligned_alloc_floats(checked_count(rows, cols))) {
    fill(value);
}

Matrix Matrix::from_rows(std::initializer_list<std::initializer_list<float>> rows) {
    const std::size_t n_rows = rows.size();
    const std::size_t n_cols = n_rows ? rows.begin()->size() : 0;
    Matrix m(n_rows, n_cols);
    std::size_t r = 0;
    for (const auto& row : rows) {
        if (row.size() != n_cols)
            throw std::invalid_argument("Matrix::from_rows: rows have different lengths");
        std::copy(row.begin(), row.end(), m.row(r++));
    }
    return m;
}

Matrix::Matrix(Matrix&& other) noexcept
    : rows_(other.rows_), cols_(other.cols_), data_(std::move(other.data_)) {
    other.rows_ = other.cols_ = 0;  // a moved-from matrix is a valid empty matrix
}

Matrix& Matrix::operator=(Matrix&& other) noexcept {
    if (this != &other) {
        data_ = std::move(other.data_);
        rows_ = other.rows_;
        cols_ = other.cols_;
        other.rows_ = other.cols_ = 0;
    }
    return *this;
}

Matrix Matrix::clone() const {
    Matrix copy(rows_, cols_);
    if (size()) std::memcpy(copy.data(), data(), size() * sizeof(float));
    return copy;
}

void Matrix::check_index(std::size_t r, std::size_t c) const {
    if (r >= rows_ || c >= cols_) {
        std::ostringstream msg;
        msg << "Matrix index (" << r << ", " << c << ") out of range for a " << rows_ << "x"
            << cols_ << " matrix";
        throw std::out_of_range(msg.str());
    }
}

float& Matrix::at(std::size_t r, std::size_t c) {
    check_index(r, c);
    return data_[r * cols_ + c];
}

float Matrix::at(std::size_t r, std::size_t c) const {
    check_index(r, c);
    return data_[r * cols_ + c];
}

void Matrix::fill(float value) { std::fill(data(), data() + size(), value); }

void Matrix::fill_uniform(Rng& rng, float lo, float hi) {
    for (std::size_t i = 0; i < size(); ++i) data_[i] = rng.uniform(lo, hi);
}

void Matrix::fill_normal(Rng& rng, float mean, float stddev) {
    for (std::size_t i = 0; i < size(); ++i) data_[i] = rng.normal(mean, stddev);
}

Matrix Matrix::transposed() const {
    Matrix t(cols_, rows_);
    // Blocked so that both the reads and the writes stay within a few cache lines at a time.
    // BEGIN SOLUTION 02 the blocked transpose
    constexpr std::size_t kBlock = 32;
    for (std::size_t r0 = 0; r0 < rows_; r0 += kBlock)
        for (std::size_t c0 = 0; c0 < cols_; c0 += kBlock)
            for (std::size_t r = r0; r < std::min(r0 + kBlock, rows_); ++r)
                for (std::size_t c = c0; c < std::min(c0 + kBlock, cols_); ++c)
                    t.data_[c * rows_ + r] = data_[r * cols_ + c];
    // END SOLUTION
    return t;
}

void Matrix::require_same_shape(const Matrix& other, const char* op) const {
    if (rows_ != other.rows_ || cols_ != other.cols_) {
        std::ostringstream msg;
        msg << "Matrix " << op << ": shape " << rows_ << "x" << cols_ << " vs " << other.rows_
            << "x" << other.cols_;
        throw std::invalid_argument(msg.str());
    }
}

Matrix& Matrix::operator+=(const Matrix& other) {
    require_same_shape(other, "+=");
    // BEGIN SOLUTION 02 element-wise +=
    for (std::size_t i = 0; i < size(); ++i) data_[i] += other.data_[i];
    // END SOLUTION
    return *this;
}

Matrix& Matrix::operator-=(const Matrix& other) {
    require_same_shape(other, "-=");
    // BEGIN SOLUTION 02 element-wise -=
    for (std::size_t i = 0; i < size(); ++i) data_[i] -= other.data_[i];
    // END SOLUTION
    return *this;
}

Matrix& Matrix::operator*=(float scalar) {
    // BEGIN SOLUTION 02 scaling by a number
    for (std::size_t i = 0; i < size(); ++i) data_[i] *= scalar;
    // END SOLUTION
    return *this;
}

Matrix& Matrix::hadamard_inplace(const Matrix& other) {
    require_same_shape(other, "hadamard");
    // BEGIN SOLUTION 02 the Hadamard (element-wise) product
    for (std::size_t i = 0; i < size(); ++i) data_[i] *= other.data_[i];
    // END SOLUTION
    return *this;
}

void Matrix::matvec(const float* x, float* y) const {
    // Row-major: each output is a dot product of one contiguous row with x.
    for (std::size_t r = 0; r < rows_; ++r) {
        float acc = 0.0f;
        // BEGIN SOLUTION 02 the matrix-vector product, one row at a time
        const float* a = row(r);
        for (std::size_t c = 0; c < cols_; ++c) acc += a[c] * x[c];
        // END SOLUTION
        y[r] = acc;
    }
}

float Matrix::sum() const {
    double s = 0.0;  // accumulate in double: a float sum of 47M pixels loses digits
    for (std::size_t i = 0; i < size(); ++i) s += data_[i];
    return static_cast<float>(s);
}

float Matrix::max_abs() const {
    float m = 0.0f;
    for (std::size_t i = 0; i < size(); ++i) m = std::max(m, std::fabs(data_[i]));
    return m;
}

void Matrix::print(std::ostream& os, int precision, std::size_t max_rows,
                   std::size_t max_cols) const {
    std::ostringstream cell;
    cell.setf(std::ios::fixed);
    cell.precision(precision);
    os << "Matrix " << rows_ << "x" << cols_ << "\n";
    for (std::size_t r = 0; r < rows_; ++r) {
        if (r == max_rows && rows_ > max_rows) {
            os << "  ...\n";
            break;
        }
        os << "  [";
        for (std::size_t c = 0; c < cols_; ++c) {
            if (c == max_cols && cols_ > max_cols) {
                os << "  ...";
                break;
            }
            cell.str("");
            cell << (*this)(r, c);
            std::string s = cell.str();
            os << (c ? " " : "") << std::string(s.size() < 8 ? 8 - s.size() : 0, ' ') << s;
        }
        os << " ]\n";
    }
}

Matrix operator+(const Matrix& a, const Matrix& b) {
    Matrix r = a.clone();
    r += b;
    return r;
}

Matrix operator-(const Matrix& a, const Matrix& b) {
    Matrix r = a.clone();
    r -= b;
    return r;
}

Matrix hadamard(const Matrix& a, const Matrix& b) {
    Matrix r = a.clone();
    r.hadamard_inplace(b);
    return r;
}

float max_abs_diff(const Matrix& a, const Matrix& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols())
        throw std::invalid_argument("max_abs_diff: shapes differ");
    float m = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a.data()[i] - b.data()[i]));
    return m;
}

std::ostream& operator<<(std::ostream& os, const Matrix& m) {
    m.print(os);
    return os;
}

}  // namespace hw
