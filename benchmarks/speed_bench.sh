#!/usr/bin/env bash
# The per-solve figures of issue #12, before and after, in one run (so load hits both alike):
#   1. per solve, intercalation analogue (benchmarks/study_a_intercalation.yaml), and the
#      chemistry-on embedded default (20 x 20 mesh), in process: ssbsim_bench --no-studies;
#   2. 500 cycles of a C/2 Study A-type cycling protocol, chemistry on (the embedded
#      default's cell), no output: wall and CPU time, steps, Jacobians;
#   3. the same 500 cycles in process without an observer (issue #12's figure: `ssbsim_bench
#      --cycling-only --cycles 500`), wall and CPU time;
#   4. `ssbsim fit configs/data/study_a/fit_study_a.yaml` wall time (on a copy of configs/,
#      so the fitted config and report land in a temporary directory).
# OLD and NEW are build directories (or directories holding ssbsim, ssbsim-fit and
# ssbsim_bench); the two alternate run by run.
# Usage: benchmarks/speed_bench.sh OLD_DIR NEW_DIR [REPEATS] [--no-fit]
set -eu
old=$1
new=$2
reps=${3:-3}
fit=1
[ "${4:-}" = "--no-fit" ] && fit=0
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench() { if [ -x "$1/benchmarks/ssbsim_bench" ]; then echo "$1/benchmarks/ssbsim_bench"; else echo "$1/ssbsim_bench"; fi; }
cycles="[\"Charge at C/2 until 4.3 V\", {\"repeat\": 500, \"steps\": [\"Discharge at C/2 until 2.5 V\", \"Charge at C/2 until 4.3 V\"]}]"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)   $(date -u '+%Y-%m-%d %H:%M UTC')"
for r in $(seq "$reps"); do
  for which in old new; do
    dir=${!which}
    echo "== $which, repetition $r: per solve (ssbsim_bench --repeat 10 --processes 0 --no-studies)"
    "$(bench "$dir")" --repeat 10 --processes 0 --no-studies --cycles 0 | grep -E "solver steps|residual|Jacobian|per solve \(no|chemistry on / off|residuals"
  done
done
for r in $(seq "$reps"); do
  for which in old new; do
    dir=${!which}
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$dir/ssbsim" run --no-output --no-progress --summary none \
      --set "protocol.steps=$cycles" > "$work/out" 2>&1 || true
    read -r wall user sys < <(tail -n 1 "$work/time")
    echo "== $which, repetition $r: 500 C/2 cycles: wall $wall s, CPU $(echo "$user + $sys" | bc) s; $(grep -o '[0-9]* solver steps.*evaluations' "$work/out")"
  done
done
for r in $(seq "$reps"); do
  for which in old new; do
    dir=${!which}
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$(bench "$dir")" --cycling-only --cycles 500 > "$work/out" 2>&1 || true
    read -r wall user sys < <(tail -n 1 "$work/time")
    echo "== $which, repetition $r: 500 C/2 cycles in process (ssbsim_bench --cycling-only): wall $wall s, CPU $(echo "$user + $sys" | bc) s"
    grep -E "solver steps|residuals|wall time" "$work/out" | sed 's/^/   /'
  done
done
if [ "$fit" = 1 ]; then
  for which in old new; do
    dir=${!which}
    rm -rf "$work/configs" && cp -r "$src/configs" "$work/configs"
    t0=$(date +%s.%N)
    "$dir/ssbsim-fit" "$work/configs/data/study_a/fit_study_a.yaml" > "$work/fit_$which.txt" 2>&1 || echo "fit failed"
    t1=$(date +%s.%N)
    echo "== $which: fit wall $(echo "$t1 - $t0" | bc) s; $(grep -m1 'iterations' "$work/fit_$which.txt" || true)"
    cp "$work/configs/data/study_a/study_a_fit_report.json" "$work/report_$which.json" 2>/dev/null || true
  done
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
