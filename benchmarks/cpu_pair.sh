#!/bin/bash
# CPU time (perf stat task-clock) of `ssbsim run -q --no-output ARGS...` from two binaries,
# alternated run by run, so a loaded machine hits both alike; prints min and median [ms].
#   bash benchmarks/cpu_pair.sh OLD_BIN NEW_BIN RUNS [ARGS...]
# e.g. bash benchmarks/cpu_pair.sh /tmp/old/ssbsim build/ssbsim 40 benchmarks/study_a_intercalation.yaml
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 OLD_BIN NEW_BIN RUNS [ARGS...]" >&2
    exit 2
fi
old=$1 new=$2 runs=$3
shift 3
for _ in $(seq "$runs"); do
    for b in "$old" "$new"; do
        t=$(perf stat -x, -e task-clock "$b" run -q --no-output "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1)
        echo "$b $t"
    done
done | /usr/bin/python3 -c '
import sys, statistics
d = {}
for line in sys.stdin:
    b, t = line.split()
    d.setdefault(b, []).append(float(t))
for b, v in d.items():
    print(f"{b}: CPU min {min(v):.2f} ms, median {statistics.median(v):.2f} ms ({len(v)} runs)")'
echo "load: $(cut -d" " -f1-3 /proc/loadavg)"
