#!/usr/bin/env bash
# Issue 11, measured-data side: `ssbsim validate` on real and hostile data files. Every bad
# input exits 2 with a message naming file, line, column and the expected form; nothing
# runs away; a comparison that compared nothing is an error, not a warning.
# Usage: hostile_import.sh PATH/TO/ssbsim SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
"$bin" check --print >cell.yaml
val() { timeout 120 "$bin" validate "$@" --no-plot -j 2; }

# 1. An EC-Lab export counting cycles from 1 and one counting from 0 (two CCCV cycles):
#    both compare every capacity, cycle by cycle.
"$bin" run --no-progress -q -o cccv.h5 --set 'output.sample_interval=5 min' \
  --set 'protocol.steps=[{"repeat": 2, "steps": ["Charge at C/10 until 4.2 V", "Hold at 4.2 V for 2 hours", "Discharge at C/10 until 3.0 V"]}]'
for base in 0 1; do
  $py "$src/tests/make_mpt.py" cccv.h5 "from$base.mpt" --cycle-base $base
  val cell.yaml --data "from$base.mpt" -o "v$base" >"v$base.out" 2>&1; rc=$?
  check "cycles from $base: validate exits 0 and compares every capacity of cycles 1 and 2" "[ $rc -eq 0 ] && $py - v$base <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + '/comparison.json'))
rows = [r for r in d['rows'] if r['metric'] in ('charge_capacity', 'discharge_capacity')]
assert sorted((r['metric'], r['cycle']) for r in rows) == [('charge_capacity', 1), ('charge_capacity', 2),
                                                          ('discharge_capacity', 1), ('discharge_capacity', 2)], rows
for r in rows:
    assert r['simulated'] is not None and abs(r['simulated'] - r['measured']) <= 0.01 * r['measured'], r
PY"
done

# 2. A CCCV test whose CV tail decays below the rest level (one Ns): no invented rest, no
#    GITT row, the discharge is step 3 and the charge capacity is reproduced.
"$bin" run --no-progress -q -o tail.h5 --set 'output.sample_interval=5 min' \
  --set 'protocol.steps=["Charge at C/2 until 4.2 V", "Hold at 4.2 V for 100 hours", "Discharge at C/2 until 3.0 V"]'
$py "$src/tests/make_mpt.py" tail.h5 tail.mpt
val cell.yaml --data tail.mpt -o vtail >vtail.out 2>&1; rc=$?
check "a CV tail stays in its step: no GITT row, curves of steps 1 and 3, capacities reproduced" "[ $rc -eq 0 ] && $py - <<'PY'
import json
d = json.load(open('vtail/comparison.json'))
assert not any(r['metric'].startswith('gitt') for r in d['rows']), [r['metric'] for r in d['rows']]
assert [(c['step'], c['kind']) for c in d['curves']] == [(1, 'charge_cc'), (3, 'discharge_cc')], d['curves']
for r in d['rows']:
    if r['metric'] in ('charge_capacity', 'discharge_capacity'):
        assert abs(r['simulated'] - r['measured']) <= 0.01 * r['measured'], r
PY"

# 3. The sample CE-vs-hold table, 0 h row included, runs end to end against a protocol that
#    has its cycle 3 and a hold at 4.3 V; against Study A as it is (one cycle) validate
#    compares nothing and says so (exit 2, naming the file and the cycles).
three='protocol.steps=["Charge at C/5 until 4.3 V", "Hold at 4.3 V for 1 hour", "Discharge at C/5 until 2.5 V", {"repeat": 2, "steps": ["Charge at C/5 until 4.3 V", "Discharge at C/5 until 2.5 V"]}]'
val "$src/configs/studies/study_a.yaml" --data "$src/tests/data/measured/hold_table.csv" -o hold --set "$three" >hold.out 2>&1; rc=$?
check "hold_table.csv (0 h row) validates: 6 rows, each simulated" "[ $rc -eq 0 ] && $py - <<'PY'
import json
d = json.load(open('hold/comparison.json'))
assert len(d['rows']) == 6, d['rows']
assert d['rows'][0]['hold_duration_h'] == 0, d['rows'][0]
assert all(r['simulated'] is not None and 0.5 < r['simulated'] <= 1.0 for r in d['rows']), d['rows']
PY"
val "$src/configs/studies/study_a.yaml" --data "$src/tests/data/measured/hold_table.csv" -o hold1 >hold1.out 2>&1; rc=$?
check "nothing to compare exits 2 naming the file and the cycles" "[ $rc -eq 2 ] && grep -q 'hold_table.csv: nothing to compare.*measured cycles: 3; simulated cycles: 1' hold1.out && [ -s hold1/comparison.json ]"

