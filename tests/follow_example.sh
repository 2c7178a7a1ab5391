#!/usr/bin/env bash
# examples/follow_profile: Study A's NMC cell, then the carbon-only control along its
# recorded potential in one follow step; the control's potential is the NMC cell's at every
# sample (to the solver's tolerance: samples are IDA's interpolant between its steps).
#   bash tests/follow_example.sh path/to/ssbsim SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run "$src/configs/studies/study_a.yaml" -o "$tmp/study_a.h5" -q
# The example as shipped, beside a copy of its profile (its relative path is the point).
cp "$src/examples/follow_profile/follow_profile.yaml" "$tmp/"
sed -i "s|^extends: .*|extends: $src/configs/studies/study_a_carbon_only.yaml|" "$tmp/follow_profile.yaml"
"$bin" run "$tmp/follow_profile.yaml" -o "$tmp/follow.h5" -q
"$bin" info "$tmp/follow.h5" --json > "$tmp/info.json"
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
import h5py, numpy as np
d = sys.argv[1]
info = json.load(open(d + "/info.json"))
assert info["status"] == "complete", info["status"]
assert len(info["steps"]) == 1, len(info["steps"])
step = info["steps"][0]
assert step["end_reason"] == "duration", step["end_reason"]
a = h5py.File(d + "/study_a.h5", "r")
ta, va = a["timeseries/time"][:], a["timeseries/potential"][:]
f = h5py.File(d + "/follow.h5", "r")
tf, vf = f["timeseries/time"][:], f["timeseries/potential"][:]
assert abs(tf[-1] - ta[-1]) < 1e-6 * ta[-1], (tf[-1], ta[-1])
jumps = ta[1:][np.diff(ta) == 0]
keep = np.array([jumps.size == 0 or np.min(np.abs(jumps - t)) > 1e-6 for t in tf])
err = np.abs(vf - np.interp(tf, ta, va))[keep]
# IDA's local error test on the potential: rtol 1e-6 x ~4 V, times a few for the interpolant.
assert err.max() < 5e-5, err.max()
print("follow example: %d samples, max |V - V_profile| = %.2e V" % (tf.size, err.max()))
PY
