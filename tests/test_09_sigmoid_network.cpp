// test_09_sigmoid_network.cpp — chapter 09: the evaluation toolkit, the vector kernels and the
// per-sample sigmoid network (gradients against finite differences, learning, determinism,
// save/load).
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "handwritten/evaluation.hpp"
#include "handwritten/json.hpp"

namespace {
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
}  // namespace

TEST_SUITE("09-sigmoid-network") {

// ------------------------------------------------------------------ evaluation

TEST_CASE("evaluation: confusion matrix counts and per-class scores by hand") {
    // true:  0 0 1 1 1 2
    // pred:  0 1 1 1 2 2
    const std::vector<std::uint8_t> labels = {0, 0, 1, 1, 1, 2};
    const std::vector<int> preds = {0, 1, 1, 1, 2, 2};
    const hw::ConfusionMatrix cm = hw::confusion_matrix(labels, preds, 3);
    CHECK(cm.total() == 6);
    CHECK(cm.correct() == 4);
    CHECK(cm.count(0, 0) == 1);
    CHECK(cm.count(0, 1) == 1);
    CHECK(cm.count(1, 1) == 2);
    CHECK(cm.count(1, 2) == 1);
    CHECK(cm.count(2, 2) == 1);
    CHECK(cm.count(2, 0) == 0);
    CHECK(cm.accuracy() == doctest::Approx(4.0 / 6));
    CHECK(hw::accuracy(labels, preds) == doctest::Approx(4.0 / 6));
    // Class 0: predicted once (right) → precision 1; 2 true zeros, 1 found → recall 1/2.
    CHECK(cm.precision(0) == doctest::Approx(1.0));
    CHECK(cm.recall(0) == doctest::Approx(0.5));
    CHECK(cm.f1(0) == doctest::Approx(2.0 / 3));
    // Class 1: predicted 3 times, 2 right; 3 true ones, 2 found.
    CHECK(cm.precision(1) == doctest::Approx(2.0 / 3));
    CHECK(cm.recall(1) == doctest::Approx(2.0 / 3));
    // Class 2: predicted twice, 1 right; 1 true two, found.
    CHECK(cm.precision(2) == doctest::Approx(0.5));
    CHECK(cm.recall(2) == doctest::Approx(1.0));
    CHECK(cm.f1(2) == doctest::Approx(2.0 / 3));
    CHECK(cm.macro_f1() == doctest::Approx(2.0 / 3));

    std::ostringstream os;
    cm.print(os, {"zero", "one", "two"});
    CHECK(contains(os.str(), " 1 one      0   [2]   1 \n"));
    CHECK(contains(os.str(), " 2 two           1     50.00%   100.00%    66.67%"));
    CHECK(contains(os.str(), "accuracy 66.67% (4/6), macro F1 66.67%"));

    hw::JsonWriter j;
    cm.write_json(j);
    CHECK(contains(j.str(), "\"matrix\": [[1, 1, 0], [0, 2, 1], [0, 0, 1]]"));

    hw::ConfusionMatrix empty(3);
    CHECK(empty.accuracy() == 0.0);
    CHECK(empty.precision(1) == 0.0);
    CHECK_THROWS_AS(empty.add(3, 0), std::out_of_range);
    CHECK_THROWS_AS(hw::accuracy(labels, {1, 2}), std::invalid_argument);
}

TEST_CASE("evaluation: argmax and misclassified samples, most confident first") {
    hw::Matrix probs = hw::Matrix::from_rows(
        {{0.7f, 0.2f, 0.1f}, {0.1f, 0.6f, 0.3f}, {0.05f, 0.05f, 0.9f}, {0.4f, 0.4f, 0.2f}});
    const std::vector<int> preds = hw::argmax_rows(probs);
    CHECK(preds == std::vector<int>{0, 1, 2, 0});  // tie in row 3 → first
    const std::vector<std::uint8_t> labels = {0, 2, 1, 1};
    auto wrong = hw::find_misclassified(labels, preds, 10, &probs);
    REQUIRE(wrong.size() == 3);
    CHECK(wrong[0].index == 2);  // 90% sure and wrong
    CHECK(wrong[1].index == 1);
    CHECK(wrong[2].index == 3);
    CHECK(wrong[0].confidence == doctest::Approx(0.9f));
    CHECK(hw::misclassified_caption(wrong[0], {}) == "pred 2 / true 1 90%");
    auto first = hw::find_misclassified(labels, preds, 2);
    REQUIRE(first.size() == 2);
    CHECK(first[0].index == 1);
    CHECK(first[1].index == 2);
    CHECK(hw::misclassified_caption(first[0], {"a", "b", "c"}) == "pred b / true c");

    // Four 1×8 "images": text art places the mistakes side by side under their captions
    // (each image 16 characters wide, two apart; per_row 1 puts a blank line between them).
    hw::Matrix images(4, 8);
    images(1, 0) = 1;
    images(2, 7) = 1;
    CHECK(hw::misclassified_text_art(images, 1, 8, first, {}, 5) ==
          "@@                              @@\npred 1 / true 2   pred 2 / true 1\n");
    CHECK(hw::misclassified_text_art(images, 1, 8, first, {}, 1) ==
          "@@\npred 1 / true 2\n\n              @@\npred 2 / true 1\n");
}

}  // TEST_SUITE
