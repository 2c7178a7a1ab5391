#!/usr/bin/env bash
# The layers, lowest first. A file in one layer may include and call only its own layer and
# the layers below it:
#   core -> numerics -> params -> models -> run -> io -> analysis -> cli (and python/)
# Usage: check_layers.sh SOURCE_DIR [BUILD_DIR]
#   1. every #include "layer/..." in SOURCE_DIR/<layer>/ points down or sideways;
#   2. no file outside core/config.* and params/ (tests/ excepted) uses yaml-cpp;
#   3. with BUILD_DIR: no layer library (libssbsim_<layer>.a) has an undefined symbol that a
#      higher layer's library defines (a call upward, which would fail to link on its own).
set -u
src=${1:?usage: check_layers.sh SOURCE_DIR [BUILD_DIR]}
build=${2:-}
layers=(core numerics params models run io analysis cli)
rank() { local i; for i in "${!layers[@]}"; do [[ ${layers[$i]} == "$1" ]] && { echo "$i"; return; }; done; echo -1; }
fail=0

for own in "${layers[@]}" python; do
  [[ -d $src/$own ]] || continue
  r_own=$(rank "$own"); [[ $own == python ]] && r_own=${#layers[@]}
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    target=$(sed -E 's/.*#include[[:space:]]*"([^/"]+)\/.*/\1/' <<<"$rest")
    r_t=$(rank "$target")
    if (( r_t > r_own )); then
      echo "layering: ${file#$src/}:$line includes $target/ (layer $target is above $own)"
      fail=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$src/$own" \
             --include='*.cpp' --include='*.hpp' --include='*.h' 2>/dev/null)
done

# 2. Only core/config.* and params/ read or write YAML: no other source includes yaml-cpp
#    or names a YAML:: type (tests/ excepted; they compare against yaml-cpp directly).
while IFS= read -r hit; do
  file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
  rel=${file#$src/}
  case $rel in core/config.*|params/*) continue ;; esac
  echo "layering: $rel:$line uses yaml-cpp (only core/config.* and params/ may; add a params function)"
  fail=1
done < <(for d in "${layers[@]}" python benchmarks examples; do
           [[ -d $src/$d ]] && grep -rnE '#[[:space:]]*include[[:space:]]*<yaml-cpp/|YAML::' "$src/$d" \
             --include='*.cpp' --include='*.hpp' --include='*.h' 2>/dev/null
         done)

if [[ -n $build ]]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  libs=()
  for l in "${layers[@]}"; do
    [[ -f $build/libssbsim_$l.a ]] && libs+=("$l")
  done
  (( ${#libs[@]} >= 2 )) || { echo "layering: no layer libraries in $build"; exit 1; }
  for l in "${libs[@]}"; do
    nm -u "$build/libssbsim_$l.a" 2>/dev/null | awk '$1=="U"{print $2}' | sort -u > "$tmp/$l.undef"
    # Strong definitions only: inline functions and templates (weak) may live anywhere.
    nm -g --defined-only "$build/libssbsim_$l.a" 2>/dev/null | awk 'NF==3 && $2 ~ /^[TDBR]$/ {print $3}' | sort -u > "$tmp/$l.def"
  done
  for i in "${!libs[@]}"; do
    for j in "${!libs[@]}"; do
      (( j > i )) || continue
      up=$(comm -12 "$tmp/${libs[$i]}.undef" "$tmp/${libs[$j]}.def")
      if [[ -n $up ]]; then
        echo "layering: libssbsim_${libs[$i]} calls up into ${libs[$j]}:"
        c++filt <<<"$up" | head -10 | sed 's/^/    /'
        fail=1
      fi
    done
  done
fi
(( fail == 0 )) && echo "layering: ok (${layers[*]})"
exit $fail
