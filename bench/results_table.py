#!/usr/bin/env python3
"""results_table.py — the README's GEMM results table from a `make bench` JSON.

Usage:  python3 bench/results_table.py build/bench.json [--cpu] [kernel ...]

For every size (sgemm/<kernel>/n:<n>/t:<t>) and MLP shape (sgemm_shape/<kernel>/<label>/t:<t>)
present, prints a Markdown row with each kernel's GFLOP/s (median of repetitions when the run
had --benchmark_repetitions, else the single value) and the ratios auto/openblas, auto/blis.
Default kernels: auto avx512 avx2 openblas blis. --cpu uses the FLOPS_cpu counter (t:1 only:
flops per CPU second of the calling thread, robust to other jobs on the machine).
Python standard library only.
"""
import json
import sys

COUNTER = "FLOPS"


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    global COUNTER
    args = sys.argv[2:]
    if args and args[0] == "--cpu":  # FLOPS_cpu: the t:1 rate per CPU second of the thread
        COUNTER, args = "FLOPS_cpu", args[1:]
    kernels = args or ["auto", "avx512", "avx2", "openblas", "blis"]
    with open(sys.argv[1]) as f:
        data = json.load(f)
    raw, med = {}, {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) < 4 or parts[0] not in ("sgemm", "sgemm_shape"):
            continue
        kernel, what, t = parts[1], parts[2], parts[3]
        key = (parts[0], what, t)
        v = float(b[COUNTER]) / 1e9 if COUNTER in b else None
        if v is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                med.setdefault(key, {})[kernel] = v
        else:
            raw.setdefault(key, {}).setdefault(kernel, []).append(v)
    table = {k: {kern: sorted(v)[len(v) // 2] for kern, v in d.items()} for k, d in raw.items()}
    for k, d in med.items():
        table.setdefault(k, {}).update(d)

    def order(key):
        group, what, t = key
        n = int(what[2:]) if what.startswith("n:") else 0
        return (group != "sgemm", t, n, what)

    ctx = data.get("context", {})
    print(f"Machine: {ctx.get('hw_cpu', '?')}; {ctx.get('hw_peak', '')}; "
          f"{ctx.get('num_cpus', '?')} CPUs; {COUNTER} in GFLOP/s, medians where repetitions were run.\n")
    head = "| problem | t | " + " | ".join(kernels) + " | auto/openblas | auto/blis |"
    print(head)
    print("|" + "---|" * (len(kernels) + 4))
    for key in sorted(table, key=order):
        d = table[key]
        if "auto" not in d:
            continue
        cells = [f"{d[k]:.1f}" if k in d else "–" for k in kernels]
        r1 = f"{d['auto'] / d['openblas']:.2f}" if "openblas" in d else "–"
        r2 = f"{d['auto'] / d['blis']:.2f}" if "blis" in d else "–"
        print(f"| {key[1]} | {key[2][2:]} | " + " | ".join(cells) + f" | {r1} | {r2} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
