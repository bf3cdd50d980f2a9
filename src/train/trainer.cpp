// trainer.cpp — the mini-batch training loop, one named phase per step (see trainer.hpp).
#include "handwritten/train/trainer.hpp"

#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "handwritten/gemm/gemm.hpp"
#include "handwritten/core/parallel.hpp"
#include "handwritten/core/progress.hpp"
#include "handwritten/nn/loss.hpp"
#include "handwritten/core/timer.hpp"

namespace hw {

namespace {

// ---------------------------------------------------------------- phases

// The learning rate of an epoch (1-based): constant, unless a schedule (chapter 11's step,
// cosine or plateau) is hooked in.
float learning_rate_for_epoch(const TrainOptions& options, int epoch) {
    return options.hooks.learning_rate ? options.hooks.learning_rate(epoch) : options.lr;
}

// A fresh random order of the training rows [0, n_train).
void shuffle_rows(std::vector<std::size_t>& order, Rng& rng) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    rng.shuffle(order);
}

// Copies the rows order[begin..end) of the data into X (B×in) and their labels into y.
// The one place where a training sample is read: on-the-fly augmentation plugs in here.
void gather_batch(const LabeledSet& data, const std::vector<std::size_t>& order, std::size_t begin,
                  std::size_t end, Matrix& X, std::vector<std::uint8_t>& y) {
    const std::size_t B = end - begin, in = data.images.cols();
    ensure_shape(X, B, in);
    y.resize(B);
    // The rows are scattered over the 188 MB training set, so each copy waits on memory: split
    // over the GEMM threads, two cores keep twice as many misses in flight.
    parallel_slices(B, 32, 1, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t r = r0; r < r1; ++r) {
            const std::size_t src = order[begin + r];
            std::memcpy(X.row(r), data.images.row(src), in * sizeof(float));
            y[r] = data.labels[src];
        }
    });
}

void check_inputs(const Sequential& model, const LabeledSet& data, const TrainOptions& o) {
    if (o.epochs < 0) throw std::invalid_argument("epochs must be ≥ 0");
    if (o.batch < 0) throw std::invalid_argument("batch size must be positive (or 0: the full batch)");
    if (!(o.lr > 0)) throw std::invalid_argument("learning rate must be positive");
    if (!(o.val_fraction >= 0 && o.val_fraction < 1)) throw std::invalid_argument("val fraction must be in [0, 1)");
    if (data.images.rows() != data.labels.size())
        throw std::invalid_argument("training data: " + std::to_string(data.images.rows()) + " images but " +
                                    std::to_string(data.labels.size()) + " labels");
    if (data.images.cols() != std::size_t(model.input_size()))
        throw std::invalid_argument("the network takes " + std::to_string(model.input_size()) +
                                    " inputs but the images have " + std::to_string(data.images.cols()) +
                                    " pixels (the first size of --layers must match)");
    for (std::uint8_t label : data.labels)
        if (label >= model.output_size())
            throw std::invalid_argument("label " + std::to_string(label) + " but the network has only " +
                                        std::to_string(model.output_size()) + " outputs");
}

