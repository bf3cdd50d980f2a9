#!/usr/bin/python3
"""Chapter 09's network in NumPy: a yardstick for build/bin/09-sigmoid-network.

The same algorithm as the chapter's default: 784-H-10, sigmoid hidden and output units, no
biases, weights uniform in [-0.5, 0.5), inputs x/255, one-hot targets 0/1, squared error
L = 1/2 sum_k (o_k - t_k)^2, plain SGD on one sample at a time, a new shuffle every epoch.
Written the way NumPy tutorials write it (one vector operation per step of the math), in
float64, NumPy's default. It prints the test accuracy and the seconds per epoch of the
training loop, so the two programs can be timed on the same machine:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/numpy_sigmoid_per_sample.py data/mnist --hidden 100 --lr 0.1 --epochs 1
    build/bin/09-sigmoid-network --hidden 100 --lr 0.1 --epochs 1 --show 0
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import load_split  # noqa: E402


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_epoch(W1, W2, images, labels, lr, rng):
    """One pass of per-sample SGD; W1 (784 x H) and W2 (H x 10) are updated in place."""
    # The outer products go into buffers allocated once: a fresh 784 x H array per sample
    # would be returned to the OS and faulted back in every time (it is larger than the
    # allocator keeps), which costs more than the arithmetic.
    grad_W1 = np.empty_like(W1)
    grad_W2 = np.empty_like(W2)
    loss_sum = 0.0
    for i in rng.permutation(len(labels)):
        x = images[i]
        t = np.zeros(W2.shape[1])
        t[labels[i]] = 1.0
        # forward: h = sigma(W1^T x), o = sigma(W2^T h)
        h = sigmoid(x @ W1)
        o = sigmoid(h @ W2)
        loss_sum += 0.5 * np.sum((o - t) ** 2)
        # backward: delta_o = (o - t) o (1 - o); delta_h uses W2 before its update
        delta_o = (o - t) * o * (1.0 - o)
        delta_h = (W2 @ delta_o) * h * (1.0 - h)
        # the two rank-1 updates W -= lr * (input outer delta)
        np.outer(h, lr * delta_o, out=grad_W2)
        np.outer(x, lr * delta_h, out=grad_W1)
        W2 -= grad_W2
        W1 -= grad_W1
    return loss_sum / len(labels)


def accuracy(W1, W2, images, labels):
    outputs = sigmoid(sigmoid(images @ W1) @ W2)
    return float(np.mean(np.argmax(outputs, axis=1) == labels))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", help="directory with the four MNIST IDX files (e.g. data/mnist)")
    p.add_argument("--hidden", type=int, default=200, help="hidden units H (default 200)")
    p.add_argument("--lr", type=float, default=0.3, help="learning rate (default 0.3)")
    p.add_argument("--epochs", type=int, default=1, help="passes over the training set (default 1)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights and shuffles (default 1)")
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    a = p.parse_args()
    if a.hidden <= 0 or a.lr <= 0 or a.epochs < 0 or a.limit < 0:
        p.error("--hidden and --lr must be positive, --epochs and --limit >= 0")

    train_x, train_y = load_split(a.data, "train")
    test_x, test_y = load_split(a.data, "test")
    if a.limit:
        train_x, train_y = train_x[:a.limit], train_y[:a.limit]
    rng = np.random.default_rng(a.seed)
    W1 = rng.uniform(-0.5, 0.5, size=(train_x.shape[1], a.hidden))
    W2 = rng.uniform(-0.5, 0.5, size=(a.hidden, 10))
    print(f"numpy {np.__version__}: {train_x.shape[1]}-{a.hidden}-10 sigmoid, squared error, "
          f"per-sample SGD, lr {a.lr}, float64, {len(train_y)} train / {len(test_y)} test")
    seconds = []
    for epoch in range(1, a.epochs + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = train_epoch(W1, W2, train_x, train_y, a.lr, rng)
        seconds.append(time.perf_counter() - start)
        cpu = time.process_time() - cpu_start
        print(f"epoch {epoch}  train loss {loss:.4f}  test accuracy {100 * accuracy(W1, W2, test_x, test_y):.2f}%"
              f"  train {seconds[-1]:.2f} s ({cpu:.2f} s CPU)", flush=True)
    if seconds:
        print(f"median {float(np.median(seconds)):.2f} s/epoch")


if __name__ == "__main__":
    main()
