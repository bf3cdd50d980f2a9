// dropout_layer.hpp — hw::Dropout, inverted dropout as a layer (the arithmetic: dropout.hpp).
//
//     training:    Y = X ⊙ M,  M_ij = 1/(1-rate) with probability 1-rate, else 0   (B×n → B×n)
//     evaluation:  Y = X                     (deterministic: no mask, no rescaling)
//     backward:    dX = dY ⊙ M               (the mask of the last training forward)
//
// It goes AFTER a hidden activation (dense · relu · dropout · dense ...), so it drops whole
// hidden units' outputs for one sample; it can also go first, on the input pixels.
//
// Masks come from the layer's own seeded hw::Rng, drawn on one thread: same seed → same masks,
// whatever the thread count.
#pragma once
#include <cstdint>

#include "handwritten/nn/layer.hpp"
#include "handwritten/core/random.hpp"

namespace hw {

class Dropout : public Layer {
public:
    // rate in [0, 1): the probability of DROPPING a unit (Keras' and PyTorch's convention).
    Dropout(float rate, std::uint64_t seed);

    void forward(const Matrix& X, Matrix& Y, bool training) override;
    void backward(const Matrix& dY, Matrix& dX) override;
    std::string name() const override;

    float rate() const { return rate_; }
    const Matrix& mask() const { return mask_; }  // B×n of the last training forward

private:
    float rate_;
    Rng rng_;
    Matrix mask_;
    bool last_forward_trained_ = false;
};

}  // namespace hw
