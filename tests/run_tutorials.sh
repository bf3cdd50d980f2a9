#!/usr/bin/env bash
# run_tutorials.sh BIN_DIR — `make tutorials`: the five tutorials this project grew from, each
# run by its preset (`--tutorial T1..T5`, src/app/tutorials.cpp) and then done properly, with
# the table of README's "The five tutorials, reproduced" printed from today's logs at the end.
#
# Logs and plots go to runs/tutorials/ (T1.log, T3/predictions.svg, T4/loss.svg, ...).
# Each run is `nice`d: the machine is usually shared.
set -euo pipefail
BIN="${1:-build/bin}"
OUT=runs/tutorials
mkdir -p "$OUT"
export HW_PROGRESS=0
CH09="$BIN/09-sigmoid-network"
CH11="$BIN/11-better-training"
START=$(date +%s)

declare -A SECONDS_OF
# run NAME CMD...: runs CMD into $OUT/NAME.log, prints the command, remembers its wall time.
run() {
    local name=$1
    shift
    echo "== $name: $*"
    local t0 t1
    t0=$(date +%s.%N)
    if ! nice "$@" >"$OUT/$name.log" 2>&1; then
        echo "error: $name failed; the end of $OUT/$name.log:" >&2
        tail -n 5 "$OUT/$name.log" >&2
        exit 1
    fi
    t1=$(date +%s.%N)
    SECONDS_OF[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}
# The last "PATTERN 12.34%" figure in a log.
figure() { grep -oE "$2 [0-9.]+%" "$OUT/$1.log" | tail -n 1 | grep -oE '[0-9.]+%' || echo "?"; }
test_acc() { figure "$1" "test accuracy:"; }

# ---------------------------------------------------------------- T1: Keras 784-256-10
run T1 "$CH11" --tutorial T1 --out "$OUT/T1" --quiet
run T1-lr "$CH11" --tutorial T1 --sweep "lr=0.001,0.01,0.1" --out "$OUT/T1-lr"
run T1-batch "$CH11" --tutorial T1 --sweep "batch=32,64,128,256" --out "$OUT/T1-batch"
run T1-proper "$CH11" --tutorial T1 --val 0 --dropout 0.2 --schedule cosine --out "$OUT/T1-proper" --quiet
# ---------------------------------------------------------------- T2: NumPy per-sample sigmoid
for lr in 0.02 0.1 0.3; do
    run "T2-lr$lr" "$CH09" --tutorial T2 --lr "$lr" --show 0 --out "$OUT/T2"
    run "T2-fixed-lr$lr" "$CH09" --tutorial T2 --train-scale 255 --lr "$lr" --show 0 --out "$OUT/T2-fixed"
done
# ---------------------------------------------------------------- T3: TensorFlow 400-25-15-10 on 5000 20x20 digits
run T3 "$CH11" --tutorial T3 --out "$OUT/T3" --quiet
run T3-proper "$CH11" --tutorial T3 --layers 400,256,10 --init he --dropout 0.5 --augment --epochs 60 \
    --out "$OUT/T3-proper" --quiet
# ---------------------------------------------------------------- T4: NumPy 64-32-10 on the 8x8 digits
run T4 "$CH11" --tutorial T4 --out "$OUT/T4" --quiet
run T4-proper "$CH11" --tutorial T4 --layers 64,512,10 --activation relu --loss cross-entropy --init he \
    --bias-sigma 0 --optimizer adam --lr 0.001 --batch 32 --epochs 200 --dropout 0.5 --print-every 50 \
    --out "$OUT/T4-proper" --quiet
# ---------------------------------------------------------------- T5: NumPy layered 784-32-16-10
run T5 "$CH11" --tutorial T5 --save "$OUT/T5/model.hwm" --out "$OUT/T5" --quiet
run T5-lr "$CH11" --tutorial T5 --lr 0.1 --batch 100 --out "$OUT/T5-lr" --quiet
run T5-proper "$CH11" --tutorial T5 --init he --lr 0.1 --batch 100 --out "$OUT/T5-proper" --quiet

# ---------------------------------------------------------------- the displays
echo
echo "T1, learning rate (20 epochs each; Keras reports 98.2/97.8, 98.5/97.5, 96.1/95.3 train/val):"
grep -E '^(lr |[0-9.e-]+ )' "$OUT/T1-lr.log" || true
echo
echo "T1, batch size (20 epochs each):"
grep -E '^(batch |[0-9]+ )' "$OUT/T1-batch.log" || true
echo
echo "T3: $(grep -E '^training set:' "$OUT/T3.log" | head -n 1 | cut -c1-200)"
echo "T3: the 8x8 grid of random training images, actual | predicted: $OUT/T3/predictions.svg"
echo "T4: loss curve $OUT/T4/loss.svg; every 100 epochs:"
grep -E '^epoch +(1|[0-9]*00)/' "$OUT/T4.log" | sed 's/^/    /' || true
echo "T5: $(grep -E '^round trip' "$OUT/T5.log" || echo 'round trip: ?')"
echo "T5: $(grep -E '^training wall time' "$OUT/T5.log" || true); $(grep -E '^test time' "$OUT/T5.log" || true)"

# ---------------------------------------------------------------- the table
T2_ROW=""
for lr in 0.02 0.1 0.3; do T2_ROW+="${T2_ROW:+; }lr $lr: $(figure "T2-lr$lr" "test accuracy") / $(figure "T2-fixed-lr$lr" "test accuracy")"; done
echo
echo "| # | run | tutorial's claim / peer figure | ours (test) | wall s |"
echo "|---|---|---|---|---|"
echo "| T1 | as given | above 98% test | $(test_acc T1) | ${SECONDS_OF[T1]} |"
echo "| T1 | properly: all 60k, dropout 0.2, cosine | | $(test_acc T1-proper) | ${SECONDS_OF[T1-proper]} |"
echo "| T2 | as given (lr 0.02, train x/25) | lr 0.02 better than 0.3 | $(figure T2-lr0.02 "test accuracy") | ${SECONDS_OF[T2-lr0.02]} |"
echo "| T2 | after 1 epoch, train x/25 / fixed x/255 | | $T2_ROW | |"
echo "| T3 | as given: train / held-out 55k | training accuracy only | $(figure T3 "training-set accuracy:") / $(test_acc T3) | ${SECONDS_OF[T3]} |"
echo "| T3 | properly: 400-256-10, He, dropout 0.5, augmentation, 60 epochs | | $(figure T3-proper "training-set accuracy:") / $(test_acc T3-proper) | ${SECONDS_OF[T3-proper]} |"
echo "| T4 | as given (sigmoid, MSE, full batch) | no figure given | $(test_acc T4) | ${SECONDS_OF[T4]} |"
echo "| T4 | properly: 64-512-10 ReLU, cross-entropy, Adam, dropout | | $(test_acc T4-proper) | ${SECONDS_OF[T4-proper]} |"
echo "| T5 | as given (N(0, 0.01), lr 0.01, batch 90) | peer: stuck at 11.35% | $(test_acc T5) | ${SECONDS_OF[T5]} |"
echo "| T5 | lr 0.1, batch 100 | peer: 89.6% | $(test_acc T5-lr) | ${SECONDS_OF[T5-lr]} |"
echo "| T5 | properly: He init, lr 0.1, batch 100 | | $(test_acc T5-proper) | ${SECONDS_OF[T5-proper]} |"
echo
echo "make tutorials: $(( $(date +%s) - START )) s of wall time; logs in $OUT/"
