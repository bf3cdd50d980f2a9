"""engine.py — build a tree, run every rubric item in its own process, score it.

Each item runs as a separate process with a wall-time limit (the whole process group is
killed when it passes), an address-space limit, no core files and a cap on the output it may
write. What the process prints is only shown to the student; the score comes from the file
the test runner writes after the run has ended (tests/grade_listener.cpp) or from the timing
program's JSON (tests/grader/perf.cpp). A crash, a hang, an early exit() or junk output all
leave no result file, and the item scores 0 with the reason.
"""
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from rubric import Item

OUTPUT_CAP = 64 * 1024          # bytes of an item's output kept for its message
FILE_SIZE_LIMIT = 64 << 20      # bytes a graded process may write to any file
MESSAGE_LINES = 30
# Environment variables that could change how the tree is built or run: the grader's build
# uses only the tree's own Makefile flags.
SCRUBBED_ENV = ("CXXFLAGS", "CPPFLAGS", "LDFLAGS", "OPT", "EXTRA_FLAGS", "MAKEFLAGS", "MFLAGS",
                "CXX", "BUILD", "LD_PRELOAD", "LD_LIBRARY_PATH", "HW_SGEMM_KERNEL", "GCC_EXEC_PREFIX")


@dataclass
class Outcome:
    item: Item
    score: float = 0.0
    status: str = "failed"      # passed | failed
    message: str = ""           # what went wrong (or right), for the student
    seconds: float = 0.0
    perf: Optional[dict] = None  # the timing program's JSON for perf items
    rubric_error: bool = False  # the item names no test case (or several): the rubric is wrong


@dataclass
class Build:
    ok: bool
    seconds: float
    errors: str = ""            # the compiler's first errors when not ok
    log: str = ""


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["HW_PROGRESS"] = "0"
    env.update(extra or {})
    return env


def first_errors(log: str, limit: int = 20) -> str:
    """The compiler's first errors: each 'error:' line with the two lines after it."""
    lines = log.splitlines()
    picked: List[str] = []
    for i, line in enumerate(lines):
        if " error: " in line or line.startswith("error:") or ": fatal error:" in line or "undefined reference" in line:
            for extra in lines[i:i + 3]:
                if extra not in picked:
                    picked.append(extra)
        if len(picked) >= limit:
            break
    if not picked:
        picked = [l for l in lines if l.startswith("make") or "Error" in l][:limit] or lines[-limit:]
    return "\n".join(picked[:limit])


