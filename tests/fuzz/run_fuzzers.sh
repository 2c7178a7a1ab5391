#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (build-fuzz/) and runs each for a while.
#
#   bash tests/fuzz/run_fuzzers.sh [SECONDS_PER_HARNESS] [HARNESS...]
#
# Seeds come from configs/, tests/data/ and tests/fuzz/seeds/; the growing corpus stays in
# build-fuzz/corpus/<harness>/. A crash, timeout or out-of-memory input is copied into
# tests/fuzz/findings/<harness>/, where the normal build's CTest replays it once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(config set quantity import)

if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSSBSIM_FUZZ=ON -DSSBSIM_BUILD_TESTS=OFF -DSSBSIM_BUILD_BENCHMARKS=OFF >/dev/null
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("ssbsim_fuzz_$h"); done
cmake --build build-fuzz -j2 --target "${targets[@]}" >/dev/null

seed() {  # harness -> seed corpus directory
  local h=$1 dir=build-fuzz/corpus/$1
  mkdir -p "$dir"
  case $h in
    config) cp configs/*.yaml configs/studies/*.yaml configs/materials/*.yaml tests/data/sweep_small.yaml "$dir"/ ;;
    set) cp tests/fuzz/seeds/set/* "$dir"/ ;;
    quantity) cp tests/fuzz/seeds/quantity/* "$dir"/ ;;
    import)  # the first byte picks the reader: even = CSV, odd = .mpt
      for f in tests/data/measured/* configs/data/*/*.csv; do
        [ -f "$f" ] || continue
        case $f in *.mpt) b='\001' ;; *) b='\000' ;; esac
        { printf "$b"; cat "$f"; } > "$dir/$(basename "$f").seed"
      done ;;
  esac
  cp tests/fuzz/findings/"$h"/* "$dir"/ 2>/dev/null || true
  echo "$dir"
}

for h in "${harnesses[@]}"; do
  dir=$(seed "$h")
  art=build-fuzz/artifacts/$h/
  mkdir -p "$art"
  echo "== $h: ${seconds} s"
  set +e
  build-fuzz/tests/fuzz/ssbsim_fuzz_$h "$dir" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$art" \
    2> "build-fuzz/fuzz_$h.log"
  rc=$?
  set -e
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|Done [0-9]+ runs" "build-fuzz/fuzz_$h.log" || true
  found=$(ls "$art" 2>/dev/null | wc -l)
  echo "== $h: exit $rc, $found finding(s) in $art"
  [ "$found" -gt 0 ] && cp "$art"/* tests/fuzz/findings/"$h"/
done
