"""regions.py — solution regions in the sources, and the student tree made by stripping them.

A region is a run of lines between two marker comments, tagged with the chapter whose idea
it holds and, optionally, a few words naming it:

    // BEGIN SOLUTION 05 pack a sliver of A
    ... the code the student writes ...
    // ELSE
    // return {};
    // END SOLUTION

The part after `// ELSE` is optional. It is the stub: each of its lines is a comment in the
solution tree, and the student tree gets it uncommented, so a function that must return
something still compiles. Without ELSE the region becomes a TODO comment only.

`make student CHAPTERS=03,04,05` strips the regions of those chapters and keeps every other
chapter's solution, so earlier chapters keep working and later ones still build. The student
tree remembers its chapters in the file ASSIGNMENT, which `make grade` reads.
"""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

BEGIN = re.compile(r"^(\s*)// BEGIN SOLUTION\b(.*)$")
ELSE = re.compile(r"^\s*// ELSE\s*$")
END = re.compile(r"^\s*// END SOLUTION\s*$")
STUB_LINE = re.compile(r"^(\s*)//( ?)(.*)$")
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
ASSIGNMENT_FILE = "ASSIGNMENT"
# Directories never copied into a student or grading tree (build outputs, data, VCS).
SKIP_DIRS = {".git", "build", "build-san", "node_modules", "runs"}


class RegionError(Exception):
    pass


@dataclass
class Region:
    path: str          # relative to the tree
    index: int         # 0-based, in file order
    chapter: str       # "05"
    label: str         # "pack a sliver of A" (may be empty)
    begin: int         # 1-based line of the BEGIN marker
    end: int           # 1-based line of the END marker
    indent: str
    stub: List[str] = field(default_factory=list)  # uncommented ELSE lines

    @property
    def where(self) -> str:
        return f"{self.path}:{self.begin}"

    def describe(self) -> str:
        return f"{self.chapter} {self.where}" + (f" ({self.label})" if self.label else "")


def parse_regions(path: str, text: str) -> List[Region]:
    """Every region of one file, or RegionError with file:line for a malformed marker."""
    regions: List[Region] = []
    current: Optional[Region] = None
    in_else = False
    for number, line in enumerate(text.split("\n"), start=1):
        begin = BEGIN.match(line)
        if begin:
            if current:
                raise RegionError(f"{path}:{number}: BEGIN SOLUTION inside the region of line {current.begin}")
            words = begin.group(2).split()
            if not words or not re.fullmatch(r"\d\d", words[0]):
                raise RegionError(f"{path}:{number}: BEGIN SOLUTION needs a two-digit chapter, "
                                  f"e.g. '// BEGIN SOLUTION 05 pack A'")
            current = Region(path, len(regions), words[0], " ".join(words[1:]), number, 0,
                             begin.group(1))
            in_else = False
        elif ELSE.match(line):
            if not current or in_else:
                raise RegionError(f"{path}:{number}: ELSE outside a region (or a second ELSE)")
            in_else = True
        elif END.match(line):
            if not current:
                raise RegionError(f"{path}:{number}: END SOLUTION without BEGIN SOLUTION")
            current.end = number
            regions.append(current)
            current, in_else = None, False
        elif in_else:
            stub = STUB_LINE.match(line)
            if not stub:
                raise RegionError(f"{path}:{number}: a stub line after ELSE must be a // comment")
            current.stub.append(stub.group(1) + stub.group(3))
    if current:
        raise RegionError(f"{path}:{current.begin}: BEGIN SOLUTION is never closed")
    return regions


def stub_text(region: Region) -> List[str]:
    label = f": {region.label}" if region.label else ""
    return [f"{region.indent}// TODO(student, chapter {region.chapter}){label}.",
            f"{region.indent}// Chapter {region.chapter}'s text explains it; `make grade` checks it."] + region.stub


def strip_text(text: str, regions: Sequence[Region], strip) -> str:
    """The file with each region for which strip(region) holds replaced by its stub, and the
    markers of every other region removed (their code kept)."""
    lines = text.split("\n")
    out: List[str] = []
    by_begin = {r.begin: r for r in regions}
    number = 1
    while number <= len(lines):
        region = by_begin.get(number)
        if region is None:
            out.append(lines[number - 1])
            number += 1
            continue
        if strip(region):
            out.extend(stub_text(region))
        else:
            for inner in range(region.begin + 1, region.end):
                if ELSE.match(lines[inner - 1]):
                    break
                out.append(lines[inner - 1])
        number = region.end + 1
    return "\n".join(out)


