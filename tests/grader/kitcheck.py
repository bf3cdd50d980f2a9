"""kitcheck.py — `make check-kit`: is every solution region really graded?

For each region alone: stub it (exactly as the student tree would), rebuild, run the rubric
items of the region's chapter, and require that at least one of them loses points. A region
no item notices is an assignment that grades nothing; the check fails and names it.

Before that, the rubric's consistency: every region's chapter has items; hidden and
after_published items live in tests/hidden_*.cpp (which student trees do not get) and
visible ones outside them (so the student can run them).

It works in a copy of the tree with the built objects copied along (times preserved), and
after each region puts back the source and the objects it rebuilt, so every region costs one
compile of its file (or of the files including its header) and one link.
"""
import glob
import os
import re
import shutil
import time
from typing import Dict, List

import engine
import regions as rg
from rubric import Item, load_rubric

RUBRIC = os.path.join("tests", "rubric.txt")


def _case_literal(case: str) -> str:
    return 'TEST_CASE("' + case.replace("\\", "\\\\").replace('"', '\\"') + '"'


def static_checks(tree: str, regions: List[rg.Region], items: List[Item]) -> List[str]:
    problems = []
    chapters_with_items = {i.chapter for i in items}
    for chapter in sorted({r.chapter for r in regions} - chapters_with_items):
        problems.append(f"chapter {chapter} has solution regions but no rubric items")
    sources: Dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(tree, "tests", "*.cpp"))):
        with open(path, encoding="utf-8") as f:
            sources[os.path.relpath(path, tree)] = f.read()
    for item in items:
        if item.kind not in ("test", "checks"):
            continue
        literal = _case_literal(item.case)
        homes = [p for p, text in sources.items() if literal in text]
        hidden_homes = [p for p in homes if rg.is_hidden_test_file(p)]
        if not homes:
            problems.append(f"{RUBRIC}:{item.line}: no tests/*.cpp defines {literal})")
        elif item.withheld and len(hidden_homes) != len(homes):
            problems.append(f"{RUBRIC}:{item.line}: {item.visibility} item defined outside tests/hidden_*.cpp "
                            f"({', '.join(homes)}): the student tree would show it")
        elif not item.withheld and hidden_homes:
            problems.append(f"{RUBRIC}:{item.line}: visible item defined in {hidden_homes[0]}, "
                            "which student trees do not get")
    return problems


def dependent_objects(work: str, rel: str) -> List[str]:
    """Objects whose dependency file names `rel` (the Makefile's -MMD output)."""
    found = []
    token = re.compile(r"(^|\s)" + re.escape(rel) + r"(\s|\\|$)", re.M)
    for dep in glob.glob(os.path.join(work, "build", "obj", "**", "*.d"), recursive=True):
        with open(dep, encoding="utf-8", errors="replace") as f:
            if token.search(f.read()):
                found.append(dep[:-2] + ".o")
    return found


def snapshot(work: str, rel: str, store: str) -> List[str]:
    """Copy what a rebuild of `rel` will overwrite: its objects, the library, the binaries."""
    if os.path.exists(store):
        shutil.rmtree(store)
    os.makedirs(store)
    paths = dependent_objects(work, rel) + [os.path.join(work, "build", "libhw.a")]
    paths += glob.glob(os.path.join(work, "build", "bin", "**", "*"), recursive=True)
    kept = []
    for path in paths:
        if os.path.isfile(path):
            target = os.path.join(store, os.path.relpath(path, work))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(path, target)
            kept.append(path)
    return kept


def restore(work: str, tree: str, rel: str, store: str, kept: List[str]) -> None:
    shutil.copy2(os.path.join(tree, rel), os.path.join(work, rel))  # the old time: older than the objects
    for path in kept:
        shutil.copy2(os.path.join(store, os.path.relpath(path, work)), path)


def check_kit(args) -> int:
    start = time.time()
    tree = os.path.abspath(args.tree)
    chapters = rg.parse_chapters(args.chapters)
    regions = [r for r in rg.all_regions(tree) if rg.selected(r.chapter, chapters)]
    items = load_rubric(os.path.join(tree, RUBRIC))
    problems = static_checks(tree, regions, items)
    for p in problems:
        print(f"check-kit: {p}")

    work = os.path.join(os.path.abspath(args.work), "tree")
    store = os.path.join(os.path.abspath(args.work), "saved")
    print(f"== check-kit: {len(regions)} regions; copying the built tree to {work}")
    if os.path.exists(work):
        shutil.rmtree(work)
    rg.copy_tree(tree, work, rg.tree_files(tree))
    from grade import reuse_build, GRADE_TARGET
    reuse_build(tree, work)
    first = engine.build(work, [GRADE_TARGET], args.jobs)
    if not first.ok:
        print("check-kit: the solution tree does not build:\n" + first.errors)
        return 1

    uncovered = []
    for region in regions:
        rel = region.path
        with open(os.path.join(tree, rel), encoding="utf-8") as f:
            text = f.read()
        all_in_file = rg.parse_regions(rel, text)
        kept = snapshot(work, rel, store)
        with open(os.path.join(work, rel), "w", encoding="utf-8") as f:
            f.write(rg.strip_text(text, all_in_file, lambda r: r.index == region.index))
        os.utime(os.path.join(work, rel), (time.time() + 1, time.time() + 1))
        mine = [i for i in items if i.chapter == region.chapter]
        plain = [i for i in mine if i.kind != "perf"] or mine
        targets = ["build/bin/tests"] + (["build/bin/grade-perf"] if any(i.kind == "perf" for i in plain) else [])
        targets += sorted({i.argv[0] for i in plain if i.kind == "run"})
        built = engine.build(work, targets, args.jobs)
        if not built.ok:
            problems.append(f"the stub of {region.describe()} does not compile:\n{built.errors}")
            print(f"  STUB BREAKS BUILD  {region.describe()}")
        else:
            outcomes = engine.run_items(work, plain, args.jobs, reps=3, retime=0)
            caught = [o.item.number for o in outcomes if o.score < o.item.points]
            if caught:
                print(f"  ok  {region.describe():<70} caught by {' '.join(caught)}")
            else:
                uncovered.append(region)
                print(f"  UNCOVERED  {region.describe()}: every chapter {region.chapter} item still passes")
        restore(work, tree, rel, store, kept)
    for region in uncovered:
        problems.append(f"region {region.describe()} is covered by no rubric item of chapter {region.chapter}")
    print(f"check-kit: {len(regions)} regions, {len(regions) - len(uncovered)} covered, "
          f"{len(problems)} problems, {time.time() - start:.0f} s")
    return 1 if problems else 0
