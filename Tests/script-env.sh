# The set-up of the shell tests that run make, install or pkg-config,
# sourced after `name=NAME`: $root is the package and the working
# directory, $tmp a directory (swifttce-NAME.*) removed on exit, $log a file
# in it, and TAP (tap.sh) shows $log on a failure. The script may run under
# `make check`: that make's jobserver and the caller's PKG_CONFIG_PATH are
# not for the makes and pkg-configs it runs itself.
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-$name.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES PKG_CONFIG_PATH
log="$tmp/log"
: >"$log"
. "$root/Tests/tap.sh"
tap_log=$log
