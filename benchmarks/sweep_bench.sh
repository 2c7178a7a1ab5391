#!/usr/bin/env bash
# Parallel efficiency of `ssbsim sweep` on this machine: a 100-case hold sweep of Study A
# run with 1 and with 2 workers (and the peak memory of a worker).
# Usage: benchmarks/sweep_bench.sh [build/ssbsim]
set -eu
bin=${1:-build/ssbsim}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
values=$(/usr/bin/python3 -c "print(', '.join(str(round(0.5 + 131.5 * k / 99, 3)) for k in range(100)))")
cat >"$work/sweep.yaml" <<YAML
name: "benchmark: 100-case 2.0 V hold sweep"
base: $src/configs/studies/study_a.yaml
set: ["protocol.steps.2=Discharge at C/50 until 2.0 V", "output.profile_interval=0"]
parameters:
  - key: protocol.steps.3
    template: "Hold at 2.0 V for {} hours"
    values: [$values]
YAML
run() {
  local jobs=$1
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss_$jobs" "$bin" sweep "$work/sweep.yaml" -o "$work/out_$jobs" -j "$jobs" -q
  t1=$(date +%s.%N)
  /usr/bin/python3 -c "print($t1 - $t0)"
}
t1=$(run 1)
t2=$(run 2)
/usr/bin/python3 -c "print('100 cases: 1 worker %.2f s, 2 workers %.2f s, speed-up %.2f, parallel efficiency %.0f %%' % ($t1, $t2, $t1 / $t2, 50 * $t1 / $t2))"
printf "peak RSS of a worker: %s kB (1 worker), %s kB (2 workers)\n" "$(cat "$work/rss_1")" "$(cat "$work/rss_2")"
