#!/usr/bin/env python3
"""grade.py — the course kit: student trees, grading, Gradescope, batches, the coverage check.

The Makefile's targets call it (make student, grade, grade-all, handin, autograder-zip,
check-kit); README's "For instructors" section describes them. Only Python's standard
library is used, and only python3 >= 3.8: the Gradescope image gets it from setup.sh.

    grade.py student --out DIR [--chapters 03,04,05]
    grade.py grade [--tree DIR] [--chapters ...] [--submission DIR --prepared DIR]
                   [--results FILE] [--gradescope] [--show-withheld] [--retime N] [--expect full|zero]
    grade.py prepare --out DIR [--chapters ...]          a built grading tree for submissions
    grade.py grade-all --submissions DIR [--chapters ...] [--csv FILE] [--jobs N]
    grade.py handin [--tree DIR] [--out FILE]
    grade.py autograder-zip [--chapters ...] [--out FILE]
    grade.py check-kit [--chapters ...]
    grade.py regions                                     regions and rubric items per chapter
    grade.py calibrate [--chapters ...] [--rounds N]     the solution's speed-ups against the perf scales
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import engine  # noqa: E402
import regions as rg  # noqa: E402
from rubric import Item, RubricError, load_rubric, student_rubric_text  # noqa: E402

SOURCE_TREE = os.path.dirname(os.path.dirname(HERE))  # the tree this grader belongs to
RUBRIC = os.path.join("tests", "rubric.txt")
GRADE_TARGET = "grade-bins"  # Makefile: the test runner, grade-perf and the exercise checks
SUMMARY_PREFIX = "HW-GRADE"


def fail(message: str, code: int = 2) -> None:
    print(f"grade: error: {message}", file=sys.stderr)
    sys.exit(code)


def jobs_default() -> int:
    return os.cpu_count() or 2


# ------------------------------------------------------------------ trees
def chapters_of(tree: str, given: Optional[str]) -> Optional[List[str]]:
    """--chapters wins; else a student or grading tree's ASSIGNMENT; else every chapter."""
    if given:
        return rg.parse_chapters(given)
    assignment = rg.read_assignment(tree)
    if assignment and assignment.get("chapters"):
        return rg.parse_chapters(assignment["chapters"])
    return None


def items_for(tree: str, chapters: Optional[List[str]]) -> List[Item]:
    path = os.path.join(tree, RUBRIC)
    if not os.path.isfile(path):
        fail(f"{path} is missing")
    return [i for i in load_rubric(path) if rg.selected(i.chapter, chapters)]


def write_student(tree: str, out: str, chapters: Optional[List[str]]) -> Dict[str, object]:
    with open(os.path.join(tree, RUBRIC), encoding="utf-8") as f:
        rubric_text = f.read()
    items = [i for i in load_rubric(os.path.join(tree, RUBRIC)) if rg.selected(i.chapter, chapters)]
    info = rg.write_tree(tree, out, chapters, for_student=True,
                         rubric_text_for_student=student_rubric_text(rubric_text, chapters))
    shown = [i for i in items if not i.withheld]
    withheld = [i for i in items if i.withheld]
    rg.write_assignment(out, chapters, info["handin"], len(shown), sum(i.points for i in shown),
                        len(withheld), sum(i.points for i in withheld))
    return info


def reuse_build(tree: str, out: str) -> None:
    """Copy the tree's objects (times preserved) so the new tree rebuilds only its changes."""
    src = os.path.join(tree, "build")
    if not os.path.isdir(os.path.join(src, "obj")):
        return
    dst = os.path.join(out, "build")
    os.makedirs(dst, exist_ok=True)
    shutil.copytree(os.path.join(src, "obj"), os.path.join(dst, "obj"), symlinks=True, dirs_exist_ok=True)
    for name in ("compile-flags", "libhw.a"):
        if os.path.isfile(os.path.join(src, name)):
            shutil.copy2(os.path.join(src, name), os.path.join(dst, name))


def prepare(tree: str, out: str, chapters: Optional[List[str]], jobs: int) -> engine.Build:
    """A grading tree: the chapters' regions stripped (what the student was given), hidden
    tests and the whole rubric kept, built once so each submission recompiles only its files."""
    info = rg.write_tree(tree, out, chapters, for_student=False)
    items = items_for(tree, chapters)
    shown = [i for i in items if not i.withheld]
    withheld = [i for i in items if i.withheld]
    rg.write_assignment(out, chapters, info["handin"], len(shown), sum(i.points for i in shown),
                        len(withheld), sum(i.points for i in withheld))
    reuse_build(tree, out)
    return engine.build(out, [GRADE_TARGET], jobs)


