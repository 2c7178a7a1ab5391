#!/usr/bin/env bash
# Issue 11, output side, end to end: `ssbsim info` on tampered, foreign and locked files;
# runs that would write without bound; large control changes at the first step; titles
# from the resolved values.
# Usage: hostile_output.sh PATH/TO/ssbsim SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
# A clean error: exit 2, "ssbsim: error:" naming the file, no crash, no HDF5 error stack.
clean_error() {  # FILE ERRFILE RC
    [ "$3" -eq 2 ] && grep -q "^ssbsim: error:.*$1" "$2" && ! grep -q "HDF5-DIAG" "$2"
}

# A real two-cycle run with the ledger.
"$bin" run --no-progress -q -o base.h5 \
    --set 'protocol.steps=["Charge at C/5 until 4.3 V", "Discharge at C/5 until 3.0 V", "Charge at C/5 until 4.3 V"]'
check "base run written" "[ -s base.h5 ] && '$bin' info base.h5 >/dev/null"

# 1. Tampered copies (h5py), each read by info.
tamper() {  # NAME PYTHON-BODY (f is the open file)
    cp base.h5 "$1.h5"
    $py - "$1.h5" <<PY
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
$2
f.close()
PY
}
tamper empty_kinetic 'f["cycles/ledger_cam_kinetic"].resize((0,))'
"$bin" info empty_kinetic.h5 >out 2>err; rc=$?
check "empty ledger_cam_kinetic: clean error naming the dataset" \
    "clean_error empty_kinetic.h5 err $rc && grep -q '/cycles/ledger_cam_kinetic has 0 rows, but /cycles/cycle has 2' err"

tamper long_cycle 'f["cycles/cycle"].resize((6,))'
"$bin" info long_cycle.h5 --json >out 2>err; rc=$?
check "longer cycles/cycle: clean error, no garbage on stdout" \
    "clean_error long_cycle.h5 err $rc && grep -q 'but /cycles/cycle has 6' err && [ ! -s out ]"

tamper short_site 'f["cycles/ledger_by_site_reversible"].resize((1, 3))'
"$bin" info short_site.h5 >out 2>err; rc=$?
check "short ledger_by_site: clean error" \
    "clean_error short_site.h5 err $rc && grep -q '/cycles/ledger_by_site_reversible has 1 rows' err"

tamper flat_site 'del f["cycles/ledger_by_site_irreversible"]; f["cycles/ledger_by_site_irreversible"] = np.zeros(6)'
"$bin" info flat_site.h5 >out 2>err; rc=$?
check "1-D ledger_by_site: clean error naming the expected rows" \
    "clean_error flat_site.h5 err $rc && grep -q 'should have rows of 3 values' err"

tamper int_labels 'del f["steps/label"]; f["steps/label"] = np.arange(3)'
"$bin" info int_labels.h5 >out 2>err; rc=$?
check "numeric step labels: clean error" "clean_error int_labels.h5 err $rc && grep -q '/steps/label should hold strings' err"

tamper fixed_labels 'lab = [s for s in f["steps/label"].asstr()[:]]; del f["steps/label"]; f["steps/label"] = np.array(lab, dtype="S40")'
"$bin" info fixed_labels.h5 >out 2>err; rc=$?
check "fixed-length string labels are read" "[ $rc -eq 0 ] && grep -q 'Discharge at C/5 until 3.0 V' out"

tamper no_status 'del f.attrs["status"]'
"$bin" info no_status.h5 >out 2>err; rc=$?
check "missing status attribute: clean error naming it" "clean_error no_status.h5 err $rc && grep -q \"attribute 'status'\" err"

tamper no_steps 'del f["steps"]'
"$bin" info no_steps.h5 >out 2>err; rc=$?
check "missing /steps group: clean error" "clean_error no_steps.h5 err $rc && grep -q 'group /steps is missing' err"

