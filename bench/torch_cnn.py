#!/usr/bin/python3
"""torch_cnn.py — the PyTorch yardstick for chapter 12: the same two CNNs, trained the same way.

Usage:  /usr/bin/python3 bench/torch_cnn.py [--net lenet5|cnn] [--threads 1] [--epochs 3]
                                            [--limit N] [--data DIR] [--seed 1]

Networks (as `build/bin/12-cnn --net lenet5|cnn`): ReLU, 2×2 max-pooling, Dense layers, logits
into softmax cross-entropy; Adam (lr 1e-3), mini-batches of 128 drawn from a fresh shuffle each
epoch, pixels scaled to [0, 1], no augmentation.

  lenet5  conv 5×5×6 pad 2, pool, conv 5×5×16, pool, dense 400→120→84→10   (61,706 parameters)
  cnn     conv 5×5×32 pad 2, pool, conv 5×5×64 pad 2, pool, dense 3136→256→10  (857,738)

What is timed: the training loop of each epoch (batch slicing, forward, loss, backward, Adam
step), as wall time and as the process's CPU time (on one thread, the loop's own work even when
other jobs share the cores); the test-set pass after it is not. The last line is a summary with the median
seconds per epoch, for the ratio ours ÷ PyTorch measured in the same sitting.

Threads: --threads sets torch's intra-op pool and the BLAS's, so `--threads 1` is one core in
every library. Debian's torch 1.13 is built with oneDNN (MKL-DNN): its convolutions run as
`aten::mkldnn_convolution`, oneDNN's own kernels for this CPU, not as im2col + BLAS GEMM.
--show-ops prints the convolution operators torch's profiler sees in one training step.
--limit N trains on the first N training images (a quick timing; its accuracy means little).
Needs Debian's python3-torch and python3-numpy, and libopenblas0-pthread for the Dense layers'
GEMMs: the second line of output says which BLAS torch got (bench/torch_blas.py).
"""
import argparse
import os
import statistics
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description="PyTorch CPU CNN on MNIST (chapter 12's yardstick)")
    ap.add_argument("--net", choices=["lenet5", "cnn"], default="lenet5")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.environ.get("HW_DATA_DIR", "data/mnist"))
    ap.add_argument("--show-ops", action="store_true", help="print the convolution operators of one step and exit")
    return ap.parse_args()


ARGS = parse_args()
# The BLAS reads its thread count when it is loaded, i.e. when torch is imported: set it first.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch_blas import advice, loaded_blas  # noqa: E402


def read_idx(path, magic, header_ints):
    """An IDX file's payload as uint8: magic number, dimension sizes (big-endian), then bytes."""
    with open(path, "rb") as f:
        raw = f.read()
    head = np.frombuffer(raw[:4 * header_ints], dtype=">u4")
    if head[0] != magic:
        sys.exit(f"{path}: not an IDX file with magic {magic:#x}")
    dims = [int(d) for d in head[1:]]
    data = np.frombuffer(raw[4 * header_ints:], dtype=np.uint8)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} bytes of data, the header says {dims}")
    return data.reshape(dims)


def load_split(directory, prefix):
    try:
        images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte"), 0x803, 4)
        labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte"), 0x801, 2)
    except FileNotFoundError as e:
        sys.exit(f"missing MNIST file {e.filename} (run `make data`, or pass --data DIR)")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # N×1×28×28
    return x, torch.from_numpy(labels.astype(np.int64))


def network(name):
    if name == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 10))


def train_one_epoch(model, optimizer, loss_fn, x, y, batch, generator):
    """The timed part: one pass over (x, y) in shuffled mini-batches. Returns the mean loss."""
    model.train()
    order = torch.randperm(x.shape[0], generator=generator)
    total = 0.0
    for start in range(0, x.shape[0], batch):
        rows = order[start:start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[rows]), y[rows])
        loss.backward()
        optimizer.step()
        total += loss.item() * rows.numel()
    return total / x.shape[0]


def test_accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
                      for i in range(0, x.shape[0], 1000))
    return correct / x.shape[0]


def show_conv_ops(model):
    """The operators torch runs for one forward + backward of a batch, those about convolution."""
    with torch.autograd.profiler.profile() as prof:
        model(torch.zeros(ARGS.batch, 1, 28, 28)).sum().backward()
    names = sorted({e.name for e in prof.function_events if "conv" in e.name or "mkldnn" in e.name})
    print("convolution operators in one training step:", ", ".join(names))


def main():
    torch.set_num_threads(ARGS.threads)
    if ARGS.show_ops:
        show_conv_ops(network(ARGS.net))
        return
    torch.manual_seed(ARGS.seed)
    x_train, y_train = load_split(ARGS.data, "train")
    x_test, y_test = load_split(ARGS.data, "t10k")
    if ARGS.limit:
        x_train, y_train = x_train[:ARGS.limit], y_train[:ARGS.limit]
    model = network(ARGS.net)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(ARGS.seed)
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__}  net {ARGS.net} ({params} parameters)  threads {ARGS.threads}  "
          f"{x_train.shape[0]} training images, batch {ARGS.batch}", flush=True)
    print(advice(loaded_blas()), flush=True)  # the Dense layers' GEMMs run on it
    seconds, cpu_seconds = [], []
    accuracy = 0.0
    for epoch in range(1, ARGS.epochs + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = train_one_epoch(model, optimizer, loss_fn, x_train, y_train, ARGS.batch, generator)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)  # all threads of the process
        accuracy = test_accuracy(model, x_test, y_test)
        print(f"epoch {epoch:2d}  {seconds[-1]:8.3f} s wall  {cpu_seconds[-1]:8.3f} s CPU  loss {loss:.4f}  "
              f"test {accuracy * 100:.2f}%", flush=True)
    print(f"SUMMARY torch_cnn net={ARGS.net} threads={ARGS.threads} images={x_train.shape[0]} "
          f"epochs={ARGS.epochs} median_s_per_epoch={statistics.median(seconds):.3f} "
          f"median_cpu_s_per_epoch={statistics.median(cpu_seconds):.3f} "
          f"test_accuracy={accuracy * 100:.2f}%", flush=True)


if __name__ == "__main__":
    main()
