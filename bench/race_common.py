"""race_common.py — what bench/race_cnn.py and bench/race_mlp.py share: run a contender, and
print the table of medians with the ratios to PyTorch. Python standard library only."""
import statistics
import subprocess
import sys

# Both sides held to AVX2 + FMA on any machine, like against like: our AVX2 GEMM, PyTorch's
# oneDNN capped at AVX2 and its OpenBLAS (the Dense layers' GEMMs) on its Haswell kernel.
AVX2_ENV = {"HW_SGEMM_KERNEL": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}


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