# 4. Messages: file, line, column and expected form; exit 2.
val cell.yaml --data "$src/tests/data" -o d >dir.out 2>&1; rc=$?
check "a directory as --data" "[ $rc -eq 2 ] && grep -q 'tests/data: is a directory; expected a measured-data file' dir.out"
printf 'time/s,potential/V,current/mA\n0,3.5,0.1\n' >one.csv
val cell.yaml --data one.csv -o x >one.out 2>&1; rc=$?
check "a one-row time series" "[ $rc -eq 2 ] && grep -q \"one.csv: column 'time': a time series to validate needs at least 2 samples\" one.out"
for cell in inf 1e400; do
  printf 'time/s,potential/V,current/mA\n0,3.5,0.1\n%s,3.6,0.1\n' "$cell" >inf.csv
  val cell.yaml --data inf.csv -o x >inf.out 2>&1; rc=$?
  check "time '$cell'" "[ $rc -eq 2 ] && grep -q \"inf.csv:3: column 'time/s': expected a finite number, found '$cell'\" inf.out"
done
"$bin" check --print --set 'protocol.steps=["Charge at C/10 until 4.2 V", "Discharge at C/10 until 3.0 V"]' >nohold.yaml
val nohold.yaml --data "$src/configs/data/study_a/ce_vs_hold.csv" -o x >nohold.out 2>&1; rc=$?
check "no hold to vary names config line, key and data row" "[ $rc -eq 2 ] && grep -Eq \"nohold.yaml:[0-9]+: key 'protocol.steps': the CE-vs-hold-duration data \\(.*ce_vs_hold.csv:9\\)\" nohold.out"

# 5. Absurd durations are refused at once, naming the range (no runaway simulation).
printf 'hold_duration [h],coulombic_efficiency [%%]\n2,98\n1e12,97\n' >big.csv
start=$(date +%s)
val "$src/configs/studies/study_a.yaml" --data big.csv -o x >big.out 2>&1; rc=$?
check "a 1e12 h hold exits 2 at once naming line, column and range" "[ $rc -eq 2 ] && [ \$(( \$(date +%s) - start )) -lt 20 ] && grep -q \"big.csv:3: column 'hold_duration \\[h\\]': hold duration 1e+12 h .* to 100000 h\" big.out"
printf 'time/h,potential/V,current/mA\n0,3.5,0.1\n1e6,3.6,0.1\n' >span.csv
val cell.yaml --data span.csv -o x >span.out 2>&1; rc=$?
check "a record spanning 1e6 h" "[ $rc -eq 2 ] && grep -q \"span.csv:3: column 'time/h'.*at most 100000 h\" span.out"

# 6. Hostile .mpt contents: time going back, NaN, huge cycle numbers - clear, no hang.
$py - <<'PY'
lines = open('from0.mpt', encoding='cp1252', newline='').read().split('\r\n')
n = int(lines[1].split(':')[1])
def variant(name, col, cell):
    out = list(lines)
    c = out[n + 20].split('\t')
    c[col] = cell
    out[n + 20] = '\t'.join(c)
    open(name, 'w', encoding='cp1252', newline='').write('\r\n'.join(out))
variant('back.mpt', 7, '1.0E+000')
variant('nan.mpt', 9, 'NaN')
variant('cycle.mpt', 14, '1E+300')
PY
line=$(( $(sed -n 2p from0.mpt | tr -dc 0-9) + 21 ))
val cell.yaml --data back.mpt -o x >back.out 2>&1; rc=$?
check ".mpt time going back" "[ $rc -eq 2 ] && grep -q \"back.mpt:$line: column 'time/s': time goes back\" back.out"
val cell.yaml --data nan.mpt -o x >nan.out 2>&1; rc=$?
check ".mpt NaN potential" "[ $rc -eq 2 ] && grep -q \"nan.mpt:$line: column 'Ewe/V': found 'NaN'\" nan.out"
val cell.yaml --data cycle.mpt -o x >cycle.out 2>&1; rc=$?
check ".mpt huge cycle number" "[ $rc -eq 2 ] && grep -q \"cycle.mpt:$line: column 'cycle number': expected a whole number from 0 to 1e9\" cycle.out"

exit $fail
