#!/usr/bin/python3
"""race_mlp.py — chapter 10's epoch race: build/bin/10-mlp against bench/torch_mlp.py, in one sitting.

Usage:  /usr/bin/python3 bench/race_mlp.py [--rounds 2] [--epochs 3] [--ours build/bin/10-mlp]
                                          [--data data/mnist] [--avx2]

Each round runs, one after the other: PyTorch at 1 thread, ours at 1 thread, ours at 2 threads,
PyTorch at 2 threads, each for --epochs epochs of the same work (784-256-10, Adam, batch 128, all
60,000 training images: `--val 0`). Both programs time the mini-batch loop of every epoch, as
wall time and as CPU time (ours: the calling thread; PyTorch: the process). The table gives the
medians over rounds and epochs and the ratios ours ÷ PyTorch at 1 thread and ÷ PyTorch's best.
Interleaving the contenders round by round is what makes the ratios hold when a shared machine's
speed drifts. --avx2 holds both sides to AVX2 + FMA (race_common.AVX2_ENV).

Needs build/bin/10-mlp (make), MNIST in data/mnist (make data) and Debian's python3-torch
with OpenBLAS (libopenblas0-pthread): the race checks that first (bench/torch_blas.py), --any-blas
races on another BLAS anyway.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from race_common import add_race_flags, print_table, race_env, run  # noqa: E402

TORCH = re.compile(r"train ([0-9.]+) s \(([0-9.]+) s CPU\)")


def run_ours(cmd, env):
    """10-mlp's epoch times from its metrics JSON: [(wall, CPU)] per epoch."""
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "metrics.json")
        full = cmd + ["--metrics", metrics, "--out", tmp]
        try:
            out = subprocess.run(full, capture_output=True, text=True, env=env)
        except FileNotFoundError:
            sys.exit(f"{cmd[0]} not found: build it with make")
        if out.returncode != 0:
            sys.exit(f"{' '.join(full)} failed:\n{out.stderr}")
        with open(metrics) as f:
            m = json.load(f)
    return list(zip(m["train_seconds"], m["train_cpu_seconds"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_race_flags(ap, rounds=2, epochs=3, ours="build/bin/10-mlp")
    ap.add_argument("--data", default="data/mnist", help="the MNIST IDX directory")
    args = ap.parse_args()
    if args.rounds < 1 or args.epochs < 1:
        ap.error("--rounds and --epochs must be >= 1")
    env = race_env(args.avx2, any_blas=args.any_blas)
    epochs = ["--epochs", str(args.epochs)]
    torch = ["/usr/bin/python3", "bench/torch_mlp.py", args.data] + epochs
    ours = [args.ours, "--val", "0", "--quiet", "--data", args.data] + epochs
    contenders = {
        "torch 1T": lambda: run(torch + ["--threads", "1"], TORCH, env),
        "ours 1T": lambda: run_ours(ours + ["--threads", "1"], env),
        "ours 2T": lambda: run_ours(ours + ["--threads", "2"], env),
        "torch 2T": lambda: run(torch + ["--threads", "2"], TORCH, env),
    }
    times = {name: [] for name in contenders}
    for r in range(args.rounds):
        for name, race in contenders.items():
            times[name] += race()
            w, c = times[name][-1]
            print(f"  round {r + 1} {name}: last epoch {w:.3f} s wall, {c:.3f} s CPU", flush=True)
    print_table(f"784-256-10 MLP, s per epoch (median of {args.rounds} rounds x {args.epochs} epochs)", times,
                cpu_label="CPU s (ours: calling thread; torch: process)")


if __name__ == "__main__":
    main()
