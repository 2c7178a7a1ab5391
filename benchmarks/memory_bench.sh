#!/usr/bin/env bash
# Peak memory of long runs: a C/2 Study A-type cycling protocol (the embedded default's
# chemistry, output.profile_interval default) for 1, 10, 100, 500 and 1500 cycles, each
# run under /usr/bin/time -f %M. Prints cycles asked for, the run's status and the cycles
# its file holds (a run stopped by an output.max_* bound or a solver failure would
# measure a shorter run: the row says so and the script exits 1), wall time, peak RSS
# and result-file size, then the spread of the peak RSS (largest / smallest).
# Usage: benchmarks/memory_bench.sh [build/ssbsim] [cycle counts...]
set -eu
bin=${1:-build/ssbsim}
shift || true
counts=${*:-1 10 100 500 1500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%8s %10s %8s %9s %15s %12s\n" cycles status "in file" "wall s" "peak RSS MiB" "file MiB"
incomplete=0
for n in $counts; do
  steps="[\"Charge at C/2 until 4.3 V\", {\"repeat\": $n, \"steps\": [\"Discharge at C/2 until 2.5 V\", \"Charge at C/2 until 4.3 V\"]}]"
  out="$work/mem_$n.h5"
  t0=$(date +%s.%N)
  rc=0
  /usr/bin/time -f "%M" -o "$work/rss_$n" "$bin" run -q -o "$out" --set "protocol.steps=$steps" >/dev/null || rc=$?
  t1=$(date +%s.%N)
  rss=$(tail -n 1 "$work/rss_$n")
  echo "$rss" >>"$work/rss_all"
  size=$(stat -c %s "$out")
  # The first charge opens cycle 1 and each repeat adds one: n + 1 cycles when complete.
  read -r status cycles < <("$bin" info "$out" --json | /usr/bin/python3 -c \
    'import json, sys; d = json.load(sys.stdin); print(d["status"], len(d["cycles"]))')
  if [ "$rc" -ne 0 ] || [ "$status" != complete ] || [ "$cycles" -ne $((n + 1)) ]; then incomplete=1; fi
  /usr/bin/python3 -c "print('%8d %10s %8d %9.2f %15.1f %12.2f' % ($n, '$status', $cycles, $t1 - $t0, $rss / 1024, $size / 1048576))"
done
sort -n "$work/rss_all" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "peak RSS spread: largest / smallest = %.3f\n", hi / lo}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$incomplete" -ne 0 ]; then
  echo "a run did not complete all its cycles: its row measures a shorter run" >&2
  exit 1
fi
