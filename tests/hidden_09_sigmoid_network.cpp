// hidden_09_sigmoid_network.cpp — chapter 09's withheld checks (rubric: after_published).
// Student trees do not contain this file; the grader runs it on submission.
#include <doctest/doctest.h>

#include <vector>

#include "handwritten/core/random.hpp"
#include "handwritten/nn/sigmoid_network.hpp"

TEST_SUITE("09-sigmoid-network") {

TEST_CASE("hidden: one sample, repeated steps: the loss falls every time for both losses") {
    for (const char* loss : {"squared", "cross-entropy"}) {
        CAPTURE(loss);
        hw::SigmoidNetworkConfig c;
        c.inputs = 5;
        c.hidden = 4;
        c.outputs = 3;
        c.bias = true;
        c.loss = loss;
        hw::Rng rng(9);
        hw::SigmoidNetwork net(c, rng);
        const std::vector<float> x = {0.5f, 0.0f, 1.0f, 0.25f, 0.0f};
        float previous = net.train_sample(x.data(), 1, 0.5f);
        for (int step = 0; step < 20; ++step) {
            const float now = net.train_sample(x.data(), 1, 0.5f);
            CHECK(now < previous);
            previous = now;
        }
        CHECK(net.predict(x.data()) == 1);
    }
}

}  // TEST_SUITE
