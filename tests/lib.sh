# The preamble the command-line test scripts share; source it with the script's arguments:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
# $1 the ssbsim binary, $2 the source tree. It leaves the shell in a scratch directory that
# is removed on exit, `check NAME CONDITION` (prints ok/FAIL, sets fail=1) and $py.
set -u
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
check() { if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi; }
py=/usr/bin/python3
