#!/usr/bin/env bash
# check_layout.sh — the library's folder rule, checked by grepping includes (make check-layout).
#
# The folders of include/handwritten/ and src/ are ranked; a file may include headers of its own
# folder and of lower-ranked ones, never of a higher one. The README's Layout section states the
# same order; keep the two in step.
set -euo pipefail
cd "$(dirname "$0")/.."

order=(core gemm data nn train report app)
rank_of() {
    local i
    for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done
    echo -1
}

status=0
for stray in src/*.cpp src/*.hpp include/handwritten/*.hpp; do
    [ -e "$stray" ] || continue
    echo "layout: $stray lies outside every subsystem folder" >&2; status=1
done

while IFS= read -r file; do
    folder=$(echo "$file" | sed -E 's#^(src|include/handwritten)/([^/]+)/.*#\2#')
    own=$(rank_of "$folder")
    if [ "$own" -lt 0 ]; then echo "layout: $file is in an unknown folder '$folder'" >&2; status=1; continue; fi
    while IFS= read -r included; do
        other=$(rank_of "$included")
        if [ "$other" -lt 0 ]; then
            echo "layout: $file includes handwritten/$included/, which is not a library folder" >&2; status=1
        elif [ "$other" -gt "$own" ]; then
            echo "layout: $file ($folder) includes handwritten/$included/, a higher folder" >&2; status=1
        fi
    done < <(grep -hoE '^#include "handwritten/[^/"]+/' "$file" | sed -E 's#.*handwritten/([^/]+)/#\1#' | sort -u)
done < <(find src include/handwritten -mindepth 2 -name '*.[ch]pp' | sort)

[ "$status" = 0 ] && echo "layout: every include points to its own folder or a lower one (${order[*]})"
exit "$status"
