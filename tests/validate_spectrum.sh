#!/usr/bin/env bash
# Issue 14, measured spectra: `ssbsim validate CONFIG --data SPECTRUM` on the EC-Lab PEIS
# fixture and its CSV twin. The RMSE and arc widths it prints and writes are recomputed here
# from the simulated spectrum in its result file and the fixture's columns; bad spectra
# (an empty or negative frequency range, a missing column) exit 2 naming file, line, column.
# Usage: validate_spectrum.sh PATH/TO/ssbsim SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
data=$src/tests/data/spectra
# The Study A cell at rest (one short rest, then the EIS step validate adds over the
# measured range): a spectrum at once, no cycling.
"$bin" check --print --set 'protocol.steps=["Rest for 1 minute"]' >cell.yaml
val() { timeout 120 "$bin" validate cell.yaml --no-plot -j 1 "$@"; }

for f in rc_peis.mpt rc_spectrum.csv; do
  val --data "$data/$f" -o "v_$f" >"$f.out" 2>"$f.err"; rc=$?
  check "$f: validate exits 0" "[ $rc -eq 0 ]"
  check "$f: its RMSE and arc widths are the recomputed ones" "$py - v_$f $data/$f $f.out <<'PY'
import json, math, re, sys
import h5py, numpy as np
out, path, printed = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
d = json.load(open(out + '/comparison.json'))
# The measured columns (EC-Lab: tab-separated after its header lines; CSV: comma-separated).
rows = []
for line in open(path, encoding='latin-1'):
    parts = re.split(r'[\t,]', line.strip())
    try:
        rows.append([float(p) for p in parts[:3]])
    except ValueError:
        continue
m = np.array(rows)
fm, zr = m[:, 0], m[:, 1]
zi = -m[:, 2] if path.endswith('.mpt') else m[:, 2]  # EC-Lab writes -Im(Z)
with h5py.File(out + '/simulation_1.h5', 'r') as h:
    g = h['impedance'][sorted(h['impedance'].keys())[-1]]
    fs, sr, si = g['frequency'][()], g['z_real'][()], g['z_imag'][()]  # [Hz], [ohm]
# RMSE of log10|Z| and of the phase, the simulation interpolated linearly in log10 f.
lf = np.log10(fs[::-1])
lm = np.interp(np.log10(fm), lf, np.log10(np.hypot(sr, si))[::-1])
ph = np.interp(np.log10(fm), lf, np.arctan2(si, sr)[::-1])
inside = (fm <= fs.max() * (1 + 1e-12)) & (fm >= fs.min() * (1 - 1e-12))
dm = (lm - np.log10(np.hypot(zr, zi)))[inside]
dp = np.degrees(ph - np.arctan2(zi, zr))[inside]
assert d['points'] == int(inside.sum()) == 25, (d['points'], inside.sum())
assert math.isclose(d['rmse_log10_modulus'], math.sqrt(np.mean(dm ** 2)), rel_tol=1e-9), d
assert math.isclose(d['rmse_phase_deg'], math.sqrt(np.mean(dp ** 2)), rel_tol=1e-9), d
def arc(f, re_, im):  # io/spectra.cpp arc_width, frequencies descending
    o = np.argsort(-f); re_, im = re_[o], -im[o]
    if not (im > 0).any(): return 0.0
    end = len(im) - 1
    if im[-1] > im[-2]:
        for k in range(1, len(im) - 1):
            if im[k] < im[k - 1] and im[k] <= im[k + 1]: end = k
    return re_[end] - re_[0]
assert math.isclose(d['arc_width_simulated_ohm'], arc(fs, sr, si), rel_tol=1e-9), d
assert math.isclose(d['arc_width_measured_ohm'], arc(fm, zr, zi), rel_tol=1e-9), d
assert abs(d['arc_width_measured_ohm'] - 50.0) < 3.0, d  # the fixture: 10 ohm + 50 ohm || 10 uF
# What it prints: the same figures to 4 digits.
p = re.search(r'(\d+) points, RMSE log10\|Z\| (\S+) decades, RMSE phase (\S+) deg, arc width simulated (\S+) ohm, measured (\S+) ohm', printed)
assert p, printed
for got, key in zip(p.groups()[1:], ['rmse_log10_modulus', 'rmse_phase_deg', 'arc_width_simulated_ohm', 'arc_width_measured_ohm']):
    assert math.isclose(float(got), d[key], rel_tol=1e-3), (got, key, d[key])
PY"
done
check "the .mpt and the CSV fixture give the same comparison" "$py - <<'PY'
import json
a, b = (json.load(open(f'v_{f}/comparison.json')) for f in ('rc_peis.mpt', 'rc_spectrum.csv'))
for k in ('points', 'rmse_log10_modulus', 'rmse_phase_deg', 'arc_width_measured_ohm'):
    assert abs(a[k] - b[k]) <= 1e-5 * max(1, abs(a[k])), (k, a[k], b[k])
PY"

# Bad spectra: exit 2, file:line:column in the message, no result written.
bad() {  # name, file text, expected message part
  printf "$2" >"$1"
  val --data "$1" -o "bad_$1" >"$1.out" 2>"$1.err"; rc=$?
  check "$1: exits 2 and names '$3'" "[ $rc -eq 2 ] && grep -q -- \"$3\" $1.err"
}
bad one_frequency.csv 'frequency,Z'"'"',Z'"''"'\n1000,1,-1\n' "one_frequency.csv:2: column 'frequency'"
bad header_only.csv 'frequency,Z'"'"',Z'"''"'\n' "header_only.csv:1: column 'frequency'"
bad same_frequency.csv 'frequency,Z'"'"',Z'"''"'\n1000,1,-1\n1000,2,-1\n' "same_frequency.csv:3: column 'frequency'.*no range"
bad negative.csv 'frequency,Z'"'"',Z'"''"'\n1000,1,-1\n-5,1,-1\n' "negative.csv:3"
bad zero.csv 'frequency,Z'"'"',Z'"''"'\n1000,1,-1\n0,1,-1\n' "zero.csv:3"
cp "$data/missing_column.csv" missing_column.csv
val --data missing_column.csv -o bad_missing >missing.out 2>missing.err; rc=$?
check "missing column: exits 2 and names file:1 and Z''" "[ $rc -eq 2 ] && grep -q \"missing_column.csv:1\" missing.err && grep -q \"Z''\" missing.err"
exit $fail