def find_submitted(submission: str, rel: str, handin: List[str]) -> Optional[str]:
    """The submitted copy of a hand-in file: at its path (possibly under one top folder, as
    a zipped folder unpacks), else by its name when Gradescope flattened the upload."""
    candidates = []
    for top, _, files in os.walk(submission):
        for name in files:
            path = os.path.join(top, name)
            relpath = os.path.relpath(path, submission).replace(os.sep, "/")
            if relpath == rel or relpath.endswith("/" + rel):
                return path
            if name == os.path.basename(rel):
                candidates.append(path)
    same_name = [h for h in handin if os.path.basename(h) == os.path.basename(rel)]
    return candidates[0] if len(candidates) == 1 and len(same_name) == 1 else None


def overlay_submission(work: str, submission: str) -> List[str]:
    """Integrity: only the files the assignment names come from the student; everything else
    (tests, rubric, Makefile and its flags, the grader) stays the instructor's."""
    assignment = rg.read_assignment(work) or {}
    handin = assignment.get("hand-in", "").split()
    notes = []
    now = time.time()
    for rel in handin:
        found = find_submitted(submission, rel, handin)
        if found is None:
            notes.append(f"missing from the submission: {rel} (graded as handed out)")
            continue
        if os.path.getsize(found) > 1 << 20:
            notes.append(f"ignored: {rel} is larger than 1 MiB")
            continue
        target = os.path.join(work, rel)
        shutil.copyfile(found, target)
        os.utime(target, (now + 1, now + 1))  # newer than every object: make recompiles it
        notes.append(f"taken from the submission: {rel}")
    return notes


# ------------------------------------------------------------------ reporting
def outcome_row(o: engine.Outcome) -> str:
    name = o.item.name if len(o.item.name) <= 70 else o.item.name[:67] + "..."
    mark = "ok" if o.status == "passed" else ("--" if o.score == 0 else "part")
    return f"  {o.item.number:<6} {name:<70} {o.score:>6.4g}/{o.item.points:<4g} {mark}"


def print_report(outcomes: List[engine.Outcome], build: engine.Build, show_withheld: bool,
                 withheld_elsewhere: int, notes: List[str]) -> None:
    for note in notes:
        print(f"  {note}")
    if not build.ok:
        print("BUILD FAILED: every item scores 0. The compiler's first errors:")
        print("\n".join("    " + l for l in build.errors.splitlines()))
    shown = [o for o in outcomes if show_withheld or not o.item.withheld]
    print(f"  {'item':<6} {'check':<70} {'score':>11}")
    for o in shown:
        print(outcome_row(o))
    for o in shown:
        if o.status != "passed" and build.ok:
            print(f"\n{o.item.number} {o.item.name}: {o.score:g}/{o.item.points:g}")
            if o.item.hint:
                print(f"  hint: {o.item.hint}")
            print("\n".join("    " + l for l in o.message.splitlines()[:engine.MESSAGE_LINES]))
    print()
    print(summary_sentence(outcomes, show_withheld, withheld_elsewhere))


def totals(outcomes: List[engine.Outcome]) -> Dict[str, float]:
    visible = [o for o in outcomes if not o.item.withheld]
    withheld = [o for o in outcomes if o.item.withheld]
    return {"score": round(sum(o.score for o in outcomes), 3),
            "max": sum(o.item.points for o in outcomes),
            "visible_score": round(sum(o.score for o in visible), 3),
            "visible_max": sum(o.item.points for o in visible),
            "withheld_items": len(withheld),
            "withheld_max": sum(o.item.points for o in withheld)}


def items(count: int) -> str:
    return f"{count} hidden item{'' if count == 1 else 's'}"


def summary_sentence(outcomes: List[engine.Outcome], show_withheld: bool, withheld_elsewhere: int) -> str:
    t = totals(outcomes)
    text = f"score: visible {t['visible_score']:g}/{t['visible_max']:g}"
    if t["withheld_items"]:
        text += (f"; withheld {t['score'] - t['visible_score']:g}/{t['withheld_max']:g}, total {t['score']:g}/{t['max']:g}"
                 if show_withheld else f"; {items(t['withheld_items'])} ({t['withheld_max']:g} points) not shown")
    if withheld_elsewhere:
        text += f"; {items(withheld_elsewhere)} not in this tree (graded on submission)"
    failed = sum(1 for o in outcomes if o.status != "passed" and (show_withheld or not o.item.withheld))
    return text + (f"; {failed} shown items lost points" if failed else "")


