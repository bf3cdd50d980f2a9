#!/usr/bin/env bash
# make_student.sh OUT — write the student version of the tree into OUT.
#
# Instructors mark solution code in any source file with a pair of comment lines:
#     // BEGIN SOLUTION
#     ... the code students should write ...
#     // END SOLUTION
# The student version replaces each region with a TODO comment; the code around it still
# compiles, and the chapter's tests (make test) fail until the student fills the gap in.
# Withhold tests by listing them in tests/hidden_tests.txt (one path per line).
set -euo pipefail
OUT="${1:-build/student}"
cd "$(git rev-parse --show-toplevel)"
rm -rf "$OUT"
mkdir -p "$OUT"
git ls-files -z | while IFS= read -r -d '' f; do
    mkdir -p "$OUT/$(dirname "$f")"
    # binary files (the fuzzers' seeds) are copied as they are: awk would append a newline
    if ! grep -qI . "$f"; then cp "$f" "$OUT/$f"; continue; fi
    awk '
        /^[ \t]*\/\/ BEGIN SOLUTION/ { indent = $0; sub(/\/\/.*/, "", indent)
                                       print indent "// TODO(student): write this part. The chapter text explains it;"
                                       print indent "// `make test` checks it."
                                       inside = 1; regions++; next }
        /^[ \t]*\/\/ END SOLUTION/   { inside = 0; next }
        !inside { print }
        END { if (inside) { print "unterminated BEGIN SOLUTION in " FILENAME > "/dev/stderr"; exit 1 } }
    ' "$f" > "$OUT/$f"
    if [ -x "$f" ]; then chmod +x "$OUT/$f"; fi
done
if [ -f tests/hidden_tests.txt ]; then
    grep -v '^#' tests/hidden_tests.txt | while read -r t; do [ -n "$t" ] && rm -f "$OUT/$t"; done
fi
count=$(grep -rl --include="*.cpp" --include="*.hpp" "TODO(student)" "$OUT" | wc -l)
echo "student version written to $OUT/ ($count files with exercises). Build it with: make -C $OUT test"
