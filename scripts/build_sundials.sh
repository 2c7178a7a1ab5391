#!/usr/bin/env bash
# Build an optimised, static-only copy of SUNDIALS 6.4.1 (the release that
# Debian 12 ships as libsundials-dev) from Debian's own source package.
#
# Why: Debian's libsundials is built with CMAKE_BUILD_TYPE=None and
# CMAKE_C_FLAGS=-fcommon, i.e. without any -O flag, which makes IDA slow.
#
# Usage:  scripts/build_sundials.sh [PREFIX]      (default /opt/ssbsim-sundials)
#
# What gets built: IDA, N_Vector serial, SUNMatrix sparse (plus the small
# dense/band matrices and solvers that IDA always pulls in) and the KLU
# SUNLinearSolver (against Debian's libsuitesparse-dev).  Static libraries
# only, -fPIC, -O3, 64-bit sunindextype, double precision -- the same
# configuration as Debian's headers, so code written against them works.
#
# Runs as root on Debian 12 (needs apt).  The only network source is Debian's
# apt archive: a deb-src entry is added in its own file next to the existing
# debian.sources (which is not touched), then `apt-get source sundials`.
#
# Idempotent: if $PREFIX/lib{,64}/libsundials_ida.a exists and the stamp file
# records this version and recipe, it exits at once without output.
# Output is quiet: everything goes to a log file in /tmp, whose tail is printed
# only on failure.
#
# Link line for a consumer (static libs first, dependents before dependencies):
#   -I$PREFIX/include -I/usr/include/suitesparse   (sunlinsol_klu.h includes klu.h)
#   -L$PREFIX/lib
#   -lsundials_ida -lsundials_sunlinsolklu -lsundials_sunmatrixsparse
#   -lsundials_nvecserial -lklu -lamd -lcolamd -lbtf -lsuitesparseconfig -lm
# (CMake: find_package(SUNDIALS 6.4.1 EXACT REQUIRED CONFIG
#          PATHS $PREFIX NO_DEFAULT_PATH), targets SUNDIALS::ida_static, ...)

set -euo pipefail

readonly SUNDIALS_VERSION="6.4.1"
# Bump when the build recipe (flags/options) changes, to force a rebuild.
readonly RECIPE="1"
# Portable optimisation flags: no -march=native, CI runs on another machine.
readonly OPT_FLAGS="-O3"

PREFIX="${1:-/opt/ssbsim-sundials}"
case "$PREFIX" in
  /*) ;;
  *) PREFIX="$(pwd)/$PREFIX" ;;
esac
STAMP="$PREFIX/share/ssbsim-sundials.stamp"

already_installed() {
  [ -f "$STAMP" ] || return 1
  grep -qx "version=$SUNDIALS_VERSION" "$STAMP" || return 1
  grep -qx "recipe=$RECIPE" "$STAMP" || return 1
  [ -f "$PREFIX/lib/libsundials_ida.a" ] || [ -f "$PREFIX/lib64/libsundials_ida.a" ]
}

# Fast, silent path.
if already_installed; then
  exit 0
fi

NAME=sundials
# shellcheck source=scripts/debian_source.sh
source "$(dirname "${BASH_SOURCE[0]}")/debian_source.sh"
source_build_begin

log "building SUNDIALS $SUNDIALS_VERSION into $PREFIX"

# --- 1. deb-src entry (separate file; the original sources are untouched) ---
ensure_deb_src
run apt-get "${APT_OPTS[@]}" update

# --- 2. build tools (only what is missing) ---------------------------------
install_missing cmake make gcc g++ dpkg-dev xz-utils libsuitesparse-dev

# --- 3. source ---------------------------------------------------------------
fetch_source sundials libsundials-dev "$SUNDIALS_VERSION" CMakeLists.txt

# --- 4. configure, build, install -------------------------------------------
BUILD="$WORK/build"
run cmake -S "$SRC" -B "$BUILD" -G "Unix Makefiles" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_C_FLAGS="-fPIC" \
  -DCMAKE_C_FLAGS_RELEASE="$OPT_FLAGS -DNDEBUG" \
  -DBUILD_SHARED_LIBS=OFF \
  -DBUILD_STATIC_LIBS=ON \
  -DSUNDIALS_PRECISION=DOUBLE \
  -DSUNDIALS_INDEX_SIZE=64 \
  -DBUILD_IDA=ON \
  -DBUILD_ARKODE=OFF \
  -DBUILD_CVODE=OFF \
  -DBUILD_CVODES=OFF \
  -DBUILD_IDAS=OFF \
  -DBUILD_KINSOL=OFF \
  -DBUILD_FORTRAN_MODULE_INTERFACE=OFF \
  -DBUILD_BENCHMARKS=OFF \
  -DBUILD_NVECTOR_MANYVECTOR=OFF \
  -DENABLE_MPI=OFF \
  -DENABLE_OPENMP=OFF \
  -DENABLE_PTHREAD=OFF \
  -DENABLE_LAPACK=OFF \
  -DENABLE_PETSC=OFF \
  -DENABLE_HYPRE=OFF \
  -DENABLE_SUPERLUMT=OFF \
  -DENABLE_KLU=ON \
  -DKLU_INCLUDE_DIR=/usr/include/suitesparse \
  -DKLU_LIBRARY_DIR=/usr/lib/x86_64-linux-gnu \
  -DEXAMPLES_ENABLE_C=OFF \
  -DEXAMPLES_ENABLE_CXX=OFF \
  -DEXAMPLES_ENABLE_F2003=OFF \
  -DEXAMPLES_INSTALL=OFF

run make -C "$BUILD" -j2
# Remove a stale stamp first so a half-finished install is never trusted.
rm -f "$STAMP"
run make -C "$BUILD" install

# Sanity checks on what we need.
LIBDIR="$PREFIX/lib"
for lib in ida nvecserial sunmatrixsparse sunlinsolklu; do
  if [ ! -f "$LIBDIR/libsundials_$lib.a" ]; then
    log "missing $LIBDIR/libsundials_$lib.a after install"
    exit 1
  fi
done
if ! grep -q "^#define SUNDIALS_INT64_T 1" "$PREFIX/include/sundials/sundials_config.h" ||
   ! grep -q "^#define SUNDIALS_DOUBLE_PRECISION 1" "$PREFIX/include/sundials/sundials_config.h" ||
   ! grep -q "^#define SUNDIALS_VERSION \"$SUNDIALS_VERSION\"" "$PREFIX/include/sundials/sundials_config.h"; then
  log "installed sundials_config.h does not match 6.4.1 / int64 / double"
  exit 1
fi

mkdir -p "$(dirname "$STAMP")"
{
  echo "version=$SUNDIALS_VERSION"
  echo "recipe=$RECIPE"
  echo "debian_source=$DSC_VERSION"
  echo "opt_flags=$OPT_FLAGS"
  echo "built=$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
} >"$STAMP"
log "done"
echo "build_sundials.sh: SUNDIALS $SUNDIALS_VERSION installed in $PREFIX (log: $LOG)"