def tree_files(root: str) -> List[str]:
    """The tree's files, relative: git's tracked and untracked-but-not-ignored files in a
    checkout, else every file outside build outputs."""
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        listing = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                                  "--exclude-standard"], capture_output=True, check=True).stdout
        names = [n for n in listing.decode().split("\0") if n]
        return sorted(n for n in names if os.path.lexists(os.path.join(root, n)))
    found = []
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build-")
                   and os.path.join(rel_top, d) not in ("./data/mnist", "./data/fashion", "data/mnist", "data/fashion")]
        for name in files:
            found.append(os.path.normpath(os.path.join(rel_top, name)))
    return sorted(found)


def all_regions(root: str, files: Optional[List[str]] = None) -> List[Region]:
    regions = []
    for rel in files if files is not None else tree_files(root):
        if rel.endswith(SOURCE_SUFFIXES) and os.path.isfile(os.path.join(root, rel)):
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                regions.extend(parse_regions(rel, f.read()))
    return regions


def parse_chapters(text: Optional[str]) -> Optional[List[str]]:
    """'3,04, 5' → ['03', '04', '05']; '' or None → None (every chapter)."""
    if not text or not text.strip() or text.strip() == "all":
        return None
    chapters = []
    for word in re.split(r"[,\s]+", text.strip()):
        if not word:
            continue
        if not word.isdigit() or not 0 < int(word) < 100:
            raise RegionError(f"CHAPTERS: '{word}' is not a chapter number (e.g. CHAPTERS=03,04,05)")
        chapters.append(f"{int(word):02d}")
    return sorted(set(chapters))


def selected(chapter: str, chapters: Optional[List[str]]) -> bool:
    return chapters is None or chapter in chapters


def copy_tree(src: str, dst: str, files: List[str]) -> None:
    for rel in files:
        source, target = os.path.join(src, rel), os.path.join(dst, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(source):
            if os.path.lexists(target):
                os.remove(target)
            os.symlink(os.readlink(source), target)
        elif os.path.isfile(source):
            shutil.copy2(source, target)


def is_hidden_test_file(rel: str) -> bool:
    """Hidden and after_published rubric items live in tests/hidden_*.cpp: a student tree
    never contains them, so their code stays unseen as well as their names."""
    return rel.startswith("tests/hidden_") and rel.endswith(".cpp")


def write_tree(root: str, out: str, chapters: Optional[List[str]], for_student: bool,
               rubric_text_for_student=None) -> Dict[str, object]:
    """Write the tree with the chapters' regions stripped into `out`. For a student tree
    (for_student), hidden test files are left out, the rubric keeps the visible items of the
    chapters only, and ASSIGNMENT records the chapters and the files to hand in.
    Returns {'regions': [...stripped], 'handin': [...files]}."""
    files = tree_files(root)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    stripped: List[Region] = []
    for rel in files:
        if for_student and is_hidden_test_file(rel):
            continue
        if rel.endswith(SOURCE_SUFFIXES) and os.path.isfile(os.path.join(root, rel)):
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
            regions = parse_regions(rel, text)
            if regions:
                chosen = [r for r in regions if selected(r.chapter, chapters)]
                stripped.extend(chosen)
                target = os.path.join(out, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as f:
                    f.write(strip_text(text, regions, lambda r: selected(r.chapter, chapters)))
                shutil.copymode(os.path.join(root, rel), target)
                if not chosen:  # only markers removed: keep the time, so objects stay valid
                    shutil.copystat(os.path.join(root, rel), target)
                continue
        copy_tree(root, out, [rel])
    handin = sorted({r.path for r in stripped})
    if for_student and rubric_text_for_student is not None:
        with open(os.path.join(out, "tests", "rubric.txt"), "w", encoding="utf-8") as f:
            f.write(rubric_text_for_student)
    return {"regions": stripped, "handin": handin}


def write_assignment(out: str, chapters: Optional[List[str]], handin: List[str],
                     visible_items: int, visible_points: float, withheld_items: int,
                     withheld_points: float) -> None:
    names = " ".join(chapters) if chapters else "all"
    with open(os.path.join(out, ASSIGNMENT_FILE), "w", encoding="utf-8") as f:
        f.write("# This tree is an assignment, written by `make student`. `make grade` reads this file.\n"
                "# Fill in the TODO(student) parts of the files below; `make handin` packs exactly them.\n")
        f.write(f"chapters: {names}\n")
        f.write(f"hand-in: {' '.join(handin)}\n")
        f.write(f"visible: {visible_items} items, {visible_points:g} points\n")
        f.write(f"withheld: {withheld_items} items, {withheld_points:g} points (graded on submission)\n")


def read_assignment(root: str) -> Optional[Dict[str, str]]:
    path = os.path.join(root, ASSIGNMENT_FILE)
    if not os.path.isfile(path):
        return None
    fields: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields
