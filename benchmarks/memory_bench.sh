#!/usr/bin/env bash
# Peak memory of long runs: a C/2 Study A-type cycling protocol (the embedded default's
# chemistry, output.profile_interval default) for 1, 10, 100, 500 and 1500 cycles, each
# run under /usr/bin/time -f %M. Prints cycles, wall time, peak RSS and result-file size.
# Usage: benchmarks/memory_bench.sh [build/ssbsim] [cycle counts...]
set -eu
bin=${1:-build/ssbsim}
shift || true
counts=${*:-1 10 100 500 1500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "%8s %9s %15s %12s\n" cycles "wall s" "peak RSS MiB" "file MiB"
for n in $counts; do
  steps="[\"Charge at C/2 until 4.3 V\", {\"repeat\": $n, \"steps\": [\"Discharge at C/2 until 2.5 V\", \"Charge at C/2 until 4.3 V\"]}]"
  out="$work/mem_$n.h5"
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss_$n" "$bin" run -q -o "$out" --set "protocol.steps=$steps" >/dev/null
  t1=$(date +%s.%N)
  rss=$(tail -n 1 "$work/rss_$n")
  size=$(stat -c %s "$out")
  /usr/bin/python3 -c "print('%8d %9.2f %15.1f %12.2f' % ($n, $t1 - $t0, $rss / 1024, $size / 1048576))"
done
