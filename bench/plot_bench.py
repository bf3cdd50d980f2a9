#!/usr/bin/env python3
"""plot_bench.py — GFLOP/s against n for every kernel, from Google Benchmark's JSON.

Usage:  python3 bench/plot_bench.py build/bench.json build/bench.svg

Reads the square-size runs `sgemm/<kernel>/n:<n>/t:<t>` (medians when the run had
repetitions, else the single value), draws one line per kernel and thread count on a log2 n
axis, and the machine's peak (from the `hw_peak_gflops_per_core` context the bench records) as
dashed lines for 1 and 2 cores. Python standard library only; open the SVG in a browser.
"""
import json
import math
import sys
from html import escape

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"]


def load(path):
    with open(path) as f:
        data = json.load(f)
    ctx = data.get("context", {})
    peak = float(ctx.get("hw_peak_gflops_per_core", 0) or 0)
    runs = {}  # (kernel, t) -> {n: [values]}, preferring medians
    medians = {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        parts = name.split("/")
        if len(parts) < 4 or parts[0] != "sgemm" or not parts[2].startswith("n:"):
            continue
        kernel, n, t = parts[1], int(parts[2][2:]), int(parts[3][2:])
        if "FLOPS" not in b:
            continue
        gflops = float(b["FLOPS"]) / 1e9
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians.setdefault((kernel, t), {})[n] = gflops
            continue
        runs.setdefault((kernel, t), {}).setdefault(n, []).append(gflops)
    series = {}
    for key, points in runs.items():
        series[key] = {n: sorted(v)[len(v) // 2] for n, v in points.items()}
    for key, points in medians.items():  # medians win over raw repetitions
        series.setdefault(key, {}).update(points)
    return series, peak, ctx


def plot(series, peak, ctx, out):
    W, H, L, R, T, B = 900, 560, 70, 200, 50, 60
    pw, ph = W - L - R, H - T - B
    ns = sorted({n for pts in series.values() for n in pts})
    if not ns:
        raise SystemExit("no sgemm/<kernel>/n:<n>/t:<t> results in the JSON")
    x0, x1 = math.log2(ns[0]), math.log2(ns[-1])
    if x1 == x0:
        x1 = x0 + 1
    threads = sorted({t for (_, t) in series})
    peaks = [peak * t for t in threads] if peak > 0 else []
    ymax = max([v for pts in series.values() for v in pts.values()] + peaks + [1]) * 1.08
    sx = lambda n: L + (math.log2(n) - x0) / (x1 - x0) * pw
    sy = lambda v: T + ph - v / ymax * ph
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{L}" y="22" font-size="16">SGEMM GFLOP/s vs n — '
         f'{escape(ctx.get("hw_cpu", ""))}</text>',
         f'<text x="{L}" y="40" fill="#555">{escape(ctx.get("hw_peak", ""))}</text>']
    step = 10 ** math.floor(math.log10(ymax / 5))
    step *= 2 if ymax / step > 10 else 1
    v = 0.0
    while v <= ymax:
        y = sy(v)
        o.append(f'<line x1="{L}" y1="{y:.1f}" x2="{L + pw}" y2="{y:.1f}" stroke="#eee"/>')
        o.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += step
    for n in ns:
        x = sx(n)
        o.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{T + ph}" stroke="#eee"/>')
        o.append(f'<text x="{x:.1f}" y="{T + ph + 16}" text-anchor="middle">{n}</text>')
    o.append(f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{L + pw / 2}" y="{H - 18}" text-anchor="middle">n (m = n = k), log scale</text>')
    o.append(f'<text x="18" y="{T + ph / 2}" transform="rotate(-90 18 {T + ph / 2})" '
             f'text-anchor="middle">GFLOP/s</text>')
    for t, p in zip(threads, peaks):
        y = sy(p)
        o.append(f'<line x1="{L}" y1="{y:.1f}" x2="{L + pw}" y2="{y:.1f}" stroke="black" '
                 f'stroke-dasharray="6,4"/>')
        o.append(f'<text x="{L + 4}" y="{y - 4:.1f}">peak, {t} core{"s" if t > 1 else ""}: '
                 f'{p:.0f} GFLOP/s</text>')
    order = sorted(series, key=lambda kt: (kt[1], -max(series[kt].values())))
    for i, key in enumerate(order):
        kernel, t = key
        pts = sorted(series[key].items())
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="3,2"' if t > 1 else ""
        path = " ".join(f"{sx(n):.1f},{sy(v):.1f}" for n, v in pts)
        o.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for n, v in pts:
            o.append(f'<circle cx="{sx(n):.1f}" cy="{sy(v):.1f}" r="2.5" fill="{color}">'
                     f'<title>{escape(kernel)} t={t} n={n}: {v:.1f} GFLOP/s</title></circle>')
        ly = T + 14 + i * 17
        o.append(f'<line x1="{L + pw + 12}" y1="{ly - 4}" x2="{L + pw + 36}" y2="{ly - 4}" '
                 f'stroke="{color}" stroke-width="2"{dash}/>')
        o.append(f'<text x="{L + pw + 42}" y="{ly}">{escape(kernel)} t:{t}</text>')
    o.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(o) + "\n")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        series, peak, ctx = load(sys.argv[1])
    except FileNotFoundError:
        print(f"{sys.argv[1]} not found: run `make bench` first", file=sys.stderr)
        return 1
    plot(series, peak, ctx, sys.argv[2])
    print(f"wrote {sys.argv[2]} ({len(series)} lines; open it in a browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
