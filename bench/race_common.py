"""race_common.py — what bench/race_cnn.py and bench/race_mlp.py share: their common flags and
environment, running a contender, and the table of medians with the ratios to PyTorch. Python
standard library only."""
import os
import statistics
import subprocess
import sys

from torch_blas import advice

BLAS_PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_blas.py")

# Both sides held to AVX2 + FMA on any machine, like against like: our AVX2 GEMM, PyTorch's
# oneDNN capped at AVX2 and its OpenBLAS (the Dense layers' GEMMs) on its Haswell kernel.
AVX2_ENV = {"HW_SGEMM_KERNEL": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}


def add_race_flags(ap, rounds, epochs, ours):
    """The flags every race takes: --rounds, --epochs, --ours and --avx2."""
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--ours", default=ours, help="the chapter binary to race")
    ap.add_argument("--avx2", action="store_true", help="hold both sides to AVX2 + FMA (see AVX2_ENV)")
    ap.add_argument("--any-blas", action="store_true",
                    help="race even when torch's BLAS is not OpenBLAS (bench/torch_blas.py says why not)")


def race_env(avx2, avx2_env=None, any_blas=False):
    """The environment of every contender. Natively PyTorch's OpenBLAS picks its own kernel, as
    `make bench` lets it: drop the two variables some machines set to pin it. --avx2 adds
    avx2_env (default AVX2_ENV) and says so. Then checks torch's BLAS (check_torch_blas)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if avx2:
        held = avx2_env or AVX2_ENV
        env.update(held)
        print("AVX2 mode: " + " ".join(f"{k}={v}" for k, v in held.items()), flush=True)
    check_torch_blas(env, any_blas)
    return env


def check_torch_blas(env, any_blas):
    """A race is against torch on OpenBLAS: on the reference BLAS, which a bare python3-torch
    installation gets, its epochs take several times as long and every ratio would flatter us.
    Stops with the fix unless any_blas, which races anyway and says so."""
    out = subprocess.run(["/usr/bin/python3", BLAS_PROBE], capture_output=True, text=True, env=env)
    if out.returncode not in (0, 1) or not out.stdout.strip():
        last = out.stderr.strip().splitlines()[-1:] or ["no output"]
        sys.exit(f"cannot run torch: {last[0]} (apt-get install python3-torch python3-numpy)")
    path = out.stdout.strip()
    line = advice(None if path == "none" else path)
    if out.returncode == 0:
        print(line, flush=True)
    elif any_blas:
        print(f"warning (--any-blas): {line}", flush=True)
    else:
        sys.exit(f"{line}. (--any-blas races anyway.)")


def run(cmd, pattern, env=None):
    """Run cmd; return the (wall, CPU) pairs that pattern's two groups find in its output."""
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    rows = [(float(w), float(c)) for w, c in pattern.findall(out.stdout)]
    if not rows:
        sys.exit(f"no epoch times in the output of {' '.join(cmd)}")
    return rows


def print_table(title, times, scale=1.0, cpu_label="CPU s"):
    """times: contender -> [(wall, CPU)] over rounds and epochs. Medians × scale, and the ratios
    to PyTorch at 1 thread and to PyTorch's best thread count, by wall time."""
    med = {n: (statistics.median(w for w, _ in t) * scale, statistics.median(c for _, c in t) * scale)
           for n, t in times.items()}
    torch1_w, torch1_c = med["torch 1T"]
    best_w = min(w for n, (w, _) in med.items() if n.startswith("torch"))
    print(f"\n{title}")
    print(f"| contender | wall s | {cpu_label} | wall ÷ torch 1T | CPU ÷ torch 1T | wall ÷ torch best |")
    print("|---|---|---|---|---|---|")
    for n, (w, c) in med.items():
        print(f"| {n} | {w:.2f} | {c:.2f} | {w / torch1_w:.2f} | {c / torch1_c:.2f} | {w / best_w:.2f} |")
    print(flush=True)
