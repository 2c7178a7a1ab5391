#!/usr/bin/env bash
# `ssbsim run --checkpoint/--restart` and shared-prefix sweeps from the command line (issue 12).
# Usage: checkpoint_cli.sh PATH/TO/ssbsim SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
cfg="$src/configs/studies/study_a.yaml"
set_small=(--set mesh.cathode=4 --set mesh.particle=6 --set mesh.separator=2 --set "output.profile_interval=1 h"
           --set "protocol.steps.0=Charge at C/5 until 4.3 V" --set "protocol.steps.1=Hold at 4.3 V for 1 hours"
           --set "protocol.steps.2=Discharge at C/5 until 2.5 V" --set "protocol.steps.3=Hold at 2.5 V for 2 hours")

"$bin" run "$cfg" "${set_small[@]}" -q -o whole.h5 --checkpoint ck.h5 --checkpoint-after-step 2; rc=$?
check "run with a checkpoint exits 0 and writes it" "[ $rc -eq 0 ] && [ -s ck.h5 ]"
"$bin" run "$cfg" "${set_small[@]}" -q -o rest.h5 --restart ck.h5; rc=$?
check "restart exits 0" "[ $rc -eq 0 ]"
check "restarted file equals the unbroken one" "$py - <<'PY'
import h5py, numpy as np
a, b = h5py.File('whole.h5'), h5py.File('rest.h5')
assert b.attrs['status'] == 'complete'
for g in ('timeseries', 'steps', 'cycles'):
    for k in a[g]:
        x, y = a[g][k][()], b[g][k][()]
        assert x.shape == y.shape, (g, k)
        if x.dtype.kind == 'f':
            assert np.allclose(x, y, rtol=1e-6, atol=1e-12), (g, k)
PY"
"$bin" run "$cfg" "${set_small[@]}" --set "cell.temperature=30 degC" -q -o x.h5 --restart ck.h5 2>err.txt; rc=$?
check "another model is refused with exit 2, naming the difference" "[ $rc -eq 2 ] && grep -q 'temperature' err.txt && [ ! -e x.h5 ]"
echo junk >junk.h5
"$bin" run "$cfg" -q -o x.h5 --restart junk.h5 2>err.txt; rc=$?
check "a damaged checkpoint is refused with exit 2" "[ $rc -eq 2 ] && grep -q 'cannot restart from' err.txt"
"$bin" run "$cfg" -q -o x.h5 --restart whole.h5 2>err.txt; rc=$?
check "a result file is not a checkpoint" "[ $rc -eq 2 ] && grep -q 'not an ssbsim checkpoint' err.txt"
"$bin" run "$cfg" -q -o x.h5 --checkpoint c2.h5 2>err.txt; rc=$?
check "--checkpoint needs --checkpoint-after-step" "[ $rc -eq 2 ] && grep -q 'checkpoint-after-step' err.txt"

# Sweeps: auto, readout and off give the same summary (to solver tolerance).
for share in auto readout off; do
  {
    echo "name: cli prefix test"
    echo "base: $cfg"
    echo "share_prefix: $share"
    echo "set:"
    for s in mesh.cathode=4 mesh.particle=6 mesh.separator=2 "output.profile_interval=0" \
             "protocol.steps.0=Charge at C/5 until 4.3 V" "protocol.steps.1=Hold at 4.3 V for 1 hours" \
             "protocol.steps.2=Discharge at C/5 until 2.5 V"; do echo "  - \"$s\""; done
    echo "parameters:"
    echo "  - key: protocol.steps.3"
    echo "    template: \"Hold at 2.5 V for {} hours\""
    echo "    values: [0.5, 3]"
  } >"sweep_$share.yaml"
  "$bin" sweep "sweep_$share.yaml" -o "out_$share" -j 2 -q; rc=$?
  check "sweep with share_prefix $share exits 0" "[ $rc -eq 0 ]"
done
check "a prefix checkpoint is kept for resume" "ls out_auto/prefixes/prefix_*.h5 >/dev/null"
check "summaries agree" "$py - <<'PY'
import csv
rows = {s: list(csv.DictReader(open(f'out_{s}/summary.csv'))) for s in ('auto', 'readout', 'off')}
for s in ('auto', 'readout'):
    for a, b in zip(rows[s], rows['off']):
        assert a['status'] == b['status'] == 'complete'
        for k in ('c1_charge_mAh_g', 'c1_discharge_mAh_g', 'c1_coulombic_efficiency'):
            assert abs(float(a[k]) - float(b[k])) <= 1e-5 * abs(float(b[k])), (s, k, a[k], b[k])
PY"
exit $fail
