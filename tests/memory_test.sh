#!/usr/bin/env bash
# Flat memory (issue 12): the peak RSS of a 200-cycle run is within 15 % of a 20-cycle run's.
# A very short protocol (chemistry off, a coarse mesh) keeps both runs to a few seconds.
# Usage: tests/memory_test.sh build/ssbsim
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() {
  local n=$1
  local steps="[\"Charge at 2C until 4.3 V\", {\"repeat\": $n, \"steps\": [\"Discharge at 2C until 3.0 V\", \"Charge at 2C until 4.3 V\"]}]"
  /usr/bin/time -f "%M" -o "$work/rss_$n" "$bin" run -q -o "$work/out_$n.h5" --set "protocol.steps=$steps" \
    --set chemistry.enabled=false --set mesh.cathode=5 --set mesh.particle=5 --set mesh.separator=3 \
    --set output.profile_interval=600 >/dev/null
  tail -n 1 "$work/rss_$n"
}
short=$(peak 20)
long=$(peak 200)
echo "peak RSS: 20 cycles $short kB, 200 cycles $long kB"
if [ $((long * 100)) -gt $((short * 115)) ]; then
  echo "FAIL: peak RSS grows with run length ($long kB > 1.15 x $short kB)" >&2
  exit 1
fi
