// random.hpp — a small, seeded, portable random number generator.
//
// Why not <random>? std::mt19937 is portable, but std::normal_distribution and
// std::uniform_real_distribution are not: their algorithms are left to the library, so the
// same seed could give different weights with another compiler. Everything here is spelled
// out, so "same seed → bit-identical run" holds everywhere.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hw {

// xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64 as its authors advise.
class Rng {
public:
    explicit Rng(std::uint64_t seed = 42);

    std::uint64_t next_u64();
    // Uniform in [0, 1), 24 random bits: every float in the result is exactly representable.
    float uniform();
    // Uniform in [lo, hi).
    float uniform(float lo, float hi);
    // Uniform integer in [0, n), without modulo bias. n must be > 0.
    std::uint64_t below(std::uint64_t n);
    // Standard normal N(0, 1) by the Box–Muller transform (one value cached).
    float normal();
    float normal(float mean, float stddev) { return mean + stddev * normal(); }

    // Fisher–Yates shuffle of any random-access range of indices.
    template <class T>
    void shuffle(std::vector<T>& v) {
        for (std::size_t i = v.size(); i > 1; --i) {
            std::size_t j = static_cast<std::size_t>(below(i));
            std::swap(v[i - 1], v[j]);
        }
    }

private:
    std::uint64_t s_[4];
    bool has_spare_ = false;
    float spare_ = 0.0f;
};

}  // namespace hw
