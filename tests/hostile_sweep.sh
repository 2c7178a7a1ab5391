#!/usr/bin/env bash
# Hostile conditions for `ssbsim sweep` (issue 11): a parent killed by kill -9 or SIGTERM
# and restarted at once, two sweeps into one directory, pre-planted symbolic links in the
# output directory, a directory given as the sweep file or as its base config.
# Usage: hostile_sweep.sh PATH/TO/ssbsim SOURCE_DIR
set -u
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
work=$(mktemp -d)
cleanup() {
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
py=/usr/bin/python3

# Cases of a few seconds each (fine mesh), so a sweep can be hit while its workers run.
# Slow cases for the process-control checks (~1 s each): the intercalation-only analogue of
# Study A on a fine mesh. Not the chemistry-on Study A: these checks are about signals, locks
# and resumption, and must not hinge on whether a fine-mesh chemistry case converges (the
# SE physics of 2026-12-02 fails Study A at 40 degC on a 60 x 60 mesh in the first charge,
# IDA_CONV_FAIL at 4.9 h: an open robustness defect).
cat >slow.yaml <<EOF
name: "hostile sweep: slow cases"
base: $src/benchmarks/study_a_intercalation.yaml
set:
  - "output.profile_interval=0"
  - "mesh.cathode=120"
  - "mesh.particle=120"
parameters:
  - key: cell.temperature
    values: ["30 degC", "35 degC", "40 degC", "45 degC"]
EOF
sed "s|base: ../../configs|base: $src/configs|" "$src/tests/data/sweep_small.yaml" >small.yaml

# A process counts as alive until it is a zombie (the container's init may reap late).
alive() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1; [ "$s" != Z ] && [ "$s" != X ]; }
# Waits up to $2 tenths of a second for every pid in $1 to be gone.
all_gone() { local i p left; for i in $(seq "$2"); do left=0; for p in $1; do alive "$p" && left=1; done; [ $left -eq 0 ] && return 0; sleep 0.1; done; return 1; }
# Starts a slow sweep into $1 in the background; sets $pid and $workers once a case runs.
start_slow() {
  "$bin" sweep slow.yaml -o "$1" -j 2 >"$1.out" 2>"$1.err" &
  pid=$!
  local i
  for i in $(seq 150); do ls "$1"/cases/*.part >/dev/null 2>&1 && break; sleep 0.1; done
  workers=$(pgrep -P $pid | tr '\n' ' ')
}
complete_cases() { grep -c ',complete,' "$1/summary.csv" 2>/dev/null || echo 0; }

# 1. kill -9 of the parent: the workers die with it; a restart at once loses no case.
start_slow k9
check "kill -9: workers were running" "[ -n \"$workers\" ]"
kill -9 $pid
check "kill -9: the workers die with the parent (within 1 s)" "all_gone \"$workers\" 10"
wait $pid 2>/dev/null
"$bin" sweep slow.yaml -o k9 -j 2 >k9.resume.out 2>k9.resume.err; rc=$?
check "kill -9: the restart at once exits 0" "[ $rc -eq 0 ] || { cat k9.resume.err; false; }"
check "kill -9: the restart finishes all 4 cases" "[ \$(complete_cases k9) -eq 4 ]"
check "kill -9: no .part file is left" "! ls k9/cases/*.part* >/dev/null 2>&1"

# 2. SIGTERM: the parent stops its workers and exits promptly; a restart completes.
start_slow term
kill -TERM $pid
t0=$(date +%s%N)
wait $pid; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM: the parent exits with 143 within 2 s (took ${ms} ms)" "[ $rc -eq 143 ] && [ $ms -lt 2000 ]"
check "SIGTERM: the workers are gone when the parent has exited" "all_gone \"$workers\" 1"
check "SIGTERM: the parent says it stopped and how to resume" "grep -q 'stopped by signal 15.*run the same command again' term.err"
"$bin" sweep slow.yaml -o term -j 2 >term.resume.out 2>&1; rc=$?
check "SIGTERM: the restart finishes all 4 cases" "[ $rc -eq 0 ] && [ \$(complete_cases term) -eq 4 ]"

# 3. Two sweeps into one directory: the second refuses at once, the first completes.
start_slow shared
first=$pid
t0=$(date +%s%N)
"$bin" sweep slow.yaml -o shared -j 2 >second.out 2>second.err; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "second sweep refuses with exit 2 within 3 s (took ${ms} ms)" "[ $rc -eq 2 ] && [ $ms -lt 3000 ]"
check "the refusal names the directory and the pid holding it" "grep -q \"output directory 'shared' is in use by another sweep (pid $first)\" second.err"
wait $first; rc=$?
check "the first sweep completes all 4 cases" "[ $rc -eq 0 ] && [ \$(complete_cases shared) -eq 4 ] && [ \$(ls shared/cases/*.h5 | wc -l) -eq 4 ]"
check "no .part file is left in the shared directory" "! ls shared/cases/*.part* >/dev/null 2>&1"

# 4. Pre-planted symbolic links are never written through.
echo precious >outside.txt
echo precious-key >outside-key.txt
mkdir -p sym/cases
ln -s "$work/outside.txt" sym/cases/case_0001.h5.part
ln -s "$work/outside-key.txt" sym/cases/case_0002.h5.key
ln -s "$work/outside.txt" sym/summary.csv.part
"$bin" sweep small.yaml -o sym -j 2 >sym.out 2>sym.err; rc=$?
check "symlink .part: the target's content is unchanged" "[ \"\$(cat outside.txt)\" = precious ] && [ \"\$(cat outside-key.txt)\" = precious-key ]"
check "symlink .part: that case fails naming the link, exit 4" "[ $rc -eq 4 ] && grep -q 'case 1 failed: .*case_0001.h5.part.* is a symbolic link' sym.err"
check "symlink .part: the other cases complete (a planted .key link is replaced)" "[ \$(complete_cases sym) -eq 3 ] && [ ! -L sym/cases/case_0002.h5.key ]"
ln -s "$work/outside.txt" sym/summary.h5.part
"$bin" sweep small.yaml -o sym -j 2 >sym2.out 2>sym2.err; rc=$?
check "symlink summary.h5.part: refused with exit 2, target unchanged" "[ $rc -eq 2 ] && grep -q 'summary.h5.part.* is a symbolic link' sym2.err && [ \"\$(cat outside.txt)\" = precious ]"
mkdir -p lnk elsewhere
ln -s "$work/outside.txt" lnk/.ssbsim-sweep.lock
"$bin" sweep small.yaml -o lnk -j 2 >lnk.out 2>lnk.err; rc=$?
check "symlink lock file: refused with exit 2, target unchanged" "[ $rc -eq 2 ] && grep -q 'lock file .*symbolic link' lnk.err && [ \"\$(cat outside.txt)\" = precious ]"
mkdir -p lnkcases
ln -s "$work/elsewhere" lnkcases/cases
"$bin" sweep small.yaml -o lnkcases -j 2 >lnkc.out 2>lnkc.err; rc=$?
check "symlink cases/: refused with exit 2, nothing written where it points" "[ $rc -eq 2 ] && grep -q \"lnkcases/cases' is not a directory\" lnkc.err && [ -z \"\$(ls -A elsewhere)\" ]"

# 5. Directories where files belong.
mkdir -p adir
printf 'name: dir base\nbase: adir\nparameters:\n  - key: cell.temperature\n    values: ["30 degC"]\n' >dirbase.yaml
"$bin" sweep dirbase.yaml -o dirbase >dirbase.out 2>dirbase.err; rc=$?
check "directory as base: exit 2, file:line, key and the expected form" "[ $rc -eq 2 ] && grep -Eq \"dirbase.yaml:2: key 'base': .*adir.*is a directory; expected the path of a config file\" dirbase.err && ! grep -q _M_create dirbase.err"
check "directory as base: no output directory made" "[ ! -e dirbase ]"
"$bin" sweep adir -o x >adir.out 2>adir.err; rc=$?
check "directory as the sweep file: exit 2 naming it and the expected form" "[ $rc -eq 2 ] && grep -q 'adir: it is a directory; expected a sweep file' adir.err && ! grep -q _M_create adir.err"
echo "not a directory" >afile
"$bin" sweep small.yaml -o afile >afile.out 2>afile.err; rc=$?
check "-o naming a file: exit 2, file untouched" "[ $rc -eq 2 ] && grep -q \"output directory 'afile' exists and is not a directory\" afile.err && [ \"\$(cat afile)\" = 'not a directory' ]"
exit $fail
