#!/usr/bin/env bash
# make_student.sh [OUT] — write the student version of the tree into OUT (default build/student).
# CHAPTERS=03,04,05 strips only those chapters' solution regions. The work is done by
# tests/grader/grade.py (README, "For instructors"); this wrapper keeps the old entry point.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/grader/grade.py student --out "${1:-build/student}" --chapters "${CHAPTERS:-}"