def summary_line(outcomes: List[engine.Outcome], build: engine.Build, chapters: Optional[List[str]],
                 seconds: float) -> str:
    t = totals(outcomes)
    passed = sum(1 for o in outcomes if o.status == "passed")
    errors = sum(1 for o in outcomes if o.rubric_error)
    return (f"{SUMMARY_PREFIX} score={t['score']:g} max={t['max']:g} visible={t['visible_score']:g}/{t['visible_max']:g} "
            f"withheld_items={t['withheld_items']} items={len(outcomes)} passed={passed} "
            f"build={'ok' if build.ok else 'failed'} rubric_errors={errors} "
            f"chapters={','.join(chapters) if chapters else 'all'} seconds={seconds:.0f}")


def results_json(outcomes: List[engine.Outcome], build: engine.Build, notes: List[str], seconds: float) -> dict:
    """Gradescope's results.json: the items' visibility tells Gradescope what to show."""
    tests, board = [], []
    for o in outcomes:
        out = o.message
        if o.status != "passed" and o.item.hint:
            out = f"hint: {o.item.hint}\n{out}"
        tests.append({"name": f"{o.item.number} {o.item.name}", "score": o.score, "max_score": o.item.points,
                      "status": o.status, "output": out, "visibility": o.item.visibility,
                      "tags": [f"chapter {o.item.chapter}", o.item.kind]})
        if o.perf and o.perf.get("correct"):
            board.append({"name": f"{o.item.kernel} GFLOP/s n={o.item.n}", "value": round(o.perf["gflops"], 2),
                          "order": "desc"})
    t = totals(outcomes)
    head = [f"visible items: {t['visible_score']:g}/{t['visible_max']:g}"] + notes
    if not build.ok:
        head.insert(0, "The build failed, so every item scores 0. The compiler's first errors:\n" + build.errors)
    return {"score": t["score"], "execution_time": round(seconds), "output": "\n".join(head),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests, "leaderboard": board}


# ------------------------------------------------------------------ commands
def cmd_student(args) -> None:
    chapters = rg.parse_chapters(args.chapters)
    info = write_student(args.tree, args.out, chapters)
    if args.reuse_build:
        reuse_build(args.reuse_build, args.out)
    regions = info["regions"]
    print(f"student version ({'chapters ' + ' '.join(chapters) if chapters else 'every chapter'}) written to {args.out}/: "
          f"{len(regions)} regions in {len(info['handin'])} files.")
    print(f"  the student fills in the TODO(student) parts, checks with `make -C {args.out} grade`, "
          f"packs with `make -C {args.out} handin`.")


