// test_support.hpp — helpers several test suites share: a temporary directory, raw file bytes,
// random matrices, and the central-difference gradient check.
//
// Gradient checks compare the analytic gradient a with the central difference
//     n = (L(θ + h) − L(θ − h)) / 2h
// by the relative error |a − n| / max(|a| + |n|, floor); each suite states its bound and why.
#pragma once
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"

namespace hw_test {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

// A fresh directory under the system temp dir, removed when the test ends.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "hw-test-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

inline void write_bytes(const std::string& path, const Bytes& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
}

inline Bytes read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline hw::Matrix random_matrix(std::size_t rows, std::size_t cols, hw::Rng& rng, float lo = -1, float hi = 1) {
    hw::Matrix m(rows, cols);
    m.fill_uniform(rng, lo, hi);
    return m;
}

// Σ R ⊙ Y in double: a scalar "loss" whose gradient with respect to Y is exactly R.
inline double weighted_sum(const hw::Matrix& R, const hw::Matrix& Y) {
    double s = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) s += double(R.data()[i]) * double(Y.data()[i]);
    return s;
}

// Largest relative error between `analytic` and central differences of loss() with respect
// to every entry of `theta`.
inline double max_gradient_error(hw::Matrix& theta, const hw::Matrix& analytic, const std::function<double()>& loss,
                                 float h, double floor = 1e-3) {
    double worst = 0;
    for (std::size_t i = 0; i < theta.size(); ++i) {
        float& t = theta.data()[i];
        const float saved = t;
        t = saved + h;
        const double up = loss();
        t = saved - h;
        const double down = loss();
        t = saved;
        const double numeric = (up - down) / (2.0 * double(h));
        const double a = analytic.data()[i];
        worst = std::max(worst, std::fabs(a - numeric) / std::max(std::fabs(a) + std::fabs(numeric), floor));
    }
    return worst;
}

}  // namespace hw_test