def build(tree: str, targets: List[str], jobs: int, quiet: bool = True) -> Build:
    start = time.time()
    cmd = ["make", "-C", tree, f"-j{jobs}", "--no-print-directory"] + targets
    proc = subprocess.run(cmd, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = proc.stdout.decode(errors="replace")
    if not quiet:
        print(log, end="")
    ok = proc.returncode == 0
    return Build(ok, time.time() - start, "" if ok else first_errors(log), log)


def _limits(item: Item):
    def apply():
        mem = item.mem_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        cpu = int(item.time_limit * (os.cpu_count() or 2)) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    return apply


def run_limited(argv: List[str], cwd: str, item: Item, result_path: str):
    """(returncode or None on timeout, output text, seconds). Output goes to a file, never a
    pipe, so a process that prints without end cannot block the grader."""
    with tempfile.TemporaryFile() as out:
        start = time.time()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=clean_env({"HW_GRADE_RESULT": result_path}),
                                preexec_fn=_limits(item), start_new_session=True)
        try:
            code = proc.wait(timeout=item.time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers a test may have forked
        except ProcessLookupError:
            pass
        seconds = time.time() - start
        out.seek(0)
        text = out.read(OUTPUT_CAP).decode(errors="replace")
    return code, text, seconds


def doctest_filter(text: str) -> str:
    """doctest splits filters at commas unless escaped."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def _failure_reason(code: Optional[int], item: Item, output: str) -> str:
    if code is None:
        return f"timed out: still running after {item.time_limit:g} s (the wall-time limit); an endless loop?"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (the output limit)" if -code == signal.SIGXFSZ else (" (the CPU-time limit)" if -code == signal.SIGXCPU else "")
        return f"crashed: killed by {name}{hint}"
    if "bad_alloc" in output:
        return f"ran out of memory (limit {item.mem_mib} MiB)"
    return f"exited with status {code} before the test finished (exit() or abort() in the code under test?)"


def _trim(output: str) -> str:
    lines = [l for l in output.splitlines() if l.strip() and not l.startswith("[doctest] doctest version")]
    if len(lines) > MESSAGE_LINES:
        lines = lines[:MESSAGE_LINES] + [f"... ({len(lines) - MESSAGE_LINES} more lines)"]
    return "\n".join(lines)


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def run_test_item(tree: str, item: Item) -> Outcome:
    runner = os.path.join(tree, "build", "bin", "tests")
    argv = [runner, f"--test-suite={doctest_filter(item.suite)}", f"--test-case={doctest_filter(item.case)}",
            "--no-colors=true", "--no-version=true", "--no-intro=true"]
    with tempfile.TemporaryDirectory(prefix="hw-grade-") as scratch:
        result_path = os.path.join(scratch, "result")
        code, output, seconds = run_limited(argv, tree, item, result_path)
        result = _read(result_path)
    outcome = Outcome(item, seconds=seconds)
    if result is None:
        outcome.message = _failure_reason(code, item, output) + "\n" + _trim(output)
        return outcome
    counts = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", result)}
    if counts.get("cases", 0) != 1:
        outcome.rubric_error = True
        outcome.message = (f"rubric error: '{item.suite} :: {item.case}' matched {counts.get('cases', 0)} test cases, "
                           "not exactly one")
        return outcome
    passed = counts["cases_failed"] == 0 and code == 0
    if item.kind == "checks" and counts["asserts"] > 0:
        fraction = (counts["asserts"] - counts["asserts_failed"]) / counts["asserts"]
    else:
        fraction = 1.0 if passed else 0.0
    if code != 0 and counts["cases_failed"] == 0:
        fraction = 0.0  # a test that passed but whose process then failed is not trusted
    outcome.score = round(item.points * fraction, 3)
    outcome.status = "passed" if passed else "failed"
    if not passed:
        checks = f"{counts['asserts'] - counts['asserts_failed']} of {counts['asserts']} checks passed"
        outcome.message = checks + "\n" + _trim(output)
    return outcome


def run_program_item(tree: str, item: Item) -> Outcome:
    argv = [os.path.join(tree, item.argv[0])] + item.argv[1:]
    outcome = Outcome(item)
    if not os.path.isfile(argv[0]):
        outcome.rubric_error = True
        outcome.message = f"rubric error: {item.argv[0]} was not built"
        return outcome
    with tempfile.TemporaryDirectory(prefix="hw-grade-") as scratch:
        code, output, outcome.seconds = run_limited(argv, tree, item, os.path.join(scratch, "result"))
    if code == 0:
        outcome.score, outcome.status = item.points, "passed"
        outcome.message = _trim(output)
    else:
        outcome.message = (_failure_reason(code, item, output) if code is None or code < 0 else
                           f"the check says: not yet (exit status {code})") + "\n" + _trim(output)
    return outcome


def _time_once(tree: str, item: Item, reps: int) -> Optional[dict]:
    argv = [os.path.join(tree, "build", "bin", "grade-perf"), "--kernel", item.kernel, "--vs", item.reference,
            "--n", str(item.n), "--threads", str(item.threads), "--reps", str(reps)]
    with tempfile.TemporaryDirectory(prefix="hw-grade-") as scratch:
        path = os.path.join(scratch, "result")
        code, output, _ = run_limited(argv, tree, item, path)
        text = _read(path)
    if text is None:
        return {"error": _failure_reason(code, item, output) + "\n" + _trim(output)}
    try:
        return json.loads(text)
    except ValueError:
        return {"error": "the timing program wrote no valid result"}


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup v2 CPU quota
    (a container given "1.5 CPUs" counts as 1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def run_perf_item(tree: str, item: Item, reps: int, retime: int, untimed_credit: str = "full") -> Outcome:
    outcome = Outcome(item)
    start = time.time()
    data = _time_once(tree, item, reps)
    cpus = usable_cpus()
    if "error" in data:
        outcome.message = data["error"]
    elif data.get("correct") and item.threads > cpus:
        # A two-thread speed-up cannot be measured on one CPU: the student's kernel is not to
        # blame. Correctness still counts; the instructor decides what the speed part earns.
        outcome.perf = dict(data, untimed=True, cpus=cpus)
        outcome.score = item.points if untimed_credit == "full" else 0.0
        outcome.status = "passed" if untimed_credit == "full" else "failed"
        outcome.message = (f"correct (worst error / bound {data['worst_err_over_tol']:.2g}); speed NOT graded: the "
                           f"grader has {cpus} CPU(s) and this item times {item.threads} threads "
                           f"(credit for the speed part: {untimed_credit}; staff: give the grader "
                           f"{item.threads} CPUs, or set --untimed-credit)")
    elif not data.get("correct"):
        outcome.perf = data
        outcome.message = ("not timed: the kernel's results are wrong "
                           f"(worst error / bound = {data.get('worst_err_over_tol', 'n/a')}, must be <= 1)"
                           if not data.get("unsupported") else "this CPU cannot run the kernel")
    else:
        ratios = list(data["ratios"])
        rounds = 1
        # Borderline: the lowest and highest pair of samples would give grades more than a
        # tenth of the item apart. Time again and pool the samples (the knob: --retime).
        while (rounds <= retime and
               item.points * abs(item.fraction_for_ratio(max(ratios)) - item.fraction_for_ratio(min(ratios)))
               > 0.1 * item.points):
            again = _time_once(tree, item, reps)
            if "error" in again or not again.get("correct"):
                break
            ratios += again["ratios"]
            data["gflops"] = max(data["gflops"], again["gflops"])
            rounds += 1
        ratio = statistics.median(ratios)
        fraction = item.fraction_for_ratio(ratio)
        outcome.score = round(item.points * fraction, 3)
        outcome.status = "passed" if fraction >= 1.0 else "failed"
        data.update(ratio=ratio, ratio_low=min(ratios), ratio_high=max(ratios), rounds=rounds)
        outcome.perf = data
        steps = ", ".join(f"{r:g}x -> {f:.0%}" for r, f in item.thresholds)
        outcome.message = (f"correct (worst error / bound {data['worst_err_over_tol']:.2g}); "
                           f"{item.kernel} {data['gflops']:.1f} GFLOP/s, {item.reference} {data['reference_gflops']:.2f} GFLOP/s; "
                           f"speed-up {ratio:.2f}x (spread {min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} pairs"
                           f"{', re-timed' if rounds > 1 else ''}); scale: {steps}")
    outcome.seconds = time.time() - start
    return outcome


def run_items(tree: str, items: List[Item], jobs: int, reps: int, retime: int,
              untimed_credit: str = "full") -> List[Outcome]:
    """Correctness items in parallel, then the timed items one at a time, alone."""
    tree = os.path.abspath(tree)
    plain = [i for i in items if i.kind != "perf"]
    timed = [i for i in items if i.kind == "perf"]

    def run(item: Item) -> Outcome:
        return run_program_item(tree, item) if item.kind == "run" else run_test_item(tree, item)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(zip((id(i) for i in plain), pool.map(run, plain)))
    for item in timed:
        results[id(item)] = run_perf_item(tree, item, reps, retime, untimed_credit)
    return [results[id(i)] for i in items]


def build_failed_outcomes(items: List[Item], errors: str) -> List[Outcome]:
    return [Outcome(i, message="not run: the build failed") for i in items]


def copy_built_tree(src: str, dst: str) -> None:
    """A copy of a tree with its build directory, times preserved, so make in the copy
    rebuilds only what changes afterwards."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
