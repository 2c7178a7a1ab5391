#!/usr/bin/env bash
# Installs what ssbsim needs on Debian 12 (as root), builds an optimised SUNDIALS and a
# static C-only HDF5 from Debian's source packages, then configures and builds ssbsim in
# ./build.
# Idempotent and quiet when everything is already there.
#
# Usage: scripts/setup.sh [--no-build] [--fuzz]
#   --fuzz  also installs clang-14 and its sanitizer runtimes for tests/fuzz/run_fuzzers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
no_build=0
fuzz=0
for a in "$@"; do
  case $a in
    --no-build) no_build=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "setup.sh: unknown option '$a' (expected --no-build or --fuzz)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake git pkg-config dpkg-dev procps
  libsuitesparse-dev libeigen3-dev libyaml-cpp-dev libhdf5-dev libgtest-dev libcli11-dev libceres-dev nlohmann-json3-dev
  zlib1g-dev libaec-dev
  python3 python3-h5py python3-matplotlib python3-numpy python3-yaml
  python3-dev pybind11-dev python3-pandas python3-pytest python3-nbclient python3-nbformat python3-ipykernel
)
[ $fuzz -eq 1 ] && packages+=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q update >/tmp/ssbsim-apt.log 2>&1 || { tail -20 /tmp/ssbsim-apt.log; exit 1; }
  apt-get -y -q install --no-install-recommends "${missing[@]}" >>/tmp/ssbsim-apt.log 2>&1 \
    || { tail -30 /tmp/ssbsim-apt.log; exit 1; }
fi

# Debian's libsundials is compiled without optimisation; build the same release with -O3.
# If that build fails (no deb-src reachable, say), fall back to Debian's binary package:
# slower, same API.
if [ "$(id -u)" -eq 0 ]; then
  if ! bash scripts/build_sundials.sh /opt/ssbsim-sundials; then
    echo "setup.sh: optimised SUNDIALS build failed; using Debian's libsundials-dev (slower)"
    dpkg-query -W -f='${Status}' libsundials-dev 2>/dev/null | grep -q "install ok installed" \
      || apt-get -y -q install --no-install-recommends libsundials-dev >>/tmp/ssbsim-apt.log 2>&1 \
      || { tail -30 /tmp/ssbsim-apt.log; exit 1; }
  fi
fi

# Debian's libhdf5 links libcurl (its S3 driver) and with it ~30 shared libraries that
# every ssbsim process maps at start; build HDF5's C library alone, static, from the same
# source package (zlib1g-dev and libaec-dev above give its filters). CMake takes it from
# /opt/ssbsim-hdf5 when present, else Debian's libhdf5-dev (above): same API and files.
if [ "$(id -u)" -eq 0 ]; then
  if ! bash scripts/build_hdf5.sh /opt/ssbsim-hdf5; then
    echo "setup.sh: static HDF5 build failed; using Debian's libhdf5-dev (slower start-up)"
  fi
fi

[ $no_build -eq 1 ] && exit 0
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/tmp/ssbsim-cmake.log 2>&1 \
  || { tail -30 /tmp/ssbsim-cmake.log; exit 1; }
cmake --build build -j2 >/tmp/ssbsim-build.log 2>&1 || { grep -E "error|Error" -A3 /tmp/ssbsim-build.log | head -60; exit 1; }
# The Python package: Debian's python3 finds the build tree's copy (build/python/ssbsim)
# through a .pth file in its /usr/local site directory, so `import ssbsim` works at once
# and follows every rebuild (`cmake --install build` installs a fixed copy instead).
if [ -d build/python/ssbsim ] && [ -x /usr/bin/python3 ] && [ "$(id -u)" -eq 0 ]; then
  site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  mkdir -p "$site"
  echo "$PWD/build/python" >"$site/ssbsim-build.pth"
fi
echo "setup.sh: built build/ssbsim"
