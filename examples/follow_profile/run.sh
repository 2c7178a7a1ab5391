#!/usr/bin/env bash
# Runs Study A's NMC cell, then the carbon-only control along its potential profile.
#   bash examples/follow_profile/run.sh [path/to/ssbsim]     (from the project root)
# Writes examples/follow_profile/study_a.h5 and follow_profile.h5.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/ssbsim}
"$bin" run "$here/../../configs/studies/study_a.yaml" -o "$here/study_a.h5" --no-progress
"$bin" run "$here/follow_profile.yaml" -o "$here/follow_profile.h5" --no-progress
