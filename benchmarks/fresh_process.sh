#!/usr/bin/env bash
# Fresh-process cost of two ssbsim binaries, side by side: wall time of
# `ssbsim run -q CONFIG` (exec, dynamic loading, config, solve, HDF5 file, summary) and of
# `ssbsim --version` (exec and start-up only), the two binaries alternating run by run so
# that load on a shared machine hits both alike; then the load-independent figures:
# instructions (valgrind --tool=callgrind), page faults (perf stat), the dynamic loader's
# relocations (LD_DEBUG=statistics) and the shared libraries mapped (ldd | wc -l). With perf,
# also the CPU time (task-clock) of `run -q` and of `run -q --no-output`, alternated too.
# Under valgrind a run takes ~50x longer, so a writer that flushes by wall time (io/
# result_writer.hpp, kRecordFlushGap) flushes more often there than in a real run: the
# instruction count of `run -q` is then an upper bound for such a binary.
#
# Usage: benchmarks/fresh_process.sh OLD_BIN NEW_BIN [RUNS] [CONFIG]
#   RUNS    timed runs of each binary and command (default 30)
#   CONFIG  default benchmarks/study_a_intercalation.yaml
# valgrind and perf are optional: their rows are left out when they are missing.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_BIN NEW_BIN [RUNS] [CONFIG]" >&2
  exit 2
fi
old=$(readlink -f "$1")
new=$(readlink -f "$2")
runs=${3:-30}
config=$(readlink -f "${4:-$(dirname "$0")/study_a_intercalation.yaml}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # result files and callgrind output land here

# One timed run [ms] of "$@", from bash's microsecond clock (no extra fork).
time_ms() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  local t1=$EPOCHREALTIME
  echo "$(( (${t1/./} - ${t0/./}) ))" | awk '{printf "%.2f\n", $1 / 1000}'
}
median() { sort -g | awk '{a[NR] = $1} END {printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
minimum() { sort -g | awk 'NR == 1 {printf "%.1f\n", $1}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "config:  $config; $runs runs each, old and new alternating"
"$old" run -q -o w.h5 "$config" >/dev/null   # warm the page cache for both
"$new" run -q -o w.h5 "$config" >/dev/null
for _ in $(seq "$runs"); do
  time_ms "$old" run -q -o old.h5 "$config" >>old.run
  time_ms "$new" run -q -o new.h5 "$config" >>new.run
  time_ms "$old" --version >>old.ver
  time_ms "$new" --version >>new.ver
done
# CPU time [ms] of the same runs (perf's task-clock: less sensitive to the load than the
# wall time), and of the run without output (`--no-output`: what the writer costs).
cpu_ms() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {printf "%.2f\n", $1}'; }
have_perf=0
if command -v perf >/dev/null 2>&1 && perf stat -e task-clock true >/dev/null 2>&1; then
  have_perf=1
  for _ in $(seq "$runs"); do
    cpu_ms "$old" run -q -o old.h5 "$config" >>old.cpu
    cpu_ms "$new" run -q -o new.h5 "$config" >>new.cpu
    cpu_ms "$old" run -q --no-output "$config" >>old.cpu0
    cpu_ms "$new" run -q --no-output "$config" >>new.cpu0
  done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

row() { printf "| %s | %s | %s |\n" "$1" "$2" "$3"; }
echo
row "quantity" "old ($old)" "new ($new)"
row "---" "---" "---"
row "run -q: median / min [ms]" "$(median <old.run) / $(minimum <old.run)" "$(median <new.run) / $(minimum <new.run)"
row "--version: median / min [ms]" "$(median <old.ver) / $(minimum <old.ver)" "$(median <new.ver) / $(minimum <new.ver)"
if [ "$have_perf" = 1 ]; then
  row "run -q: CPU time (task-clock), median / min [ms]" "$(median <old.cpu) / $(minimum <old.cpu)" "$(median <new.cpu) / $(minimum <new.cpu)"
  row "run -q --no-output: CPU time, median / min [ms]" "$(median <old.cpu0) / $(minimum <old.cpu0)" "$(median <new.cpu0) / $(minimum <new.cpu0)"
fi

# Instructions of one run: load-independent.
if command -v valgrind >/dev/null 2>&1; then
  irefs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
  mega() { awk '{printf "%.1fM\n", $1 / 1e6}'; }
  row "run -q: instructions (callgrind)" "$(irefs "$old" run -q -o old.h5 "$config" | mega)" "$(irefs "$new" run -q -o new.h5 "$config" | mega)"
  row "run -q --no-output: instructions (callgrind)" "$(irefs "$old" run -q --no-output "$config" | mega)" "$(irefs "$new" run -q --no-output "$config" | mega)"
  row "--version: instructions (callgrind)" "$(irefs "$old" --version | mega)" "$(irefs "$new" --version | mega)"
fi
if command -v perf >/dev/null 2>&1 && perf stat -e page-faults true >/dev/null 2>&1; then
  faults() { perf stat -x, -e page-faults "$@" 2>&1 >/dev/null | awk -F, '/page-faults/ {print $1}'; }
  row "run -q: page faults (perf stat)" "$(faults "$old" run -q -o old.h5 "$config")" "$(faults "$new" run -q -o new.h5 "$config")"
  row "--version: page faults (perf stat)" "$(faults "$old" --version)" "$(faults "$new" --version)"
fi
relocs() { LD_DEBUG=statistics "$1" --version 2>&1 >/dev/null | sed -n 's/.*number of relocations: *//p' | head -n 1; }
row "relocations at start (LD_DEBUG=statistics)" "$(relocs "$old")" "$(relocs "$new")"
row "shared libraries (ldd \| wc -l)" "$(ldd "$old" | wc -l)" "$(ldd "$new" | wc -l)"
