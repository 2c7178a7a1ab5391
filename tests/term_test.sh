#!/usr/bin/env bash
# Issue 13, terminal side: absolute capacities in the file and the JSON, the condensed
# summary of a 100-cycle run and its --summary modes, the progress line (elapsed, ETA) of
# `run` and of `sweep` during its first case, and `cmake --install` into a prefix.
# Usage: term_test.sh PATH/TO/ssbsim SOURCE_DIR
# Absolute paths: the shared preamble leaves the shell in a scratch directory.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "$(cd "$2" && pwd)"
build=$(cd "$(dirname "$bin")" && pwd)
# Cycle-table rows: cycle number, two capacities with two decimals, the CE in %.
cycle_rows() { grep -cE '^ +[0-9]+ +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +[0-9.]+%' "$1"; }

# A fast 100-cycle protocol: 1C cycling, no chemistry, no spatial profiles (~3 s).
fast=(--set chemistry.enabled=false --set output.profile_interval=0
      --set 'protocol.steps=[{repeat: 100, steps: ["Charge at 1C until 4.3 V", "Discharge at 1C until 2.5 V"]}]')

# 1. Default summary of 100 cycles: first, last and every Nth cycle, ~20 rows, a line
#    saying how many were left out; the progress line forced on without a terminal.
start=$(date +%s)
"$bin" run -o c100.h5 --progress "${fast[@]}" >run.out 2>run.err; rc=$?
took=$(( $(date +%s) - start ))
check "100-cycle run exits 0 (in ${took} s)" "[ $rc -eq 0 ] && [ $took -lt 60 ]"
n=$(cycle_rows run.out)
check "condensed summary prints ~20 cycle rows (got $n)" "[ $n -ge 15 ] && [ $n -le 21 ]"
check "condensed summary has cycle 1 and cycle 100" "grep -qE '^ +1 +[0-9]+\.[0-9]{2}' run.out && grep -qE '^ +100 +[0-9]+\.[0-9]{2}' run.out"
check "condensed summary says how many cycles were omitted" "grep -q \"($((100 - n)) of 100 cycles not shown\" run.out"
check "condensed summary stays short (< 70 lines)" "[ \$(wc -l < run.out) -lt 70 ]"
check "summary names the capacity basis and mAh columns" "grep -q 'capacity basis 9.0275 mg' run.out && grep -q 'charge mAh' run.out"
check "run summary still ends with wall time and the file" "grep -q '^Wall time' run.out && grep -q '^Results: c100.h5' run.out"
tr '\r' '\n' <run.err >progress.txt
check "--progress draws elapsed and ETA without a terminal" "grep -qE 'elapsed [0-9]+:[0-9]{2}  ETA ([0-9]+:[0-9]{2}|--)' progress.txt"
check "the ETA is a time once the run is under way" "grep -qE 'ETA [0-9]+:[0-9]{2}' progress.txt"
check "progress line shows step and cycle counts" "grep -qE 'step [0-9]+/200  cycle [0-9]+' progress.txt"
check "progress line is cleared at the end (last stderr line blank)" "[ -z \"\$(tail -n1 progress.txt | tr -d ' ')\" ]"

