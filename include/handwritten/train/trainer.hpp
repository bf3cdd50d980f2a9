// trainer.hpp — mini-batch training of a hw::Sequential classifier, with a validation split,
// per-epoch history and a time breakdown.
//
// One epoch, phase by phase (train() in trainer.cpp has one named step per line):
//
//   learning rate for this epoch   (options.lr, or hooks.learning_rate: chapter 11's schedules)
//   shuffle                        a new order of the training rows, from the seeded Rng
//   for each mini-batch:
//     gather batch                 copy B rows into X: B×in and their labels; hooks.augment
//     forward + loss               logits = model(X); loss = softmax-cross-entropy(logits, y)
//                                  (or options.loss = "mse": squared error on σ(logits))
//     backward                     dLogits = (softmax − onehot)/B, then every layer's backward
//     hooks.before_step            L2, gradient clipping, decoupled weight decay
//     optimizer step               w ← update(w, ∂loss/∂w, lr)
//     hooks.after_step             constraints such as max-norm
//   end of epoch: evaluate val → record history → callback
//   hooks.end_epoch                plateau schedule, early stopping (may end training)
//
// The training loss and accuracy of an epoch are running means over its mini-batches (what Keras
// and PyTorch print): free, since forward already computed them, but measured while the weights
// were still moving. Validation numbers use the weights at the end of the epoch.
//
// The validation split follows Keras' validation_split: the LAST fraction of the training rows
// (before any shuffling) is held out, so it is the same set in every run.
//
// Determinism: same seed and same thread count → bit-identical history and weights. Every
// reduction here runs in a fixed order; hw::sgemm partitions work by thread count only.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "handwritten/data/idx.hpp"
#include "handwritten/train/optimizer.hpp"
#include "handwritten/nn/sequential.hpp"

namespace hw {

struct EpochStats;

// Where chapter 11's tools plug into the loop (hw::TrainingToolbox fills these in; see
// toolbox.hpp). Every hook is optional: with none set, train() is exactly chapter 10's loop.
struct TrainHooks {
    std::function<float(int epoch)> learning_rate;           // epoch (1-based) → lr; else options.lr
    std::function<void(Matrix& X)> augment;                  // the gathered batch X: B×in, in place
    std::function<void(const std::vector<Param>&, float lr)> before_step;  // after backward
    std::function<void(const std::vector<Param>&)> after_step;             // after the update
    // After validation and the epoch callback; returning true stops training (early stopping).
    std::function<bool(const EpochStats&, const std::vector<Param>&)> end_epoch;
};

struct TrainOptions {
    int epochs = 20;
    int batch = 128;             // 0: full batch (every training row in one step: plain gradient descent)
    float lr = 1e-3f;
    std::string loss = "cross-entropy";  // or "mse": squared error on sigmoid outputs (loss.hpp)
    OptimizerOptions optimizer;  // adam (β1 0.9, β2 0.999, ε 1e-7) or sgd (momentum, nesterov)
    std::uint64_t seed = 1;      // the shuffling order (the weights come from the model's own Rng)
    int threads = 0;             // > 0: hw::set_gemm_threads(threads) before training
    double val_fraction = 0.2;   // last fraction of the rows held out for validation; 0 = none
    std::size_t eval_batch = 1000;
    bool progress = true;        // a progress bar per epoch (batches/s, ETA, running loss)
    TrainHooks hooks;            // chapter 11: schedules, augmentation, regularisers, stopping
};

// Everything measured in one epoch.
struct EpochStats {
    int epoch = 0;  // 1-based
    float lr = 0;
    double train_loss = 0, train_accuracy = 0;             // running means over the epoch
    double val_loss = NAN, val_accuracy = NAN;             // NaN when there is no validation set
    double seconds = 0;                                    // the whole epoch, evaluation included
    double train_seconds = 0;                              // the mini-batch loop only
    double train_cpu_seconds = 0;                          // its CPU time on the calling thread
                                                           // (on one thread: the loop's work, however
                                                           // busy the machine; wall time is not)
    double gather_seconds = 0, forward_seconds = 0, backward_seconds = 0, update_seconds = 0;
    double eval_seconds = 0;                               // validation pass
    double gemm_seconds = 0, gemm_flops = 0;               // inside the mini-batch loop
    double gemm_gflops() const { return gemm_seconds > 0 ? gemm_flops / gemm_seconds * 1e-9 : 0; }
    double gemm_share() const { return train_seconds > 0 ? gemm_seconds / train_seconds : 0; }
};

struct History {
    std::vector<EpochStats> epochs;
    std::size_t train_size = 0, val_size = 0;
    std::string optimizer;  // e.g. "adam"
};

struct LossAccuracy {
    double loss = 0, accuracy = 0;
    std::size_t count = 0;
};

// Mean loss (hw::make_loss(loss)) and accuracy of the model on rows [begin, end) of
// images/labels, `batch` rows at a time (forward in evaluation mode; no gradients).
LossAccuracy evaluate(Sequential& model, const Matrix& images, std::span<const std::uint8_t> labels,
                      std::size_t begin, std::size_t end, std::size_t batch = 1000,
                      const std::string& loss = "cross-entropy");

// Called after every epoch (printing, plotting live, ...).
using EpochCallback = std::function<void(const EpochStats&)>;

// Trains `model` on `data` (the validation rows split off as described above). Throws
// std::invalid_argument for bad options or data that does not fit the model.
History train(Sequential& model, const LabeledSet& data, const TrainOptions& options,
              const EpochCallback& on_epoch = {});

}  // namespace hw
