#!/usr/bin/env bash
# End-to-end tests of the ssbsim command line, as a new user would try it.
# Usage: cli_test.sh PATH/TO/ssbsim SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

# 1. The embedded default runs and prints a first-charge capacity.
"$bin" run --no-progress -o default.h5 >run.out 2>run.err; rc=$?
check "default run exits 0" "[ $rc -eq 0 ]"
check "summary shows cycle table" "grep -q 'charge  discharge' run.out"
check "summary shows complete" "grep -q '\[complete\]' run.out"

# 2. info --json parses and has the documented keys, CE as a fraction.
"$bin" info default.h5 --json >info.json
check "info --json is valid JSON with cycle keys" "$py - <<'PY'
import json
d = json.load(open('info.json'))
c = d['cycles'][0]
for k in ('charge_capacity_mAh_g', 'discharge_capacity_mAh_g', 'coulombic_efficiency', 'shoulder_capacity_mAh_g'):
    assert k in c, k
assert 0 < c['coulombic_efficiency'] <= 1.2
assert 150 < c['charge_capacity_mAh_g'] < 230, c
assert d['status'] == 'complete'
PY"

# 3. check --print writes a config that itself checks and runs to the same result.
"$bin" check --print >resolved.yaml
check "check --print output is a valid config" "'$bin' check resolved.yaml >/dev/null"

# 4. A typo'd key and a missing unit fail with file:line messages.
sed 's/particle_radius:/partcle_radius:/' resolved.yaml >typo.yaml
"$bin" check typo.yaml >/dev/null 2>typo.err; rc=$?
check "typo exits 2" "[ $rc -eq 2 ]"
check "typo message names file:line and suggests the key" "grep -Eq 'typo.yaml:[0-9]+: key .cell.cathode.partcle_radius.*did you mean .particle_radius.' typo.err"
sed -E 's/loading: .*/loading: 11.5/' resolved.yaml >unit.yaml
"$bin" run unit.yaml -o unit.h5 >/dev/null 2>unit.err; rc=$?
check "missing unit exits 2 naming the key" "[ $rc -eq 2 ] && grep -Eq 'unit.yaml:[0-9]+: key .cell.cathode.loading.' unit.err"

# 5. --set overrides, and a 132 h hold runs to its end.
"$bin" run --no-progress -q -o hold.h5 --set 'protocol.steps=["Charge at C/50 until 4.3 V", "Discharge at C/50 until 2.0 V", "Hold at 2.0 V for 132 hours"]' --set 'cell.temperature=30 degC'
check "132 h hold completes" "$py - <<'PY'
import h5py
f = h5py.File('hold.h5')
st = f['steps']
assert f.attrs['status'] == 'complete'
assert abs((st['end_time'][2] - st['start_time'][2]) - 132*3600) < 1e-6, st['end_time'][:]
assert abs(f['timeseries/temperature'][0] - 303.15) < 1e-9
PY"

# 6. A run killed midway leaves a readable file.
"$bin" run --no-progress -q -o killed.h5 --set 'protocol.steps=["Charge at C/50 until 4.3 V", {"repeat": 200, "steps": ["Discharge at 1C until 3.0 V", "Charge at 1C until 4.2 V"]}]' --set output.flush_interval=0.05 &
pid=$!
sleep 1.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "killed run leaves a readable HDF5 file" "$py - <<'PY'
import h5py
f = h5py.File('killed.h5')
assert f.attrs['status'] in ('running', 'complete'), f.attrs['status']
assert len(f['timeseries/time']) > 10
PY"

# 7. A solver failure is reported with time and step, and the file stays readable.
"$bin" run --no-progress -q -o fail.h5 --set 'protocol.steps=["Charge at 50C for 1 h"]' >/dev/null 2>fail.err; rc=$?
check "solver failure exits 3 with time and step" "[ $rc -eq 3 ] && grep -q 'solver failed at t = ' fail.err && grep -q 'step 1' fail.err"
check "failed run's file is readable with status failed" "'$bin' info fail.h5 --json | $py -c 'import json,sys; d=json.load(sys.stdin); assert d[\"status\"]==\"failed\", d'"

# 8. The plotting script turns a result into PNGs.
if [ -f "$src/scripts/plot_result.py" ]; then
  $py "$src/scripts/plot_result.py" default.h5 -o plots >/dev/null 2>plot.err
  check "plot script writes PNGs" "ls plots/*.png >/dev/null 2>&1"
fi

# 9. validate: a CE-vs-hold table against the Study A config and an EC-Lab record; the
#    numbers land in JSON/CSV, the overlay plot in a PNG; bad data name the file and line.
"$bin" validate "$src/configs/studies/study_a.yaml" --data "$src/configs/data/study_a/ce_vs_hold.csv" -o val \
  >val.out 2>val.err; rc=$?