# 2. The other modes, for run and for info.
"$bin" run -o full.h5 --no-progress --summary full "${fast[@]}" >full.out 2>&1; rc=$?
check "--summary full prints all 100 cycles and every step" "[ $rc -eq 0 ] && [ \$(cycle_rows full.out) -eq 100 ] && ! grep -q 'not shown' full.out && [ \$(grep -c 'Charge at 1C until 4.3 V' full.out) -eq 100 ]"
"$bin" info c100.h5 --summary cycles >cycles.out 2>&1; rc=$?
check "info --summary cycles prints only the cycle table" "[ $rc -eq 0 ] && [ \$(cycle_rows cycles.out) -eq 100 ] && ! grep -q 'Steps:' cycles.out && [ \$(wc -l < cycles.out) -eq 102 ]"
"$bin" run -o none.h5 --no-progress --summary none "${fast[@]}" >none.out 2>&1; rc=$?
check "run --summary none prints no tables, only the wall time and file lines" "[ $rc -eq 0 ] && [ \$(cycle_rows none.out) -eq 0 ] && ! grep -q 'Steps:' none.out && grep -q '^Results: none.h5' none.out && [ \$(wc -l < none.out) -le 4 ]"
"$bin" info c100.h5 --summary none >inone.out 2>&1; rc=$?
check "info --summary none prints nothing" "[ $rc -eq 0 ] && [ ! -s inone.out ]"
"$bin" info c100.h5 --summary all >bad.out 2>&1; rc=$?
check "info --summary with an unknown mode is refused naming the modes" "[ $rc -ne 0 ] && grep -q 'condensed,full,cycles,none' bad.out"
"$bin" info c100.h5 >info.out 2>&1
check "info's default summary is the same condensed one as run's" "diff <(sed -n '/^Cycles/,/not shown/p' run.out) <(sed -n '/^Cycles/,/not shown/p' info.out)"

# 3. Absolute capacities: file and JSON agree with specific x basis mass to round-off.
"$bin" info c100.h5 --json >c100.json
check "file and JSON: mAh = mAh/g x basis mass, unit attributes machine-readable" "$py - <<'PY'
import json, h5py, numpy as np
f = h5py.File('c100.h5', 'r')
g = f.attrs['capacity_basis_mass_kg'] * 1e3
assert abs(g - 11.5e-3 * 0.785) < 1e-12, g            # 11.5 mg/cm2 x 0.785 cm2
for spec, ab in [('timeseries/capacity', 'timeseries/capacity_abs'), ('steps/capacity', 'steps/capacity_abs'),
                 ('cycles/charge_capacity', 'cycles/charge_capacity_abs'),
                 ('cycles/discharge_capacity', 'cycles/discharge_capacity_abs')]:
    a, s = f[ab][:], f[spec][:]
    assert len(a) == len(s) > 0, ab
    assert np.all(np.abs(a - s * g) <= 4e-16 * np.maximum(np.abs(a), 1e-300)), ab
    assert f[ab].attrs['unit'] == 'mA*h' and f[spec].attrs['unit'] == 'mA*h/g', (ab, f[ab].attrs['unit'])
for ds, u in [('timeseries/current', 'A'), ('timeseries/potential', 'V'), ('timeseries/time', 's'),
              ('steps/end_current', 'A'), ('cycles/coulombic_efficiency', '1')]:
    assert f[ds].attrs['unit'] == u, (ds, f[ds].attrs['unit'])
d = json.load(open('c100.json'))
assert abs(d['capacity_basis_mass_g'] - g) < 1e-15
assert len(d['cycles']) == 100
for c, ch, dis in zip(d['cycles'], f['cycles/charge_capacity_abs'][:], f['cycles/discharge_capacity_abs'][:]):
    assert abs(c['charge_capacity_mAh'] - c['charge_capacity_mAh_g'] * g) <= 1e-9 * c['charge_capacity_mAh'], c
    assert abs(c['discharge_capacity_mAh'] - c['discharge_capacity_mAh_g'] * g) <= 1e-9 * c['discharge_capacity_mAh'], c
    assert abs(c['charge_capacity_mAh'] - ch) <= 1e-9 * ch and abs(c['discharge_capacity_mAh'] - dis) <= 1e-9 * dis
for s in d['steps']:
    assert abs(s['capacity_mAh'] - s['capacity_mAh_g'] * g) <= 1e-9 * abs(s['capacity_mAh']) + 1e-15, s
assert 1.0 < d['cycles'][-1]['discharge_capacity_mAh'] < 2.0, d['cycles'][-1]   # ~1.3 mAh
PY"

