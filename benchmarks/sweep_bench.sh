#!/usr/bin/env bash
# Sweeps on this machine (issue 12): 10-case and 100-case 2.0 V hold sweeps of Study A with
# and without shared protocol prefixes (share_prefix: auto / off) at -j 1 and -j 2, each
# from a fresh process into a fresh directory, the variants alternated R times (the machine
# is shared and noisy: medians, and the same load for every variant); the peak memory of a
# worker; and the acceptance test of #12: the Study A hold-duration sweep of
# examples/hold_sweep with -j 1 against one full run of its longest case (132 h hold).
# readout: one run of the longest hold, read out at each duration (docs/sweeps.md). The
# acceptance pair is also given in CPU time (user + sys), which a loaded machine disturbs less.
# Usage: benchmarks/sweep_bench.sh [build/ssbsim] [R (default 3)] [--no-100]
# BEFORE=path/to/older/ssbsim adds the same sweeps (without the share_prefix key, which an
# older build does not know) run by that binary, alternated with the others: before/after.
set -eu
bin=$(cd "$(dirname "${1:-build/ssbsim}")" && pwd)/$(basename "${1:-build/ssbsim}")
reps=${2:-3}
big=1; [ "${3:-}" = "--no-100" ] && big=0
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3

make_sweep() {  # N SHARE -> $work/sweep_N_SHARE.yaml
  local n=$1 share=$2
  local values
  values=$($py -c "n=$n; print(', '.join(str(round(0.5 + 131.5 * k / max(1, n - 1), 3)) for k in range(n)))")
  cat >"$work/sweep_${n}_${share}.yaml" <<YAML
name: "benchmark: $n-case 2.0 V hold sweep, share_prefix $share"
base: $src/configs/studies/study_a.yaml
share_prefix: $share
set: ["protocol.steps.2=Discharge at C/50 until 2.0 V", "output.profile_interval=0"]
parameters:
  - key: protocol.steps.3
    template: "Hold at 2.0 V for {} hours"
    values: [$values]
YAML
}

# Wall seconds of one command (fresh process), appended to $work/t_KEY; the peak RSS [kB]
# to $work/rss_KEY; its CPU seconds (user + sys, the workers included: less sensitive to
# the load of a shared machine than the wall time) to $work/cpu_KEY.
timed() {
  local key=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M %U %S" -o "$work/rss_once" "$@" >/dev/null
  t1=$(date +%s.%N)
  $py -c "print($t1 - $t0)" >>"$work/t_$key"
  awk '{print $1}' "$work/rss_once" >>"$work/rss_$key"
  awk '{print $2 + $3}' "$work/rss_once" >>"$work/cpu_$key"
}

sizes="10"; [ $big -eq 1 ] && sizes="10 100"
for n in $sizes; do
  for share in auto off readout; do make_sweep "$n" "$share"; done
  grep -v '^share_prefix:' "$work/sweep_${n}_off.yaml" >"$work/sweep_${n}_before.yaml"
done
before=${BEFORE:-}
grep -v '^share_prefix:' "$src/examples/hold_sweep/hold_sweep.yaml" |
  sed "s|base: ../../configs|base: $src/configs|" >"$work/hold_before.yaml"
# The acceptance pair: the example sweep as shipped (share_prefix: auto by default) and its
# longest case alone, as `ssbsim run` writes it.
longest=(run "$src/configs/studies/study_a.yaml" -q -o "$work/longest.h5"
         --set "protocol.steps.2=Discharge at C/50 until 2.0 V" --set "output.profile_interval=0"
         --set "protocol.steps.3=Hold at 2.0 V for 132 hours")