check "validate exits 0 and prints the side-by-side table" "[ $rc -eq 0 ] && grep -q '66 h 2 V' val.out"
check "validate writes JSON with a simulated CE per hold, CSV and PNG" "$py - <<'PY'
import json
d = json.load(open('val/comparison.json'))
assert d['kind'] == 'hold_table'
ce = {(r['hold_duration_h'], r['hold_potential_V']): r['simulated'] for r in d['rows']}
assert ce[(33.0, 2.0)] > ce[(33.0, 2.5)] + 0.02, ce
assert len(open('val/comparison.csv').read().splitlines()) == 5
assert open('val/overlay.png', 'rb').read(4) == b'\x89PNG'
PY"
"$bin" validate "$src/configs/studies/study_a.yaml" --data "$src/tests/data/measured/eclab_gcpl_point.mpt" -o mpt \
  --no-plot >mpt.out 2>mpt.err; rc=$?
check "validate reproduces an EC-Lab .mpt record (curves compared)" "[ $rc -eq 0 ] && grep -q 'all curves' mpt.out"
"$bin" validate "$src/configs/studies/study_a.yaml" --data "$src/tests/data/measured/non_numeric.csv" -o bad \
  >/dev/null 2>bad.err; rc=$?
check "validate on malformed data exits 2 naming file and line" "[ $rc -eq 2 ] && grep -q 'non_numeric.csv:[0-9]' bad.err"

# 10. fit: one parameter from the hold table (the TPB reversible fraction moves the 2.0 V
#     CEs), from a start far off; the calibrated config runs.
cat >fit.yaml <<EOF
fit:
  config: $src/configs/studies/study_a.yaml
  parameters:
    - {key: chemistry.sites.tpb.reversible_fraction, initial: 0.5, bounds: [0.05, 1.0], scale: linear}
  datasets:
    - {data: $src/configs/data/study_a/ce_vs_hold.csv}
  solver: {max_iterations: 15, jobs: 2}
  output: fitted.yaml
EOF
"$bin" fit fit.yaml >fit.out 2>fit.err; rc=$?
check "fit converges and writes the calibrated config and report" "[ $rc -eq 0 ] && [ -s fitted.yaml ] && [ -s fit_report.json ]"
check "fit moves the parameter and lowers the cost" "$py - <<'PY'
import json
d = json.load(open('fit_report.json'))
p = d['parameters'][0]
assert d['final_cost'] < 0.5 * d['initial_cost'], d
assert abs(p['fitted'] - 0.5) > 0.05 and p['sigma'] > 0, p
PY"
check "the calibrated config runs" "'$bin' run fitted.yaml -q -o fitted.h5"
sed 's/bounds: \[0.05, 1.0\]/bounds: [1.0, 0.05]/' fit.yaml >badfit.yaml
"$bin" fit badfit.yaml >/dev/null 2>badfit.err; rc=$?
check "a bad fit file exits 2 naming line and key" "[ $rc -eq 2 ] && grep -q 'badfit.yaml:4' badfit.err && grep -q 'bounds' badfit.err"

# 11. A cycler file the project does not ship: the default run exported as an EC-Lab .mpt
#     (decimal commas, cp1252, CRLF, 0.5 mV noise) is reproduced by validate.
"$bin" run --no-progress -q -o mptsrc.h5 --set 'output.sample_interval=5 min' >/dev/null 2>&1
$py "$src/tests/make_mpt.py" mptsrc.h5 cell.mpt --comma --noise-mV 0.5
"$bin" validate "$src/configs/studies/study_a.yaml" --data cell.mpt -o cellval --no-plot >cellval.out 2>&1; rc=$?
check "validate on an exported EC-Lab file reproduces capacities and curves" "[ $rc -eq 0 ] && $py - <<'PY'
import json
d = json.load(open('cellval/comparison.json'))
rows = {r['metric']: r for r in d['rows']}
for m in ('charge_capacity', 'discharge_capacity', 'coulombic_efficiency', 'shoulder_capacity'):
    r = rows[m]
    assert abs(r['simulated'] - r['measured']) <= 0.01 * abs(r['measured']) + 0.02, r
assert d['curve_rmse_V'] < 0.005, d['curve_rmse_V']
assert len(d['curves']) == 2
PY"

# Output off (issue 12): --no-output and output.file: none write no file and print the
# same summary as a run that writes one (all but the wall-time and results lines).
mkdir -p nooutput && (cd nooutput && "$bin" run --no-progress --no-output > a.out 2>&1; echo $? > a.rc
  "$bin" run --no-progress --set output.file=none > c.out 2>&1; echo $? > c.rc
  "$bin" run --no-progress -o b.h5 > b.out 2>&1)
check "--no-output and output.file: none write no file" "[ \$(cat nooutput/a.rc) -eq 0 ] && [ \$(cat nooutput/c.rc) -eq 0 ] && [ \$(ls nooutput | grep -c h5) -eq 1 ]"
check "--no-output prints the same summary as a written run" "diff <(grep -v -e '^Wall time' -e '^Results:' nooutput/a.out) <(grep -v -e '^Wall time' -e '^Results:' nooutput/b.out) >/dev/null"
"$bin" run --no-output -o x.h5 >/dev/null 2>nooutput/both.err; rc=$?
check "--no-output with -o is refused" "[ $rc -eq 2 ] && grep -q 'no-output' nooutput/both.err"

exit $fail