# 4. On a real terminal (script fakes one) the progress line appears without --progress;
#    --no-progress and -q keep it off.
if command -v script >/dev/null; then
    short=(--set chemistry.enabled=false --set output.profile_interval=0
           --set 'protocol.steps=[{repeat: 20, steps: ["Charge at C/5 until 4.3 V", "Discharge at C/5 until 2.5 V"]}]')
    script -qec "'$bin' run -o tty.h5 ${short[*]@Q}" /dev/null >tty.out 2>&1
    check "on a terminal, run draws elapsed and ETA" "tr '\r' '\n' <tty.out | grep -qE 'elapsed [0-9]+:[0-9]{2}  ETA'"
    script -qec "'$bin' run -o tty2.h5 --no-progress ${short[*]@Q}" /dev/null >tty2.out 2>&1
    check "--no-progress on a terminal draws nothing" "! grep -q 'ETA' tty2.out && grep -q 'Results: tty2.h5' tty2.out"
    "$bin" run -q --progress -o quiet.h5 "${short[@]}" >quiet.out 2>quiet.err
    check "-q wins over --progress" "[ ! -s quiet.out ] && [ ! -s quiet.err ]"

    # 5. sweep: the line moves while the first case runs (spinner, cases running, elapsed).
    cat >slow_sweep.yaml <<EOF
name: "term test: two slow cases"
base: $src/configs/default.yaml
set:
  - "chemistry.enabled=false"
  - "output.profile_interval=0"
  - 'protocol.steps=[{repeat: 300, steps: ["Charge at C/5 until 4.3 V", "Discharge at C/5 until 2.5 V"]}]'
parameters:
  - key: cell.temperature
    values: ["30 degC", "45 degC"]
EOF
    script -qec "'$bin' sweep slow_sweep.yaml -o sw -j 1" /dev/null >sweep.out 2>&1; rc=$?
    tr '\r' '\n' <sweep.out >sweep.lines
    check "sweep completes" "[ $rc -eq 0 ] && grep -q '2 of 2 cases complete' sweep.lines"
    check "sweep shows progress before the first case ends (0/2 cases, 1 running, elapsed)" \
          "grep -qE '^[|/\\\\-] \[ *\] 0/2 cases  1 running  0 failed  elapsed [0-9]+ s  ETA --' sweep.lines"
    check "the sweep line turns (spinner advances) during the first case" \
          "[ \$(grep -E ' 0/2 cases' sweep.lines | cut -c1 | sort -u | wc -l) -ge 2 ]"
    check "after the first case the sweep ETA is a time" "grep -qE '1/2 cases .* ETA [0-9]+ s' sweep.lines"
else
    echo "skip - script(1) not available: terminal checks"
fi

# 6. cmake --install into a prefix: binaries, materials, docs; the installed binary runs.
inst="$work/inst"
cmake --install "$build" --prefix "$inst" >install.out 2>&1; rc=$?
check "cmake --install --prefix exits 0" "[ $rc -eq 0 ] || { cat install.out; false; }"
check "installs ssbsim and ssbsim-fit" "[ -x '$inst/bin/ssbsim' ] && [ -x '$inst/bin/ssbsim-fit' ]"
check "installs the materials library" "[ -f '$inst/share/ssbsim/materials/NMC532.yaml' ] && [ \$(ls '$inst/share/ssbsim/materials/'*.yaml | wc -l) -eq \$(ls '$src/configs/materials/'*.yaml | wc -l) ]"
check "installs the docs and the README" "[ -f '$inst/share/doc/ssbsim/config.md' ] && [ -f '$inst/share/doc/ssbsim/README.md' ]"
check "nothing outside the prefix (manifest)" "! grep -v \"^$inst/\" '$build/install_manifest.txt' | grep -q ."
(cd / && "$inst/bin/ssbsim" check >"$work/icheck.out" 2>&1); rc=$?
check "the installed ssbsim check runs from anywhere" "[ $rc -eq 0 ] && grep -q 'OK' icheck.out"
"$inst/bin/ssbsim" fit --help >ifit.out 2>&1; rc=$?
check "the installed ssbsim finds the installed ssbsim-fit" "[ $rc -eq 0 ] && grep -qi 'fit' ifit.out"
"$inst/bin/ssbsim" check "$inst/share/ssbsim/default.yaml" >idef.out 2>&1; rc=$?
check "the installed default config checks" "[ $rc -eq 0 ]"

exit $fail
