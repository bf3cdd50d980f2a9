#!/usr/bin/python3
"""race_cnn.py — chapter 12's speed table: build/bin/12-cnn against bench/torch_cnn.py, in one sitting.

Usage:  /usr/bin/python3 bench/race_cnn.py [--rounds 3] [--nets lenet5,cnn] [--limit-lenet5 12000]
                                          [--limit-cnn 6000] [--epochs 2] [--ours build/bin/12-cnn]
                                          [--skip "torch 2T"] [--avx2]

Each round runs, one after the other: PyTorch at 1 thread, ours at 1 thread, ours at 2 threads,
PyTorch at 2 threads, on the same first N training images, batch 128, Adam, for --epochs epochs.
Both programs time the training loop only, as wall time and as CPU time. On one thread, the CPU
time is the loop's own work even when other jobs share the machine. The table gives the median
over rounds and epochs of the seconds per 60,000 images (scaled from N), and the ratios
ours ÷ PyTorch's 1-thread time and ours ÷ PyTorch's best.

Needs build/bin/12-cnn (make) and Debian's python3-torch with OpenBLAS (libopenblas0-pthread): the
race checks that first (bench/torch_blas.py), --any-blas races on another BLAS anyway.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from race_common import AVX2_ENV, add_race_flags, print_table, race_env, run  # noqa: E402

OURS = re.compile(r"loop ([0-9.]+) s wall, ([0-9.]+) s CPU")
TORCH = re.compile(r"epoch +\d+ +([0-9.]+) s wall +([0-9.]+) s CPU")


# --avx2: both sides held to AVX2 + FMA (race_common.AVX2_ENV); ours also takes the direct
# path's AVX2 tiles, and PyTorch's oneDNN convolutions are capped at AVX2.
AVX2_ENV = dict(AVX2_ENV, HW_CONV="direct-avx2")


def main():
    ap = argparse.ArgumentParser()
    add_race_flags(ap, rounds=3, epochs=2, ours="build/bin/12-cnn")
    ap.add_argument("--nets", default="lenet5,cnn")
    ap.add_argument("--limit-lenet5", type=int, default=12000)
    ap.add_argument("--limit-cnn", type=int, default=6000)
    ap.add_argument("--skip", default="", help="contenders to leave out, e.g. \"torch 2T\" (comma-separated)")
    args = ap.parse_args()
    env = race_env(args.avx2, AVX2_ENV, args.any_blas)
    for net in args.nets.split(","):
        limit = args.limit_lenet5 if net == "lenet5" else args.limit_cnn
        scale = 60000 / limit
        contenders = {
            "torch 1T": (["/usr/bin/python3", "bench/torch_cnn.py", "--threads", "1"], TORCH),
            "ours 1T": ([args.ours, "--threads", "1", "--quiet", "--profile", "--out", "/tmp/race-cnn"], OURS),
            "ours 2T": ([args.ours, "--threads", "2", "--quiet", "--profile", "--out", "/tmp/race-cnn"], OURS),
            "torch 2T": (["/usr/bin/python3", "bench/torch_cnn.py", "--threads", "2"], TORCH),
        }
        for name in filter(None, args.skip.split(",")):
            contenders.pop(name.strip(), None)
        times = {name: [] for name in contenders}
        for r in range(args.rounds):
            for name, (cmd, pattern) in contenders.items():
                full = cmd + ["--net", net, "--limit", str(limit), "--epochs", str(args.epochs)]
                times[name] += run(full, pattern, env)
                w, c = times[name][-1]
                print(f"  round {r + 1} {net} {name}: last epoch {w:.3f} s wall, {c:.3f} s CPU ({limit} images)",
                      flush=True)
        print_table(f"{net}: seconds per 60,000 images (median of {args.rounds} rounds x {args.epochs} epochs "
                    f"on {limit} images)", times, scale, "CPU s (ours: main thread; torch: process)")


if __name__ == "__main__":
    main()
