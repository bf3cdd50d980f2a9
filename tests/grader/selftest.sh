#!/usr/bin/env bash
# selftest.sh BUILD — the course kit's own checks (make kit-selftest; CI runs it):
#   1. the solution tree grades 100% (every item, hidden ones included; timed items must be
#      correct, their speed is printed but never asserted);
#   2. the fully stripped tree builds, as a student tree too, and scores 0 on every item;
#   3. every solution region is caught by a rubric item of its chapter (check-kit);
#   4. one CHAPTERS subset: its handed-out tree scores 0 on its items, the solution's hand-in
#      files graded as a submission score 100%, and a partly solved submission (the solution
#      with the chapter's first region stubbed again) is graded;
#   5. the calibration (make calibrate-grades) and the one-CPU path of a two-thread timed item run.
# Trees under BUILD/kit reuse the solution's objects, so each builds only what it changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
KIT="$BUILD/kit"
SUBSET="${KIT_SUBSET:-05}"
G="python3 tests/grader/grade.py"
mkdir -p "$KIT"
start=$SECONDS

echo "== kit 1/5: the solution tree grades 100% (timed items: correct; their speed is reported, not asserted)"
$G grade --quiet --expect correct --retime 0 --summary "$KIT/solution.summary"

echo "== kit 2/5: the fully stripped tree builds and scores 0 on every item"
$G prepare --out "$KIT/stripped" >/dev/null
$G grade --tree "$KIT/stripped" --quiet --expect zero --retime 0
$G student --out "$KIT/student" --reuse-build "$KIT/stripped" >/dev/null
# Same sources as the stripped tree (minus hidden tests): give them its file times so the
# copied objects count, and the student tree only relinks.
python3 - "$KIT/stripped" "$KIT/student" <<'PY'
import filecmp, os, shutil, sys
src, dst = sys.argv[1:]
for top, _, files in os.walk(dst):
    for name in files:
        d = os.path.join(top, name)
        s = os.path.join(src, os.path.relpath(d, dst))
        if "/build/" not in d and os.path.isfile(s) and filecmp.cmp(s, d, shallow=False):
            shutil.copystat(s, d)
PY
env -u MAKEFLAGS -u MFLAGS make -s -C "$KIT/student" grade-bins >/dev/null
echo "   the student tree (no hidden tests) builds"

echo "== kit 3/5: every region is covered (check-kit)"
$G check-kit --work "$KIT/check" | tail -n 3

echo "== kit 4/5: CHAPTERS=$SUBSET"
$G prepare --chapters "$SUBSET" --out "$KIT/base-$SUBSET" >/dev/null
$G grade --tree "$KIT/base-$SUBSET" --quiet --expect zero --retime 0
rm -rf "$KIT/solution-$SUBSET" "$KIT/partial-$SUBSET"
$G handin --chapters "$SUBSET" --out "$KIT/solution-$SUBSET.zip" >/dev/null
python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$KIT/solution-$SUBSET.zip" "$KIT/solution-$SUBSET"
$G grade --prepared "$KIT/base-$SUBSET" --submission "$KIT/solution-$SUBSET" --work "$KIT" --quiet --expect correct
# Partly solved: the solution's hand-in files with the chapter's first region stubbed again.
cp -r "$KIT/solution-$SUBSET" "$KIT/partial-$SUBSET"
python3 - "$KIT/partial-$SUBSET" "$SUBSET" <<'PY'
import os, sys
sys.path.insert(0, "tests/grader")
import regions as rg
root, chapter = sys.argv[1], "%02d" % int(sys.argv[2])
first = [r for r in rg.all_regions(root) if r.chapter == chapter][0]
path = os.path.join(root, first.path)
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(
    rg.strip_text(text, rg.parse_regions(first.path, text), lambda r: r.index == first.index))
print(f"   partly solved: {first.describe()} stubbed")
PY
$G grade --prepared "$KIT/base-$SUBSET" --submission "$KIT/partial-$SUBSET" --work "$KIT" --quiet
echo "== kit 5/5: calibration, and a two-thread timed item on one CPU"
$G calibrate --chapters 03 --rounds 1 --reps 3 | tail -n 3
taskset -c 0 $G grade --chapters 07 --quiet --untimed-credit none --results "$KIT/one-cpu.json" >/dev/null || true
python3 - "$KIT/one-cpu.json" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
timed = [t for t in tests if t["name"].startswith("07.4")] or [t for t in tests if "speed" in t["name"]]
assert timed and timed[0]["score"] == 0 and "speed NOT graded" in timed[0]["output"], timed
print("   one CPU: the two-thread item is checked for correctness, its speed is not graded")
PY
echo "kit self-checks passed in $((SECONDS - start)) s"
