#!/usr/bin/env python3
"""check_texts.py — every file and hw:: name a chapter text or the README cites exists
(make check-texts).

A text names a file in backticks: `src/nn/dense.cpp`, `include/handwritten/nn/dense.hpp`,
`nn/dense.hpp` (short for include/handwritten/nn/dense.hpp), `tests/test_10_mlp.cpp:69`, or a
bare `dense.hpp` when only one file of that name exists. The check also refuses paths that leave
the repository (a reader has only the repository)."""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
tracked = set(subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.split())
# Files the build or a run writes are named too; they are not in the repository.
generated = re.compile(r"^(build|build-san|runs|data/(mnist|fashion|digits))/|\.(svg|json|csv|hwm|png|txt)$")
source_ext = re.compile(r"\.(cpp|hpp|py|sh|md|js|mjs|html|css|json)$")
by_name = {}
for f in tracked:
    by_name.setdefault(pathlib.Path(f).name, []).append(f)

def exists(ref):
    ref = re.sub(r":\d+(-\d+)?$", "", ref)          # a line number after the path
    if ref in tracked or any(t.startswith(ref.rstrip("/") + "/") for t in tracked):
        return True
    if ("include/handwritten/" + ref) in tracked:
        return True
    if "/" not in ref and len(by_name.get(ref, [])) >= 1:
        return True
    return False

sources = "\n".join((root / f).read_text(errors="replace") for f in tracked
                    if f.endswith((".cpp", ".hpp")))

def declared(name):
    # The last part of hw::a::b must appear as an identifier in the sources.
    return re.search(r"\b" + re.escape(name.split("::")[-1]) + r"\b", sources) is not None

problems = []
texts = sorted(root.glob("chapters/*/README.md")) + [root / "README.md"]
for text in texts:
    rel = text.relative_to(root)
    in_exercises = False  # exercises may name functions the student is asked to write
    for lineno, line in enumerate(text.read_text().splitlines(), 1):
        if line.startswith("#"):
            in_exercises = "exercise" in line.lower()
        if not in_exercises:
            for name in re.findall(r"\bhw::([A-Za-z_][A-Za-z_0-9:]*)", line):
                if not declared(name.rstrip(":")):
                    problems.append(f"{rel}:{lineno}: hw::{name} is not in the sources")
        if re.search(r"\.\./shared|/work/", line):
            problems.append(f"{rel}:{lineno}: names a path outside the repository")
        for ref in re.findall(r"`([^`\s]+)`", line):
            if ref.startswith(("-", "$", "http", ".")) or "*" in ref or "{" in ref or "<" in ref:
                continue
            if not source_ext.search(re.sub(r":\d+(-\d+)?$", "", ref)):
                continue
            if generated.search(ref) and not ref.endswith((".py", ".sh", ".cpp", ".hpp", ".md")):
                continue
            if ref.startswith(("build/", "runs/")):
                continue
            if not exists(ref):
                problems.append(f"{rel}:{lineno}: `{ref}` does not exist")

for p in problems:
    print(p, file=sys.stderr)
print(f"texts: {len(texts)} read, {len(problems)} broken file references")
sys.exit(1 if problems else 0)