tamper killed 'f.attrs["status"] = "running"; f["timeseries/current"].resize((f["timeseries/time"].shape[0] - 1,))'
"$bin" info killed.h5 >out 2>err; rc=$?
check "killed run (status running, ragged series) reads up to the common rows" "[ $rc -eq 0 ] && grep -q '\[running\]' out"

# 2. Foreign files.
$py -c 'import h5py; f = h5py.File("foreign.h5", "w"); f["data/x"] = [1.0, 2.0]; f.attrs["creator"] = "other"'
"$bin" info foreign.h5 >out 2>err; rc=$?
check "foreign HDF5 layout: clean error" "clean_error foreign.h5 err $rc && grep -q 'not an ssbsim result file' err"
echo "time,potential" >text.h5
"$bin" info text.h5 >out 2>err; rc=$?
check "text file: clean error" "clean_error text.h5 err $rc && grep -q 'not an HDF5 file' err"
: >empty.h5
"$bin" info empty.h5 >out 2>err; rc=$?
check "empty file: clean error" "clean_error empty.h5 err $rc && grep -q 'is empty' err"
"$bin" info missing.h5 >out 2>err; rc=$?
check "missing file: clean error" "clean_error missing.h5 err $rc && grep -q 'No such file' err"

# 3. A file held open by a writer (h5py holds HDF5's lock while open).
cp base.h5 locked.h5
$py -c 'import h5py, time; f = h5py.File("locked.h5", "r+"); open("locked.ready", "w").close(); time.sleep(30)' &
holder=$!
for _ in $(seq 100); do [ -e locked.ready ] && break; sleep 0.1; done
HDF5_USE_FILE_LOCKING=TRUE "$bin" info locked.h5 >out 2>err; rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "file locked by a writer: clean error saying so" "clean_error locked.h5 err $rc && grep -q 'locked by another process' err"

# ... and by a running ssbsim writer (paused with SIGSTOP while it holds the file).
"$bin" run --no-progress -q -o running.h5 --set 'protocol.steps=[{"repeat": 200, "steps": ["Charge at C/50 until 4.3 V", "Discharge at C/50 until 3.0 V"]}]' 2>runner.err &
runner=$!
for _ in $(seq 200); do [ -s running.h5 ] && break; sleep 0.02; done
kill -STOP "$runner"
HDF5_USE_FILE_LOCKING=TRUE "$bin" info running.h5 >out 2>err; rc=$?
kill -CONT "$runner"; kill -INT "$runner"; wait "$runner"; runner_rc=$?
check "file of a running ssbsim: clean error saying it is locked" \
    "clean_error running.h5 err $rc && grep -q 'locked by another process' err"
check "the interrupted writer's file then reads" "[ $runner_rc -eq 130 ] && '$bin' info running.h5 | grep -q '\[interrupted\]'"

# 4. Output bounds: a 1e9 h hold is refused at once, naming the key; nothing is written.
start=$(date +%s)
timeout 60 "$bin" run --no-progress -o huge.h5 --set 'protocol.steps=["Hold at 2.5 V for 1e9 hours"]' >out 2>err; rc=$?
check "1e9 h hold with profiles refused before starting" \
    "[ $rc -eq 2 ] && grep -q \"key 'output.profile_interval'\" err && grep -q 'output.max_profiles_per_step' err && [ ! -e huge.h5 ]"
timeout 60 "$bin" run --no-progress -o huge.h5 --set 'protocol.steps=["Hold at 2.5 V for 1e9 hours"]' \
    --set 'output.profile_interval=1e6 h' --set 'output.sample_interval=1 h' --set 'output.max_samples_per_step=1e10' \
    --set 'output.max_file_size=5 MB' >out 2>err; rc=$?
check "1e9 h hold sampled hourly refused by output.max_file_size" \
    "[ $rc -eq 2 ] && grep -q \"key 'output.max_file_size'\" err && [ ! -e huge.h5 ]"
timeout 60 "$bin" run --no-progress -o hold.h5 --set 'protocol.steps=["Hold at 2.5 V for 1e9 hours"]' \
    --set output.profile_interval=0 --set 'output.max_file_size=2 MB' >out 2>err; rc=$?