std::string fixed(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

// ---------------------------------------------------------------- evaluation

LossAccuracy evaluate(Sequential& model, const Matrix& images, std::span<const std::uint8_t> labels,
                      std::size_t begin, std::size_t end, std::size_t batch, const std::string& loss) {
    LossAccuracy result;
    if (begin >= end) return result;
    const std::unique_ptr<Loss> criterion_owner = make_loss(loss);
    Loss& criterion = *criterion_owner;
    double loss_sum = 0;
    std::size_t correct = 0;
    model.forward_batches(images, begin, end, batch, [&](std::size_t first, const Matrix& logits) {
        criterion.forward(logits, labels.subspan(first, logits.rows()));
        loss_sum += criterion.loss_sum();
        correct += criterion.correct();
    });
    result.count = end - begin;
    result.loss = loss_sum / double(result.count);
    result.accuracy = double(correct) / double(result.count);
    return result;
}

// ---------------------------------------------------------------- the loop

History train(Sequential& model, const LabeledSet& data, const TrainOptions& options,
              const EpochCallback& on_epoch) {
    check_inputs(model, data, options);
    if (options.threads > 0) set_gemm_threads(options.threads);

    // Keras' validation_split: the last rows are held out, the first n_train are trained on.
    const std::size_t n_total = data.size();
    const auto n_train = static_cast<std::size_t>(double(n_total) * (1.0 - options.val_fraction));
    if (n_train == 0) throw std::invalid_argument("no training rows left after the validation split");

    History history;
    history.train_size = n_train;
    history.val_size = n_total - n_train;
    std::unique_ptr<Optimizer> optimizer = make_optimizer(options.optimizer);
    history.optimizer = optimizer->name();

    Rng rng(options.seed ^ 0x5EEDF00DULL);  // its own stream: the model's init used `seed` itself
    std::vector<std::size_t> order(n_train);
    // batch 0 is full-batch gradient descent: one step per epoch on every training row.
    const std::size_t batch = options.batch == 0 ? n_train : static_cast<std::size_t>(options.batch);
    const std::size_t n_batches = (n_train + batch - 1) / batch;
    const std::vector<Param> params = model.params();

    const std::unique_ptr<Loss> criterion_owner = make_loss(options.loss);
    Loss& criterion = *criterion_owner;
    Matrix X, dlogits;
    std::vector<std::uint8_t> y;

    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
        EpochStats s;
        s.epoch = epoch;
        Stopwatch epoch_clock, phase;
        s.lr = learning_rate_for_epoch(options, epoch);
        shuffle_rows(order, rng);
        model.reset_gemm_stats();
        double loss_sum = 0;
        std::size_t correct = 0;
        ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs),
                        options.progress ? n_batches : 0, "batches");

        Stopwatch loop_clock;
        const double loop_cpu_start = thread_cpu_seconds();
        for (std::size_t b = 0; b < n_batches; ++b) {
            const std::size_t begin = b * batch, end = std::min(n_train, begin + batch);

            phase.restart();
            gather_batch(data, order, begin, end, X, y);  // X: B×in, y: B
            if (options.hooks.augment) options.hooks.augment(X);  // e.g. random shifts
            s.gather_seconds += phase.seconds();

            phase.restart();
            const Matrix& logits = model.forward(X, /*training=*/true);  // B×classes
            criterion.forward(logits, y);
            s.forward_seconds += phase.seconds();
            loss_sum += criterion.loss_sum();
            correct += criterion.correct();

            phase.restart();
            criterion.backward(dlogits);  // B×classes: (softmax − onehot)/B for cross-entropy
            model.backward(dlogits);      // fills every ∂loss/∂w
            s.backward_seconds += phase.seconds();

            phase.restart();
            if (options.hooks.before_step) options.hooks.before_step(params, s.lr);  // L2, clipping
            optimizer->step(params, s.lr);
            if (options.hooks.after_step) options.hooks.after_step(params);  // max-norm
            s.update_seconds += phase.seconds();

            if (options.progress)
                bar.update(b + 1, "loss " + fixed(loss_sum / double(end), 4));
        }
        s.train_seconds = loop_clock.seconds();
        s.train_cpu_seconds = thread_cpu_seconds() - loop_cpu_start;
        const GemmStats gemm = model.gemm_stats();
        s.gemm_seconds = gemm.seconds;
        s.gemm_flops = gemm.flops;
        s.train_loss = loss_sum / double(n_train);
        s.train_accuracy = double(correct) / double(n_train);
        if (options.progress) bar.finish("loss " + fixed(s.train_loss, 4));

        // End of epoch: validation with the epoch's final weights.
        phase.restart();
        if (history.val_size > 0) {
            const LossAccuracy val =
                evaluate(model, data.images, data.labels, n_train, n_total, options.eval_batch, options.loss);
            s.val_loss = val.loss;
            s.val_accuracy = val.accuracy;
        }
        s.eval_seconds = phase.seconds();
        s.seconds = epoch_clock.seconds();

        history.epochs.push_back(s);
        if (on_epoch) on_epoch(s);
        if (options.hooks.end_epoch && options.hooks.end_epoch(s, params)) break;  // early stop
    }
    return history;
}

}  // namespace hw
