# Shared steps of the scripts that build a library from Debian's own source package
# (build_sundials.sh, build_hdf5.sh). Sourced, not run. The caller defines NAME (for
# messages, log and lock file names) and a function already_installed, then calls
#   source_build_begin     quiet log in /tmp, root check, lock, failure report
#   ensure_deb_src         a deb-src entry in its own file (the original sources untouched)
#   install_missing PKG..  apt-get install of what is not installed yet
#   fetch_source SRCPKG DEVPKG VERSION CHECKFILE
#                          apt-get source into $WORK; sets SRC and DSC_VERSION
# and uses log / run for everything else. A caller may define on_failure (run before the
# report when the script fails, e.g. to remove a half-finished install).
# Everything goes to $LOG, whose tail is printed only on failure.

log() { echo "== $(date '+%H:%M:%S') $*" >>"$LOG"; }
# Run a command with all output to the log.
run() {
  log "\$ $*"
  "$@" >>"$LOG" 2>&1
}

source_build_exit() {
  local rc=$?
  if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
    rm -rf "$WORK"
  fi
  if [ "$rc" -ne 0 ]; then
    if declare -F on_failure >/dev/null; then on_failure; fi
    {
      echo "build_$NAME.sh: FAILED (exit $rc); last lines of $LOG:"
      tail -n 40 "$LOG"
    } >&2
  fi
  exit "$rc"
}

source_build_begin() {
  LOG="$(mktemp "/tmp/ssbsim-build-$NAME.XXXXXX.log")"
  WORK=""
  trap source_build_exit EXIT
  if [ "$(id -u)" -ne 0 ]; then
    echo "build_$NAME.sh: must run as root (needs apt-get)" >"$LOG"
    exit 1
  fi
  # Serialise concurrent runs (e.g. two set-up steps at once), then re-check.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"/tmp/ssbsim-build-$NAME.lock"
    flock 9
    if already_installed; then
      trap - EXIT
      exit 0
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-y -q -o Dpkg::Use-Pty=0)
}

ensure_deb_src() {
  local sources=/etc/apt/sources.list.d/ssbsim-deb-src.sources
  local list=/etc/apt/sources.list.d/ssbsim-deb-src.list
  if [ ! -f "$sources" ] && [ ! -f "$list" ]; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      # deb822: same stanzas (URIs, suites, keyring), Types switched to deb-src.
      sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$sources"
      log "added $sources"
    elif [ -f /etc/apt/sources.list ] && grep -qE '^deb[[:space:]]' /etc/apt/sources.list; then
      # Old one-line format.
      sed -nE 's/^deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list >"$list"
      log "added $list"
    else
      log "no Debian apt source found to derive a deb-src entry from"
      exit 1
    fi
  fi
}

install_missing() {
  local need=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      need+=("$p")
    fi
  done
  if [ "${#need[@]}" -gt 0 ]; then
    run apt-get "${APT_OPTS[@]}" install --no-install-recommends "${need[@]}"
  fi
}

# fetch_source SRCPKG DEVPKG VERSION CHECKFILE: the Debian revision whose headers (DEVPKG)
# are installed if any, else the archive's; refuses another upstream VERSION.
fetch_source() {
  local srcpkg=$1 devpkg=$2 version=$3 check=$4 deb_ver
  WORK="$(mktemp -d "/tmp/ssbsim-$NAME-src.XXXXXX")"
  chmod 755 "$WORK"
  # Let apt's unprivileged download user write here (avoids the "unsandboxed" warning).
  if id _apt >/dev/null 2>&1; then chown _apt "$WORK"; fi
  cd "$WORK"
  deb_ver="$(dpkg-query -W -f='${Version}' "$devpkg" 2>/dev/null || true)"
  if [ -z "$deb_ver" ] || ! run apt-get "${APT_OPTS[@]}" source "$srcpkg=$deb_ver"; then
    run apt-get "${APT_OPTS[@]}" source "$srcpkg"
  fi
  SRC="$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name "$srcpkg-*" | head -n 1)"
  if [ -z "$SRC" ] || [ ! -e "$SRC/$check" ]; then
    log "apt-get source did not produce a $srcpkg-* source tree"
    exit 1
  fi
  DSC_VERSION="$(sed -n 's/^Version: //p' "$WORK"/"${srcpkg}"_*.dsc | head -n 1)"
  log "Debian source version: $DSC_VERSION"
  case "$DSC_VERSION" in
    "$version"+*|"$version"-*) ;;
    *)
      log "expected upstream $srcpkg $version, got '$DSC_VERSION'"
      exit 1
      ;;
  esac
}