check "1e9 h hold without profiles finishes fast under a 2 MB cap" \
    "[ $rc -eq 0 ] && [ \$(stat -c %s hold.h5) -lt 2000000 ] && [ \$(( \$(date +%s) - start )) -lt 60 ]"
timeout 60 "$bin" run --no-progress -o cap.h5 --set 'protocol.steps=["Charge at C/50 until 4.3 V"]' \
    --set 'output.sample_interval=1 s' --set 'output.max_file_size=1 MB' >out 2>err; rc=$?
check "run reaching output.max_file_size stops cleanly (exit 5) below the cap" \
    "[ $rc -eq 5 ] && grep -q 'output limit reached.*output.max_file_size = 1 MB' err && [ \$(stat -c %s cap.h5) -lt 1000000 ]"
"$bin" info cap.h5 >out 2>err; rc=$?
check "capped file is readable, status output_limit" "[ $rc -eq 0 ] && grep -q '\[output_limit\]' out"
"$bin" check --set 'output.max_file_size=lots' >out 2>err; rc=$?
check "bad output.max_file_size names the key and the form" \
    "[ $rc -eq 2 ] && grep -q \"key 'output.max_file_size'.*2 GB\" err"

# 5. Large control changes at the first step: each runs or ends the step cleanly; no
#    book-keeping variable in any report.
for step in "Charge at 10C until 4.3 V" "Charge at 100C until 4.3 V" "Hold at 4.3 V for 1 h"; do
    timeout 300 "$bin" run --no-progress -o start.h5 --set "protocol.steps=[\"$step\"]" >out 2>err; rc=$?
    check "'$step' runs or ends cleanly" "[ $rc -eq 0 ] && grep -q '\[complete\]' out"
    check "'$step' names no book-keeping variable" \
        "! grep -Eq 'charge passed|energy passed|interphase thickness|cumulative charge' out err"
done
"$bin" run --no-progress -o start.h5 --set 'protocol.steps=["Charge at 100C until 4.3 V"]' >out 2>err
check "100C says the cathode cannot carry it" "grep -q 'met at start: the cathode cannot carry 100C' out"

# 6. Titles from the resolved values, not from the free-text name.
"$bin" run --no-progress -o warm.h5 --set 'cell.temperature=30 degC' --set 'protocol.steps=["Charge at 1C until 4.3 V"]' >out 2>err
check "summary title follows --set temperature" "head -1 out | grep -q '30 degC' && ! head -1 out | grep -q '45 degC'"
check "file title attribute and plot title follow it" "$py - <<PY
import sys, h5py
sys.path.insert(0, '$src/scripts')
import plot_result
f = h5py.File('warm.h5', 'r')
assert '30 degC' in f.attrs['title'], f.attrs['title']
meta, _ = plot_result.load('warm.h5')
t = plot_result.title(meta)
assert '30 degC' in t and '45 degC' not in t, t
PY"

# 7. A full disk (a file-size limit: writes past 40 kB fail with EFBIG, SIGXFSZ ignored):
# a clean error naming the result file and the cause, no crash at exit (HDF5's teardown
# crashed on the half-closed file), and likewise for a checkpoint.
( ulimit -f 40; trap '' XFSZ; exec "$bin" run --no-progress -q -o full.h5 \
    "$src/benchmarks/study_a_intercalation.yaml" ) >out 2>err; rc=$?
check "full disk: clean error naming the result file and the cause" \
    "clean_error full.h5 err $rc && grep -q 'cannot write the result file.*File too large' err"
( ulimit -f 40; trap '' XFSZ; exec "$bin" run --no-progress -q --no-output --checkpoint full_ck.h5 \
    --checkpoint-after-step 1 "$src/benchmarks/study_a_intercalation.yaml" ) >out 2>err; rc=$?
check "full disk: clean error naming the checkpoint" \
    "[ $rc -eq 2 ] && grep -q '^ssbsim: error:.*full_ck.h5' err && ! grep -q 'HDF5-DIAG' err"

exit $fail