for r in $(seq "$reps"); do
  timed accept_run "$bin" "${longest[@]}"
  rm -rf "$work/hold"
  timed accept_sweep "$bin" sweep "$src/examples/hold_sweep/hold_sweep.yaml" -o "$work/hold" -j 1 -q
  for share in off auto; do  # the example with the other settings
    sed "s/^share_prefix: .*/share_prefix: $share/" "$src/examples/hold_sweep/hold_sweep.yaml" |
      sed "s|base: ../../configs|base: $src/configs|" >"$work/hold_$share.yaml"
    rm -rf "$work/hold_$share"
    timed "accept_sweep_$share" "$bin" sweep "$work/hold_$share.yaml" -o "$work/hold_$share" -j 1 -q
  done
  if [ -n "$before" ]; then
    rm -rf "$work/hold_b"
    timed accept_sweep_before "$before" sweep "$work/hold_before.yaml" -o "$work/hold_b" -j 1 -q
    # The example as shipped, when the older binary knows share_prefix (readout, as above).
    rm -rf "$work/hold_bs"
    if [ ! -f "$work/before_shipped_tried" ]; then  # an untimed try in the first repetition
      touch "$work/before_shipped_tried"
      "$before" sweep "$src/examples/hold_sweep/hold_sweep.yaml" -o "$work/hold_bs" -j 1 -q >/dev/null 2>&1 &&
        touch "$work/before_shipped_ok"
    fi
    if [ -f "$work/before_shipped_ok" ]; then
      rm -rf "$work/hold_bs"
      timed accept_sweep_before_shipped "$before" sweep "$src/examples/hold_sweep/hold_sweep.yaml" -o "$work/hold_bs" -j 1 -q
    fi
    timed accept_run_before "$before" "${longest[@]}"
  fi
  for n in $sizes; do for j in 1 2; do
    for share in auto off readout; do
      rm -rf "$work/out"
      timed "${n}_${share}_j$j" "$bin" sweep "$work/sweep_${n}_${share}.yaml" -o "$work/out" -j "$j" -q
    done
    if [ -n "$before" ]; then
      rm -rf "$work/out"
      timed "${n}_before_j$j" "$before" sweep "$work/sweep_${n}_before.yaml" -o "$work/out" -j "$j" -q
    fi
  done; done
done

$py - "$work" "$sizes" "$reps" "$before" <<'PY'
import os, statistics, sys
work, sizes, reps, before = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
def t(key): return statistics.median(float(x) for x in open(f"{work}/t_{key}"))
def rss(key): return max(int(x) for x in open(f"{work}/rss_{key}"))
def cpu(key): return statistics.median(float(x) for x in open(f"{work}/cpu_{key}"))
print(f"medians of {reps} alternated runs, wall seconds from a fresh process")
print("| sweep | -j | share_prefix off | auto (shared prefix) | readout | speed-up auto / readout |")
print("|---|---|---|---|---|---|")
for n in sizes:
    for j in (1, 2):
        off, auto, ro = t(f"{n}_off_j{j}"), t(f"{n}_auto_j{j}"), t(f"{n}_readout_j{j}")
        print(f"| {n} cases | {j} | {off:.2f} s | {auto:.2f} s | {ro:.2f} s | {off / auto:.2f}x / {off / ro:.2f}x |")
if before:
    print(f"before ({before}, same sweeps without share_prefix):")
    for n in sizes:
        print(f"  {n} cases: -j1 {t(f'{n}_before_j1'):.2f} s, -j2 {t(f'{n}_before_j2'):.2f} s")
    print(f"  examples/hold_sweep without share_prefix (auto) -j 1: {t('accept_sweep_before'):.3f} s "
          f"(ratio to the longest case alone {t('accept_sweep_before') / t('accept_run'):.2f})")
    if os.path.exists(f"{work}/t_accept_sweep_before_shipped"):
        b, br = t("accept_sweep_before_shipped"), t("accept_run_before")
        print(f"  examples/hold_sweep as shipped -j 1: {b:.3f} s, its longest case alone {br:.3f} s: ratio {b / br:.2f}; "
              f"in CPU time {cpu('accept_sweep_before_shipped'):.3f} s vs {cpu('accept_run_before'):.3f} s: "
              f"ratio {cpu('accept_sweep_before_shipped') / cpu('accept_run_before'):.2f}")
for n in sizes:
    print(f"{n} cases, parallel efficiency -j2 vs -j1: off {50 * t(f'{n}_off_j1') / t(f'{n}_off_j2'):.0f} %, "
          f"auto {50 * t(f'{n}_auto_j1') / t(f'{n}_auto_j2'):.0f} %; "
          f"peak RSS (largest process) off {rss(f'{n}_off_j1')} kB, auto {rss(f'{n}_auto_j1')} kB")
run, sweep = t("accept_run"), t("accept_sweep")
off, auto = t("accept_sweep_off"), t("accept_sweep_auto")
print(f"acceptance (examples/hold_sweep as shipped, share_prefix: readout, 7 cases, -j 1): sweep {sweep:.3f} s, "
      f"longest case alone {run:.3f} s: ratio {sweep / run:.2f} (target <= 2); the same sweep with "
      f"share_prefix auto {auto:.3f} s (ratio {auto / run:.2f}), off {off:.3f} s (ratio {off / run:.2f})")
crun, csweep = cpu("accept_run"), cpu("accept_sweep")
if crun > 0:
    print(f"acceptance in CPU time (user + sys, medians): sweep {csweep:.3f} s, longest case alone {crun:.3f} s: "
          f"ratio {csweep / crun:.2f}; peak RSS sweep {rss('accept_sweep')} kB, longest case {rss('accept_run')} kB")
PY
