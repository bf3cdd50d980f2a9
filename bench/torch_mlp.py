#!/usr/bin/python3
"""Chapter 10's network in PyTorch: a yardstick for build/bin/10-mlp.

The same work as `build/bin/10-mlp --val 0`: a 784-256-10 MLP (ReLU hidden units, logits out),
softmax cross-entropy, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-7 as Keras), mini-batches of 128
drawn from a new shuffle of all 60,000 training images every epoch, Xavier-uniform weights and
zero biases, float32. It times the mini-batch loop of every epoch, wall and CPU (the epoch
line of 10-mlp reports the wall time with --val 0), and prints the test accuracy:

    /usr/bin/python3 bench/torch_mlp.py data/mnist --threads 1 --epochs 5
    build/bin/10-mlp --epochs 5 --val 0 --threads 1 --quiet

Needs Debian's python3-torch and python3-numpy, and libopenblas0-pthread for the GEMMs: the second
line of output says which BLAS torch got (bench/torch_blas.py).
"""
import argparse
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", help="directory with the four MNIST IDX files (e.g. data/mnist)")
    p.add_argument("--layers", default="784,256,10", help="layer sizes (default 784,256,10)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the training set (default 5)")
    p.add_argument("--batch", type=int, default=128, help="mini-batch size (default 128)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default 1e-3)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch.set_num_threads and the BLAS's thread count (default 1)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights and shuffles (default 1)")
    a = p.parse_args()
    try:
        a.sizes = [int(s) for s in a.layers.split(",")]
    except ValueError:
        p.error(f"--layers: malformed list '{a.layers}'")
    if len(a.sizes) < 2 or min(a.sizes) <= 0 or a.epochs < 1 or a.batch < 1 or a.lr <= 0 or a.threads < 1:
        p.error("--layers needs two or more positive sizes; --epochs, --batch, --threads >= 1; --lr > 0")
    return p, a


PARSER, ARGS = parse_args()
# Debian's torch does its float GEMMs through libblas.so.3 (OpenBLAS), whose own thread pool is
# sized when torch is imported, whatever torch.set_num_threads says later. Without this, "1
# thread" ran the Dense layers' GEMMs on two (CPU time ≈ 1.8 × wall time on a 2-core machine).
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import load_split  # noqa: E402
from torch_blas import advice, loaded_blas  # noqa: E402


def build(sizes):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        dense = torch.nn.Linear(n_in, n_out)
        torch.nn.init.xavier_uniform_(dense.weight)
        torch.nn.init.zeros_(dense.bias)
        layers.append(dense)
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def main():
    p, a, sizes = PARSER, ARGS, ARGS.sizes
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train_x, train_y = (torch.from_numpy(v) for v in load_split(a.data, "train", np.float32))
    test_x, test_y = (torch.from_numpy(v) for v in load_split(a.data, "test", np.float32))
    if sizes[0] != train_x.shape[1]:
        p.error(f"--layers must start with {train_x.shape[1]}")
    model = build(sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s): {a.layers} ReLU MLP, Adam {a.lr:g}, "
          f"batch {a.batch}, {len(train_y)} train / {len(test_y)} test")
    print(advice(loaded_blas()), flush=True)  # the Dense layers' GEMMs run on it

    seconds = []
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(len(train_y))
        loss_sum = 0.0
        start, cpu_start = time.perf_counter(), time.process_time()
        for first in range(0, len(train_y), a.batch):
            rows = order[first:first + a.batch]
            x, y = train_x[rows], train_y[rows]  # gather the batch: B x 784, B
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
        seconds.append(time.perf_counter() - start)
        cpu = time.process_time() - cpu_start
        model.eval()
        with torch.no_grad():
            accuracy = (model(test_x).argmax(dim=1) == test_y).float().mean().item()
        print(f"epoch {epoch}  train loss {loss_sum / len(train_y):.4f}  test accuracy {100 * accuracy:.2f}%"
              f"  train {seconds[-1]:.3f} s ({cpu:.3f} s CPU)", flush=True)
    print(f"median {statistics.median(seconds):.3f} s/epoch")


if __name__ == "__main__":
    main()
