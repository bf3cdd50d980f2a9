// matrix.hpp — hw::Matrix, the one container every later chapter computes with.
//
// What it is: an owning, dense, row-major matrix of float, with storage aligned to 64 bytes
// (one cache line, and one AVX-512 register) so SIMD loads of row 0 never split a line.
// Element (r, c) lives at data()[r * cols() + c]: the row stride ("leading dimension") is cols().
//
// What it is not: a view, an expression template, or a general tensor. Copies are EXPLICIT
// (clone()), because a silent copy of a 60000×784 matrix is 188 MB of traffic a reader would
// never see in the source. Moves are free: they hand over the pointer.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <memory>

#include "handwritten/core/random.hpp"

namespace hw {

class Matrix {
public:
    Matrix() = default;
    Matrix(std::size_t rows, std::size_t cols);               // zero-filled
    Matrix(std::size_t rows, std::size_t cols, float value);  // filled with value
    // Matrix::from_rows({{1, 2}, {3, 4}}) — handy in tests and demos. All rows must match.
    static Matrix from_rows(std::initializer_list<std::initializer_list<float>> rows);

    Matrix(Matrix&& other) noexcept;
    Matrix& operator=(Matrix&& other) noexcept;
    Matrix(const Matrix&) = delete;             // copies are explicit: use clone()
    Matrix& operator=(const Matrix&) = delete;
    ~Matrix() = default;

    Matrix clone() const;

    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    std::size_t size() const { return rows_ * cols_; }
    bool empty() const { return size() == 0; }

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    float* row(std::size_t r) { return data_.get() + r * cols_; }
    const float* row(std::size_t r) const { return data_.get() + r * cols_; }

    // Unchecked in release builds (it sits in inner loops); checked when NDEBUG is not set.
    float& operator()(std::size_t r, std::size_t c) {
#ifndef NDEBUG
        check_index(r, c);
#endif
        return data_[r * cols_ + c];
    }
    float operator()(std::size_t r, std::size_t c) const {
#ifndef NDEBUG
        check_index(r, c);
#endif
        return data_[r * cols_ + c];
    }
    // Always checked: throws std::out_of_range naming the index and the shape.
    float& at(std::size_t r, std::size_t c);
    float at(std::size_t r, std::size_t c) const;

    void fill(float value);
    void fill_uniform(Rng& rng, float lo, float hi);
    void fill_normal(Rng& rng, float mean, float stddev);

    Matrix transposed() const;

    // Element-wise, in place. Shapes must match (std::invalid_argument otherwise).
    Matrix& operator+=(const Matrix& other);
    Matrix& operator-=(const Matrix& other);
    Matrix& operator*=(float scalar);
    Matrix& hadamard_inplace(const Matrix& other);  // this[i] *= other[i]
    template <class F>
    Matrix& apply(F f) {
        for (std::size_t i = 0; i < size(); ++i) data_[i] = f(data_[i]);
        return *this;
    }

    // y (rows) = this (rows × cols) · x (cols). Pointers must not alias.
    void matvec(const float* x, float* y) const;

    float sum() const;
    float max_abs() const;

    // Prints up to max_rows × max_cols entries, with "..." where it elides.
    void print(std::ostream& os, int precision = 3, std::size_t max_rows = 8,
               std::size_t max_cols = 8) const;

private:
    void check_index(std::size_t r, std::size_t c) const;
    void require_same_shape(const Matrix& other, const char* op) const;

    struct AlignedFree {
        void operator()(float* p) const;
    };
    std::size_t rows_ = 0, cols_ = 0;
    std::unique_ptr<float[], AlignedFree> data_;
};

Matrix operator+(const Matrix& a, const Matrix& b);
Matrix operator-(const Matrix& a, const Matrix& b);
Matrix hadamard(const Matrix& a, const Matrix& b);
// Largest |a - b| over all entries; shapes must match.
float max_abs_diff(const Matrix& a, const Matrix& b);
std::ostream& operator<<(std::ostream& os, const Matrix& m);

// 64-byte-aligned float storage for code that needs raw buffers (packing, workspaces); every
// Matrix lives in one. Blocks from 4 MiB up are 2 MiB-aligned and asked to sit on 2 MiB pages
// (matrix.cpp says why).
constexpr std::size_t kAlignment = 64;
float* aligned_alloc_floats(std::size_t count);
void aligned_free_floats(float* p);

}  // namespace hw
