"""calibrate.py — how the solution's kernels score against the rubric's speed scales, here.

A perf item's scale is a list of (speed-up, fraction) points. The speed-ups are ratios of two
kernels timed in the same run, so they move much less between machines than GFLOP/s do, but
they still move: a wider SIMD unit, a smaller L2 or a busy neighbour changes them. Run this on
the machine that grades (for Gradescope: inside the autograder image, once) with the solution
tree, and it prints, per timed item, the solution's median speed-up and spread over several
timing runs, the fraction that earns, and a suggested scale: the same zero point, and full
credit at 80% of the solution's slowest run, so the solution earns full marks with a margin
against noise. Nothing is written: copy a suggested line into tests/rubric.txt if you agree.
"""
import math
import os
import statistics
import sys
from typing import Callable, List

import engine
import regions as rg
from rubric import Item

FULL_AT = 0.8  # full credit at this fraction of the solution's slowest speed-up


def suggested_scale(item: Item, slowest: float) -> str:
    zero = item.thresholds[0][0]
    full = math.floor(FULL_AT * slowest * 10) / 10
    full = max(full, math.ceil(zero * 10.5) / 10)  # keep the scale increasing (slowest > zero here)
    return f"ratio {zero:g}:0 {full:g}:1"


def rubric_line(item: Item, scale: str) -> str:
    threads = f" threads={item.threads}" if item.threads != 1 else ""
    return (f"{item.chapter} | {item.points:g} | {item.visibility} | perf {item.kernel} vs {item.reference} "
            f"n={item.n}{threads} {scale} | {item.hint}")


def calibrate(args, items_for: Callable[[str, object], List[Item]], grade_target: str) -> int:
    tree = os.path.abspath(args.tree)
    items = [i for i in items_for(tree, rg.parse_chapters(args.chapters)) if i.kind == "perf"]
    if not items:
        print("calibrate: no perf items in these chapters")
        return 0
    build = engine.build(tree, [grade_target], args.jobs)
    if not build.ok:
        print("calibrate: the tree does not build:\n" + build.errors, file=sys.stderr)
        return 1
    cpus = engine.usable_cpus()
    print(f"calibrate: {len(items)} timed items, {args.rounds} runs of {args.reps} pairs each, {cpus} usable CPU(s)\n")
    print(f"{'item':<7} {'kernel vs reference':<28} {'scale (ratio:fraction)':<24} {'median':>7} {'spread':>13} {'earns':>6}")
    suggestions: List[str] = []
    warnings: List[str] = []
    for item in items:
        label = f"{item.kernel} vs {item.reference} n={item.n}" + (f" t={item.threads}" if item.threads != 1 else "")
        scale = " ".join(f"{r:g}:{f:g}" for r, f in item.thresholds)
        if item.threads > cpus:
            print(f"{item.number:<7} {label:<28} {scale:<24}   not timed: it needs {item.threads} CPUs, the grader has {cpus}")
            continue
        ratios: List[float] = []
        failure = ""
        for _ in range(args.rounds):
            data = engine._time_once(tree, item, args.reps)
            if "error" in data or not data.get("correct"):
                failure = data.get("error", "the solution's kernel is wrong")
                break
            ratios += data["ratios"]
        if failure:
            print(f"{item.number:<7} {label:<28} {scale:<24}   FAILED: {failure.splitlines()[0]}")
            continue
        median, slowest = statistics.median(ratios), min(ratios)
        earns = item.fraction_for_ratio(median)
        spread = f"{slowest:.2f}-{max(ratios):.2f}x"
        print(f"{item.number:<7} {label:<28} {scale:<24} {median:>6.2f}x {spread:>13} {earns:>6.0%}")
        if slowest <= item.thresholds[0][0]:
            warnings.append(f"{item.number}: the solution itself ran at {slowest:.2f}x, at or below the scale's zero "
                            f"point ({item.thresholds[0][0]:g}x): this machine cannot grade the item as it is (a "
                            f"CPU busy with other work?); calibrate again when it is idle")
        elif item.fraction_for_ratio(slowest) < 1.0:
            suggestions.append(rubric_line(item, suggested_scale(item, slowest)))
    for warning in warnings:
        print("\nwarning: " + warning)
    if suggestions:
        print("\nthe solution's slowest run earns less than full marks on these items; suggested lines:")
        for line in suggestions:
            print("  " + line)
    elif not warnings:
        print("\nevery timed item: the solution's slowest run earns full marks on this machine")
    return 0
