#!/usr/bin/env bash
# Build a small, static-only copy of HDF5 1.10.8's C library (the release that Debian 12
# ships as libhdf5-dev) from Debian's own source package.
#
# Why: Debian's libhdf5 is built with the ROS3 (read-only S3) driver, so it links libcurl
# and, through it, ~30 more shared libraries (gnutls, krb5, ldap, ssh2, ...) that every
# ssbsim process maps and relocates at start-up although it never opens a URL.  This copy
# has only what ssbsim and its result files need.
#
# Usage:  scripts/build_hdf5.sh [PREFIX]      (default /opt/ssbsim-hdf5)
#
# What gets built: libhdf5.a (C library only: no Fortran, C++, Java, high-level library,
# tools, tests or examples; no ROS3/HDFS/direct/mirror drivers, no MPI, no thread-safety),
# with Debian's choices where they matter for files and API: the deflate (zlib) and szip
# (libaec) filters, the v1.8 default API mapping (--with-default-api-version=v18, as
# Debian), deprecated symbols kept.  Production mode (-O3), -fPIC so the Python module can
# link it; no -march=native (CI runs on another machine).
#
# Runs as root on Debian 12 (needs apt).  The only network source is Debian's apt archive:
# a deb-src entry is added in its own file next to the existing debian.sources (which is
# not touched), then `apt-get source hdf5`.
#
# Idempotent: if $PREFIX/lib/libhdf5.a exists and the stamp file records this version and
# recipe, it exits at once without output.  Output is quiet: everything goes to a log file
# in /tmp, whose tail is printed only on failure.
#
# Link line for a consumer (static libs first, dependents before dependencies):
#   -I$PREFIX/include  $PREFIX/lib/libhdf5.a  -lsz -laec -lz -ldl -lm
# (the top-level CMakeLists.txt does this when $PREFIX/lib/libhdf5.a exists, taking
# Debian's static libsz.a, libaec.a and libz.a).

set -euo pipefail

readonly HDF5_VERSION="1.10.8"
# Bump when the build recipe (flags/options) changes, to force a rebuild.
readonly RECIPE="1"

PREFIX="${1:-/opt/ssbsim-hdf5}"
case "$PREFIX" in
  /*) ;;
  *) PREFIX="$(pwd)/$PREFIX" ;;
esac
STAMP="$PREFIX/share/ssbsim-hdf5.stamp"

already_installed() {
  [ -f "$STAMP" ] || return 1
  grep -qx "version=$HDF5_VERSION" "$STAMP" || return 1
  grep -qx "recipe=$RECIPE" "$STAMP" || return 1
  [ -f "$PREFIX/lib/libhdf5.a" ] && [ -f "$PREFIX/include/hdf5.h" ]
}

# Fast, silent path.
if already_installed; then
  exit 0
fi

NAME=hdf5
# shellcheck source=scripts/debian_source.sh
source "$(dirname "${BASH_SOURCE[0]}")/debian_source.sh"
INSTALLING=0
START=$SECONDS
# A half-finished install must not look like one to CMake (which tests libhdf5.a).
on_failure() {
  if [ "$INSTALLING" -eq 1 ]; then rm -f "$PREFIX/lib/libhdf5.a"; fi
}
source_build_begin

log "building HDF5 $HDF5_VERSION into $PREFIX"

# --- 1. deb-src entry (separate file, shared with build_sundials.sh) -------------------
ensure_deb_src
# Only when apt does not know the source package yet (build_sundials.sh usually updated).
if ! apt-cache showsrc hdf5 2>/dev/null | grep -q '^Package: hdf5'; then
  run apt-get "${APT_OPTS[@]}" update
fi

# --- 2. build tools and the filter libraries (only what is missing) --------------------
# zlib1g-dev and libaec-dev give the deflate and szip filters (static libz.a, libsz.a,
# libaec.a, all -fPIC on Debian); setup.sh installs them too.
install_missing make gcc dpkg-dev xz-utils zlib1g-dev libaec-dev

# --- 3. source ---------------------------------------------------------------------------
fetch_source hdf5 libhdf5-dev "$HDF5_VERSION" configure

# --- 4. configure, build, install (the src/ directory only) -----------------------------
BUILD="$WORK/build"
mkdir -p "$BUILD"
cd "$BUILD"
run env CFLAGS="-fPIC" "$SRC/configure" \
  --prefix="$PREFIX" --libdir="$PREFIX/lib" \
  --disable-shared --enable-static --with-pic \
  --enable-build-mode=production \
  --disable-fortran --disable-cxx --disable-java --disable-hl --disable-hltools \
  --disable-tests --disable-tools --disable-doxygen \
  --disable-parallel --disable-threadsafe \
  --disable-ros3-vfd --disable-direct-vfd --disable-mirror-vfd \
  --with-zlib --with-szlib \
  --with-default-api-version=v18 \
  --disable-dependency-tracking
# Refuse a configuration that would link curl/OpenSSL or MPI after all.
if grep -qE '^#define H5_HAVE_(ROS3_VFD|LIBCURL|LIBCRYPTO|PARALLEL|THREADSAFE) 1' src/H5pubconf.h; then
  log "configure enabled ROS3/curl/crypto/MPI/thread-safety despite the options"
  exit 1
fi
for f in H5_HAVE_FILTER_DEFLATE H5_HAVE_FILTER_SZIP; do
  if ! grep -qE "^#define $f 1" src/H5pubconf.h; then
    log "configure did not enable $f"
    exit 1
  fi
done
run nice make -C src -j2
# Remove a stale stamp first so a half-finished install is never trusted.
rm -f "$STAMP"
INSTALLING=1
run make -C src install
# libtool's .la file would drag absolute paths into some consumers; CMake does not need it.
rm -f "$PREFIX/lib/libhdf5.la"

# Sanity checks on what we need.
if [ ! -f "$PREFIX/lib/libhdf5.a" ] || [ ! -f "$PREFIX/include/hdf5.h" ]; then
  log "missing $PREFIX/lib/libhdf5.a or $PREFIX/include/hdf5.h after install"
  exit 1
fi
if ! grep -q "^#define H5_VERSION \"$HDF5_VERSION\"" "$PREFIX/include/H5pubconf.h"; then
  log "installed H5pubconf.h is not HDF5 $HDF5_VERSION"
  exit 1
fi

mkdir -p "$(dirname "$STAMP")"
{
  echo "version=$HDF5_VERSION"
  echo "recipe=$RECIPE"
  echo "debian_source=$DSC_VERSION"
  echo "build_seconds=$((SECONDS - START))"
  echo "built=$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
} >"$STAMP"
INSTALLING=0
log "done in $((SECONDS - START)) s"
echo "build_hdf5.sh: HDF5 $HDF5_VERSION installed in $PREFIX in $((SECONDS - START)) s (log: $LOG)"
