#!/usr/bin/env bash
# Robustness sweep (not in ctest: ~10 min at -j1): Study A at 25..60 degC on 20x20, 40x40
# and 60x60 (cathode x particle) meshes, and Studies B, C, D at their shipped mesh and
# temperature and +-10 degC. One line per run: study, temperature, mesh, ok/FAILED, the
# failure time and the wall time. Exit status 1 if any run failed.
#   scripts/robustness_sweep.sh [SSBSIM_BINARY] [OUT.tsv]
# e.g. scripts/robustness_sweep.sh build/ssbsim /tmp/sweep_after.tsv
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$here/build/ssbsim}"
out="${2:-/dev/stdout}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
printf 'study\ttemperature_degC\tmesh\tstatus\tfailed_at_h\twall_s\n' > "$out"
run() {  # study temperature mesh_label [--set ...]
    local study="$1" temp="$2" mesh="$3"
    shift 3
    local t0 t1 status at
    t0=$(date +%s.%N)
    # ssbsim exits 0 after a solver failure (the result up to it is a result): read its message.
    timeout 1800 nice "$bin" run "$here/configs/studies/$study.yaml" --set "cell.temperature=$temp degC" "$@" \
        --no-output --no-progress --summary none > "$tmp/log" 2>&1
    local rc=$?
    if [ "$rc" -eq 0 ] && ! grep -q 'solver failed\|^ssbsim:' "$tmp/log"; then
        status=ok
        at=""
    else
        status=FAILED
        at=$(grep -o 'failed at t = [^(]*([0-9.]* h)' "$tmp/log" | head -1 | sed 's/.*(\([0-9.]*\) h)/\1/')
        fails=$((fails + 1))
    fi
    t1=$(date +%s.%N)
    printf '%s\t%s\t%s\t%s\t%s\t%.1f\n' "$study" "$temp" "$mesh" "$status" "${at:-}" "$(echo "$t1 - $t0" | bc)" >> "$out"
}
for n in 20 40 60; do
    for T in 25 30 35 38 40 42 45 50 60; do
        run study_a "$T" "${n}x${n}" --set "mesh.cathode=$n" --set "mesh.particle=$n"
    done
done
# B, C, D at their shipped meshes: shipped temperature and +-10 degC.
for spec in study_b:30 study_c:45 study_d:25; do
    study="${spec%%:*}"
    T0="${spec##*:}"
    for dT in -10 0 10; do run "$study" $((T0 + dT)) shipped; done
done
[ "$fails" -eq 0 ]
