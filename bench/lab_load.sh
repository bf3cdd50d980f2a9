#!/usr/bin/env bash
# lab_load.sh — chapter 13's load bench (make bench-load): wrk drives POST /api/predict of the
# lab server from a second process on loopback, at 1 and 16 connections, first with the server
# idle, then while a training job runs. It fails unless every run ends with zero errors and the
# server still answers afterwards.
#
#   bash bench/lab_load.sh build/bin/13-lab [model.hwm]     (LOAD_SECONDS=5 per run)
set -euo pipefail
lab=${1:?usage: lab_load.sh LAB_BINARY [MODEL]}
model=${2:-$(find runs -name '*.hwm' 2>/dev/null | sort | head -n 1)}
seconds=${LOAD_SECONDS:-5}
data=${HW_DATA_DIR:-data/mnist}
[ -n "$model" ] || { echo "lab_load.sh: no model (run make lab-model)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "lab_load.sh: wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The body: the first MNIST test digit as 784 values in [0, 1].
python3 - "$data/t10k-images-idx3-ubyte" > "$work/body.json" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
print(json.dumps({"pixels": [round(b / 255, 4) for b in raw[16:16 + 784]]}))
PY

"$lab" --port 0 --model "$model" --runs "$work/runs" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/server.log" || true)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log"; echo "lab_load.sh: the server did not start" >&2; exit 1; }
echo "== load on ${url}api/predict, model $model, ${seconds} s per run ($(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"

failed=0
run() {  # run LABEL CONNECTIONS
    local threads=$(( $2 < 2 ? 1 : 2 ))
    local line
    line=$(LAB_BODY="$work/body.json" wrk -t"$threads" -c"$2" -d"${seconds}s" --timeout 5s \
           -s bench/lab_predict.lua "${url}api/predict" | grep '^RESULT')
    local training
    training=$(curl -s "${url}api/models" | grep -o '"training": [a-z]*' | cut -d' ' -f2)
    printf '%-16s %2d conn  %s  training at the end: %s\n' "$1" "$2" "${line#RESULT }" "$training"
    echo "$line" | grep -q 'errors=0 non2xx=0' || failed=1
}

run "idle" 1
run "idle" 16
curl -s -X POST -d '{"hidden":[512,512],"epochs":5,"batch":64,"limit":60000}' "${url}api/train" > /dev/null
sleep 1
run "while training" 1
run "while training" 16

if curl -sf "${url}api/models" > /dev/null; then echo "server still up: yes"; else echo "server still up: NO"; failed=1; fi
[ "$failed" = 0 ] || { echo "lab_load.sh: errors during the load runs" >&2; exit 1; }
