"""rubric.py — tests/rubric.txt: what is graded, for how many points, who sees it.

One item per line, five fields separated by ' | ':

    chapter | points | visibility | check | hint

  chapter     two digits; `make grade` in a student tree grades only its chapters' items
  points      the item's maximum score
  visibility  visible | hidden | after_published   (Gradescope's names; hidden and
              after_published items are graded but withheld from the student: their test
              code lives in tests/hidden_*.cpp, which a student tree does not contain)
  check       one of
                test SUITE :: CASE      one doctest test case; all of the points or none
                checks SUITE :: CASE    one test case; points × the fraction of its checks that pass
                                        (0 if it crashes, hangs or exits early)
                perf KERNEL vs REF n=N [threads=T] ratio R:F R:F ...
                                        correctness against the double reference first, then
                                        speed = median over repetitions of time(REF)/time(KERNEL),
                                        both timed in the same run; the fraction of the points
                                        is interpolated linearly between the (ratio, fraction)
                                        pairs and clamped at both ends
                run PROGRAM [ARGS]      an exercise's check program (relative to the tree); all
                                        points when it exits 0
              optional limits at the end: @time=SECONDS (wall, default 30) @mem=MIB (default 2048)
  hint        shown to the student when the item loses points

Lines starting with '#' and blank lines are ignored.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

VISIBILITIES = ("visible", "hidden", "after_published", "after_due_date")
DEFAULT_TIME = 30.0
DEFAULT_MEM_MIB = 2048


class RubricError(Exception):
    pass


@dataclass
class Item:
    line: int
    chapter: str
    points: float
    visibility: str
    kind: str                 # test | checks | perf | run
    text: str                 # the check field as written
    hint: str
    suite: str = ""
    case: str = ""
    kernel: str = ""
    reference: str = ""
    n: int = 0
    threads: int = 1
    thresholds: List[Tuple[float, float]] = field(default_factory=list)
    argv: List[str] = field(default_factory=list)
    time_limit: float = DEFAULT_TIME
    mem_mib: int = DEFAULT_MEM_MIB
    number: str = ""          # "05.2": chapter and position, for tables and CSV columns

    @property
    def withheld(self) -> bool:
        return self.visibility != "visible"

    @property
    def name(self) -> str:
        if self.kind in ("test", "checks"):
            return f"{self.suite}: {self.case}"
        if self.kind == "perf":
            threads = f", {self.threads} threads" if self.threads != 1 else ""
            return f"speed: {self.kernel} vs {self.reference}, n={self.n}{threads}"
        return "exercise: " + " ".join(self.argv)

    def fraction_for_ratio(self, ratio: float) -> float:
        pts = self.thresholds
        if ratio <= pts[0][0]:
            return pts[0][1]
        for (r0, f0), (r1, f1) in zip(pts, pts[1:]):
            if ratio <= r1:
                return f0 + (f1 - f0) * (ratio - r0) / (r1 - r0)
        return pts[-1][1]


def _limits(words: List[str], item: Item) -> List[str]:
    kept = []
    for word in words:
        m = re.fullmatch(r"@(time|mem)=(\d+(?:\.\d+)?)", word)
        if not m:
            kept.append(word)
        elif m.group(1) == "time":
            item.time_limit = float(m.group(2))
        else:
            item.mem_mib = int(float(m.group(2)))
    return kept


def _parse_check(item: Item, where: str) -> None:
    words = _limits(item.text.split(), item)
    if not words:
        raise RubricError(f"{where}: empty check")
    kind, rest = words[0], " ".join(words[1:])
    item.kind = kind
    if kind in ("test", "checks"):
        if " :: " not in rest:
            raise RubricError(f"{where}: expected '{kind} SUITE :: CASE'")
        item.suite, item.case = (s.strip() for s in rest.split(" :: ", 1))
    elif kind == "perf":
        m = re.fullmatch(r"(\S+) vs (\S+) n=(\d+)(?: threads=(\d+))? ratio((?: \d+(?:\.\d+)?:\d+(?:\.\d+)?)+)", rest)
        if not m:
            raise RubricError(f"{where}: expected 'perf KERNEL vs REF n=N [threads=T] ratio R:F R:F ...'")
        item.kernel, item.reference, item.n = m.group(1), m.group(2), int(m.group(3))
        item.threads = int(m.group(4) or 1)
        item.thresholds = [(float(a), float(b)) for a, b in (p.split(":") for p in m.group(5).split())]
        ratios = [r for r, _ in item.thresholds]
        if len(ratios) < 2 or ratios != sorted(ratios) or len(set(ratios)) != len(ratios):
            raise RubricError(f"{where}: perf thresholds need two or more increasing ratios")
        if not all(0.0 <= f <= 1.0 for _, f in item.thresholds):
            raise RubricError(f"{where}: perf fractions must lie in [0, 1]")
    elif kind == "run":
        if not words[1:]:
            raise RubricError(f"{where}: expected 'run PROGRAM [ARGS]'")
        item.argv = words[1:]
    else:
        raise RubricError(f"{where}: unknown check '{kind}' (test, checks, perf, run)")


def parse_rubric(text: str, source: str = "tests/rubric.txt") -> List[Item]:
    items: List[Item] = []
    per_chapter: Dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) != 5:
            raise RubricError(f"{where}: expected 5 fields 'chapter | points | visibility | check | hint', got {len(fields)}")
        chapter, points, visibility, check, hint = fields
        if not re.fullmatch(r"\d\d", chapter):
            raise RubricError(f"{where}: chapter '{chapter}' is not two digits")
        try:
            value = float(points)
        except ValueError:
            raise RubricError(f"{where}: points '{points}' is not a number") from None
        if value <= 0:
            raise RubricError(f"{where}: points must be positive")
        if visibility not in VISIBILITIES:
            raise RubricError(f"{where}: visibility '{visibility}' is not one of {', '.join(VISIBILITIES)}")
        item = Item(number, chapter, value, visibility, "", check, hint)
        _parse_check(item, where)
        per_chapter[chapter] = per_chapter.get(chapter, 0) + 1
        item.number = f"{chapter}.{per_chapter[chapter]}"
        items.append(item)
    seen = set()
    for item in items:
        key = (item.kind, item.text)
        if key in seen:
            raise RubricError(f"{source}:{item.line}: the same check twice")
        seen.add(key)
    return items


def load_rubric(path: str) -> List[Item]:
    with open(path, encoding="utf-8") as f:
        return parse_rubric(f.read(), path)


def student_rubric_text(text: str, chapters: Optional[List[str]]) -> str:
    """The rubric a student tree gets: the chapters' visible items only (withheld items are
    counted in ASSIGNMENT, never named)."""
    out = ["# The rubric of this assignment (visible items only; see ASSIGNMENT for the withheld ones).",
           "# chapter | points | visibility | check | hint"]
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [f.strip() for f in stripped.split(" | ")]
        if len(fields) == 5 and fields[2] == "visible" and (chapters is None or fields[0] in chapters):
            out.append(stripped)
    return "\n".join(out) + "\n"