def grade(args) -> int:
    start = time.time()
    if args.untimed_credit not in ("full", "none"):  # argparse does not check a default from the environment
        fail(f"HW_GRADE_UNTIMED='{args.untimed_credit}': expected full or none")
    tree = os.path.abspath(args.tree)
    notes: List[str] = []
    if args.prepared:
        args.prepared = os.path.abspath(args.prepared)
    if args.submission:
        if not os.path.isdir(args.submission):
            fail(f"--submission {args.submission}: no such directory")
        if args.work:
            os.makedirs(args.work, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="hw-grade-work-", dir=os.path.abspath(args.work) if args.work else None)
        work = os.path.join(scratch, "tree")
        if args.prepared:
            engine.copy_built_tree(args.prepared, work)
        else:
            prepare(tree, work, chapters_of(tree, args.chapters), args.jobs)
        notes = overlay_submission(work, args.submission)
    else:
        work, scratch = tree, None
    chapters = chapters_of(work, args.chapters)
    items = items_for(work, chapters)
    assignment = rg.read_assignment(work) or {}
    withheld_elsewhere = 0
    if not args.submission and assignment.get("withheld") and not any(i.withheld for i in items):
        withheld_elsewhere = int(assignment["withheld"].split()[0])
    build = engine.build(work, [GRADE_TARGET], args.jobs, quiet=not args.verbose)
    if build.ok:
        outcomes = engine.run_items(work, items, args.jobs, args.reps, args.retime, args.untimed_credit)
    else:
        outcomes = engine.build_failed_outcomes(items, build.errors)
    seconds = time.time() - start
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w", encoding="utf-8") as f:
            json.dump(results_json(outcomes, build, notes, seconds), f, indent=1)
    if not args.quiet:
        print_report(outcomes, build, args.show_withheld or args.gradescope, withheld_elsewhere, notes)
    line = summary_line(outcomes, build, chapters, seconds)
    print(line)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    if scratch and not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    t = totals(outcomes)
    if any(o.rubric_error for o in outcomes):
        print("grade: the rubric names checks that do not exist (see above)", file=sys.stderr)
        return 1
    if args.expect == "full" and t["score"] < t["max"]:
        print(f"grade: expected full marks, got {t['score']:g}/{t['max']:g}", file=sys.stderr)
        return 1
    if args.expect == "correct":
        # CI never asserts a time: every item full except timed ones, which must be correct.
        short = [o.item.number for o in outcomes if o.score < o.item.points and
                 not (o.item.kind == "perf" and o.perf and o.perf.get("correct"))]
        slow = [f"{o.item.number} {o.score:g}/{o.item.points:g} ({o.perf['ratio']:.1f}x)" for o in outcomes
                if o.item.kind == "perf" and o.perf and o.perf.get("correct") and o.score < o.item.points]
        if slow:
            print(f"grade: note: timed items below full marks on this machine: {', '.join(slow)}")
        if short:
            print(f"grade: expected full marks on every untimed item, lost points on {' '.join(short)}", file=sys.stderr)
            return 1
    if args.expect == "zero" and t["score"] > 0:
        lost = [o.item.number for o in outcomes if o.score > 0]
        print(f"grade: expected 0 (no free points), got {t['score']:g}: items {' '.join(lost)}", file=sys.stderr)
        return 1
    return 0


def cmd_prepare(args) -> None:
    result = prepare(args.tree, args.out, rg.parse_chapters(args.chapters), args.jobs)
    if not result.ok:
        fail("the grading tree does not build:\n" + result.errors, 1)
    print(f"grading tree ready in {args.out} (built in {result.seconds:.0f} s)")


def submissions_in(folder: str) -> List[str]:
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path) or name.endswith(".zip"):
            found.append(path)
    return found


def cmd_grade_all(args) -> int:
    """Each submission is graded by its own grader process: one that breaks the build,
    hangs or crashes the grader itself scores 0 and the batch goes on."""
    chapters = rg.parse_chapters(args.chapters)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, "base")
    print(f"== preparing the grading tree ({'chapters ' + ','.join(chapters) if chapters else 'every chapter'})")
    built = prepare(args.tree, base, chapters, args.jobs)
    if not built.ok:
        fail("the grading tree does not build:\n" + built.errors, 1)
    subs = submissions_in(args.submissions)
    if not subs:
        fail(f"no submissions (folders or .zip files) in {args.submissions}")
    items = items_for(base, chapters)

    def grade_one(path: str) -> Dict[str, object]:
        name = os.path.splitext(os.path.basename(path))[0]
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        source = path
        if path.endswith(".zip"):
            source = os.path.join(folder, "submission")
            shutil.rmtree(source, ignore_errors=True)
            try:
                with zipfile.ZipFile(path) as z:
                    z.extractall(source)
            except (zipfile.BadZipFile, OSError) as e:
                return {"name": name, "score": 0, "build": "unreadable", "error": str(e)}
        results = os.path.join(folder, "results.json")
        cmd = [sys.executable, os.path.abspath(__file__), "grade", "--tree", args.tree, "--prepared", base,
               "--submission", source, "--results", results, "--quiet", "--jobs", "1", "--work", folder,
               "--retime", str(args.retime)]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
            log = proc.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            return {"name": name, "score": 0, "build": "grader timed out"}
        with open(os.path.join(folder, "grade.log"), "w", encoding="utf-8") as f:
            f.write(log)
        try:
            with open(results, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return {"name": name, "score": 0, "build": "grader failed (see grade.log)"}
        row: Dict[str, object] = {"name": name, "score": data["score"],
                                  "build": "failed" if "build failed" in data["output"] else "ok"}
        for test in data["tests"]:
            row[test["name"].split(" ")[0]] = test["score"]
        for entry in data["leaderboard"]:
            row[entry["name"]] = entry["value"]
        return row

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(grade_one, subs))
    columns = ["name", "score", "build"] + [i.number for i in items]
    extra = sorted({k for r in rows for k in r if k not in columns and k != "error"})
    with open(args.csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns + extra, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    max_score = sum(i.points for i in items)
    for row in rows:
        print(f"  {row['name']:<30} {row['score']:>7g}/{max_score:g}  build {row['build']}")
    print(f"{len(rows)} submissions graded into {args.csv}")
    return 0


def cmd_handin(args) -> None:
    tree = os.path.abspath(args.tree)
    assignment = rg.read_assignment(tree)
    if assignment is None and not args.chapters:
        fail("this is not a student tree (no ASSIGNMENT file); make one with `make student CHAPTERS=...`")
    if args.chapters:
        chapters = rg.parse_chapters(args.chapters)
        files = sorted({r.path for r in rg.all_regions(tree) if rg.selected(r.chapter, chapters)})
    else:
        files = assignment.get("hand-in", "").split()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with zipfile.ZipFile(args.out, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in files:
            z.write(os.path.join(tree, rel), rel)
    print(f"{args.out}: {len(files)} files ({' '.join(files)}). Upload it to Gradescope as it is.")


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# python3 is installed here, with the compiler, so the grader (tests/grader/grade.py) can rely on it.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ make doctest-dev python3 >/dev/null
# The tree is C++20 for g++ 12; older images default to an older g++.
if [ "$(g++ -dumpversion | cut -d. -f1)" -lt 12 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++-12 >/dev/null
    update-alternatives --install /usr/bin/g++ g++ /usr/bin/g++-12 100
fi
AG="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$AG/source"
# Build the grading tree once (the handed-out version of the chapters below), so each
# submission recompiles only the student's files.
python3 tree/tests/grader/grade.py prepare --tree tree --chapters '{chapters}' --out "$AG/base"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the student's files are in /autograder/submission.
AG="${AUTOGRADER_ROOT:-/autograder}"
cd "$AG/source"
mkdir -p "$AG/results"
python3 tree/tests/grader/grade.py grade --tree tree --prepared "$AG/base" \\
    --submission "$AG/submission" --results "$AG/results/results.json" --gradescope
exit 0
"""


def _zip_text(z: zipfile.ZipFile, name: str, text: str, mode: int) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, text)


def cmd_autograder_zip(args) -> None:
    chapters = rg.parse_chapters(args.chapters)
    tree = os.path.abspath(args.tree)
    files = [f for f in rg.tree_files(tree) if not f.startswith("data/mnist") and not f.startswith("data/fashion")
             and os.path.isfile(os.path.join(tree, f)) and not os.path.islink(os.path.join(tree, f))]
    names = ",".join(chapters) if chapters else "all"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with zipfile.ZipFile(args.out, "w", zipfile.ZIP_DEFLATED) as z:
        _zip_text(z, "setup.sh", SETUP_SH.format(chapters=names), 0o755)
        _zip_text(z, "run_autograder", RUN_AUTOGRADER, 0o755)
        for rel in files:
            z.write(os.path.join(tree, rel), "tree/" + rel)
    print(f"{args.out}: setup.sh, run_autograder and the tree ({len(files)} files), chapters {names}. "
          "Upload it as the assignment's autograder (Ubuntu 22.04 or later).")


def cmd_regions(args) -> None:
    tree = os.path.abspath(args.tree)
    regions = rg.all_regions(tree)
    items = load_rubric(os.path.join(tree, RUBRIC))
    chapters = sorted({r.chapter for r in regions} | {i.chapter for i in items})
    print(f"{'chapter':<8} {'regions':>7} {'files':>5} {'items':>5} {'visible':>7} {'withheld':>8} {'points':>6}")
    for c in chapters:
        rs = [r for r in regions if r.chapter == c]
        its = [i for i in items if i.chapter == c]
        print(f"{c:<8} {len(rs):>7} {len({r.path for r in rs}):>5} {len(its):>5} "
              f"{sum(1 for i in its if not i.withheld):>7} {sum(1 for i in its if i.withheld):>8} "
              f"{sum(i.points for i in its):>6g}")
    print(f"{'all':<8} {len(regions):>7} {len({r.path for r in regions}):>5} {len(items):>5} "
          f"{sum(1 for i in items if not i.withheld):>7} {sum(1 for i in items if i.withheld):>8} "
          f"{sum(i.points for i in items):>6g}")
    if args.verbose:
        for r in regions:
            print("  " + r.describe())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="grade.py", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, chapters=True):
        p.add_argument("--tree", default=SOURCE_TREE, help="the tree (default: the one this grader is in)")
        if chapters:
            p.add_argument("--chapters", default=os.environ.get("CHAPTERS", ""), help="e.g. 03,04,05 (default: all)")
        p.add_argument("--jobs", type=int, default=jobs_default(), help="parallel processes")
        p.add_argument("-v", "--verbose", action="store_true")
        return p

    p = common(sub.add_parser("student", help="write a student tree"))
    p.add_argument("--out", default=os.path.join("build", "student"))
    p.add_argument("--reuse-build", metavar="TREE", help="copy TREE's objects along (a faster first build)")
    p = common(sub.add_parser("grade", help="build and grade a tree or a submission"))
    p.add_argument("--submission", help="a folder with the student's files")
    p.add_argument("--prepared", help="a grading tree made by `prepare` (else one is made)")
    p.add_argument("--results", help="write Gradescope's results.json here")
    p.add_argument("--summary", help="also write the one-line summary here")
    p.add_argument("--gradescope", action="store_true", help="running on Gradescope: show everything on stdout")
    p.add_argument("--show-withheld", action="store_true", help="staff: show hidden items on the terminal")
    p.add_argument("--reps", type=int, default=int(os.environ.get("HW_GRADE_REPS", "7")),
                   help="timed samples per kernel for perf items")
    p.add_argument("--retime", type=int, default=int(os.environ.get("HW_GRADE_RETIME", "2")),
                   help="re-time a borderline perf item up to this many times")
    p.add_argument("--untimed-credit", choices=["full", "none"], default=os.environ.get("HW_GRADE_UNTIMED", "full"),
                   help="what a correct timed item earns when the grader has fewer CPUs than it times threads")
    p.add_argument("--expect", choices=["full", "correct", "zero"],
                   help="exit 1 unless the score is full / full on untimed items and timed ones correct / zero")
    p.add_argument("--work", default=None, help="where to make the temporary grading tree")
    p.add_argument("--keep", action="store_true", help="keep the temporary grading tree")
    p.add_argument("--quiet", action="store_true", help="only the summary line")
    p = common(sub.add_parser("prepare", help="write and build a grading tree for submissions"))
    p.add_argument("--out", required=True)
    p = common(sub.add_parser("grade-all", help="grade a folder of submissions into one CSV"))
    p.add_argument("--submissions", required=True)
    p.add_argument("--out", default=os.path.join("build", "grade-all"))
    p.add_argument("--csv", default=os.path.join("build", "grade-all", "grades.csv"))
    p.add_argument("--timeout", type=float, default=1800, help="seconds for one submission, build included")
    p.add_argument("--retime", type=int, default=2)
    p = common(sub.add_parser("handin", help="zip the files the assignment names"))
    p.add_argument("--out", default=os.path.join("build", "handin.zip"))
    p = common(sub.add_parser("autograder-zip", help="the Gradescope autograder zip"))
    p.add_argument("--out", default=os.path.join("build", "autograder.zip"))
    p = common(sub.add_parser("check-kit", help="every region is covered by a failing rubric item"))
    p.add_argument("--work", default=os.path.join("build", "kit"))
    common(sub.add_parser("regions", help="count regions and rubric items per chapter"), chapters=False)
    p = common(sub.add_parser("calibrate", help="time the solution's perf items and suggest their scales"))
    p.add_argument("--rounds", type=int, default=3, help="timing runs per item (each of --reps pairs)")
    p.add_argument("--reps", type=int, default=int(os.environ.get("HW_GRADE_REPS", "7")))

    args = parser.parse_args(argv)
    try:
        if args.command == "student":
            cmd_student(args)
        elif args.command == "grade":
            return grade(args)
        elif args.command == "prepare":
            cmd_prepare(args)
        elif args.command == "grade-all":
            return cmd_grade_all(args)
        elif args.command == "handin":
            cmd_handin(args)
        elif args.command == "autograder-zip":
            cmd_autograder_zip(args)
        elif args.command == "check-kit":
            import kitcheck
            return kitcheck.check_kit(args)
        elif args.command == "regions":
            cmd_regions(args)
        elif args.command == "calibrate":
            import calibrate
            return calibrate.calibrate(args, items_for, GRADE_TARGET)
    except (rg.RegionError, RubricError) as e:
        fail(str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
