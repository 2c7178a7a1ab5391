#!/usr/bin/env bash
# End-to-end tests of `ssbsim sweep`: a run, resume, a killed sweep, a broken case.
# Usage: sweep_test.sh PATH/TO/ssbsim SOURCE_DIR [mpirun ...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1" "$2"
shift 2
launcher=("$@")   # e.g. mpirun -np 2 --allow-run-as-root --oversubscribe
sweep="$src/tests/data/sweep_small.yaml"

"${launcher[@]}" "$bin" sweep "$sweep" -o out -j 2 >run.out 2>run.err; rc=$?
check "sweep exits 0" "[ $rc -eq 0 ]"
check "four case files" "[ \$(ls out/cases/*.h5 | wc -l) -eq 4 ]"
check "summary has swept values and CE rising with the hold" "$py - <<'PY'
import csv
rows = list(csv.DictReader(open('out/summary.csv')))
assert len(rows) == 4 and all(r['status'] == 'complete' for r in rows), rows
ce = {(r['protocol.steps.3'], r['cell.temperature']): float(r['c1_coulombic_efficiency']) for r in rows}
for T in ('30 degC', '45 degC'):
    assert ce[('66', T)] > ce[('11', T)], ce
gap = float(rows[0]['c1_charge_mAh_g']) - float(rows[0]['c1_discharge_mAh_g'])
terms = sum(float(rows[0]['c1_' + k]) for k in ('se_oxidation_reversible_mAh_g', 'se_oxidation_irreversible_mAh_g', 'cam_kinetic_mAh_g', 'cam_isolated_mAh_g', 'other_mAh_g'))
assert abs(gap - terms) < 1e-5 * gap, (gap, terms)
PY"
check "summary.h5 holds the same table" "$py -c \"import h5py; f=h5py.File('out/summary.h5'); assert len(f['case'])==4 and f['cycles/coulombic_efficiency'].shape[0]==4\""

# Resume: a finished sweep runs nothing; a missing case is re-run.
rm out/cases/case_0002.h5
"${launcher[@]}" "$bin" sweep "$sweep" -o out -j 2 >resume.out 2>&1
check "resume re-runs only the missing case" "grep -q '3 already complete, 1 to run' resume.out || [ \${#launcher[@]} -gt 0 ]"
check "resumed summary complete" "[ \$(grep -c ',complete,' out/summary.csv) -eq 4 ]"

# A plotting script of the examples turns the summary into a PNG.
$py "$src/examples/temperature/plot.py" out/summary.csv -o plot.png >/dev/null 2>plot.err
check "example plot script writes a PNG" "[ -s plot.png ] && head -c 8 plot.png | grep -q PNG"

if [ ${#launcher[@]} -eq 0 ]; then
  # Editing the sweep re-runs exactly the cases whose definition changed.
  sed -e 's/values: \[11, 66\]/values: [11, 33]/' -e "s|base: ../../configs|base: $src/configs|" "$sweep" >edited.yaml
  "$bin" sweep edited.yaml -o out -j 2 >edited.out 2>&1
  check "edited sweep re-runs only the changed cases" "grep -q '2 already complete, 2 to run' edited.out"

  # A sweep killed midway leaves no half-written case file and resumes.
  "$bin" sweep "$sweep" -o killed -j 1 >/dev/null 2>&1 &
  pid=$!
  sleep 0.3
  pkill -9 -P $pid 2>/dev/null; kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  sleep 0.2
  check "no final file is half-written" "for f in killed/cases/*.h5; do [ -e \"\$f\" ] || continue; $py -c \"import h5py,sys; f=h5py.File('\$f'); sys.exit(0 if f.attrs['status']=='complete' else 1)\" || exit 1; done"
  "$bin" sweep "$sweep" -o killed -j 2 >/dev/null 2>&1
  check "killed sweep completes on resume" "[ \$(grep -c ',complete,' killed/summary.csv) -eq 4 ]"

  # A broken value fails its cases only, with the reason in the summary.
  sed 's/"45 degC"/"45 degX"/' "$sweep" | sed "s|base: ../../configs|base: $src/configs|" >broken.yaml
  "$bin" sweep broken.yaml -o broken -j 2 >/dev/null 2>broken.err; rc=$?
  check "broken case gives exit 4" "[ $rc -eq 4 ]"
  check "broken cases marked with their reason, others complete" "[ \$(grep -c ',complete,' broken/summary.csv) -eq 2 ] && grep -q 'failed,.*unknown unit' broken/summary.csv"
  check "the failing case is reported" "grep -q 'case 2 failed' broken.err"
fi
exit $fail
