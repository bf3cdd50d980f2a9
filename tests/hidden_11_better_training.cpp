// hidden_11_better_training.cpp — chapter 11's withheld checks (rubric: hidden). Student trees
// do not contain this file; the grader runs it on submission.
#include <doctest/doctest.h>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/random.hpp"
#include "handwritten/nn/dropout.hpp"
#include "handwritten/train/schedule.hpp"

TEST_SUITE("11-better-training") {

TEST_CASE("hidden: cosine without warm-up is symmetric about the middle of the run") {
    hw::ScheduleOptions o;
    o.kind = "cosine";
    o.min_lr = 0.0f;
    hw::LrSchedule s(o, 2.0f, 8);
    for (int e = 1; e < 8; ++e) CHECK(s.lr(e) + s.lr(8 - e) == doctest::Approx(2.0));
}

TEST_CASE("hidden: dropout at rate 0.75 keeps a quarter, each kept unit scaled by 4") {
    hw::Rng rng(4);
    hw::Matrix mask;
    const float scale = hw::draw_dropout_mask(mask, 200, 100, 0.75f, rng);
    CHECK(scale == doctest::Approx(4.0f));
    int kept = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
        CHECK((mask.data()[i] == 0.0f || mask.data()[i] == scale));
        kept += mask.data()[i] != 0.0f;
    }
    CHECK(kept == doctest::Approx(5000).epsilon(0.05));
}

}  // TEST_SUITE
