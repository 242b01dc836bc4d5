#!/bin/sh
# TAP: every Swift module built with strict memory safety (Package.swift's
# .strictMemorySafety() targets) argues its unsafe code where it is
# (tools/safety/unsafe-notes.awk), and the check finds what is not.
set -u
ROOT=$(dirname "$0")/..
AWK_PROG=$ROOT/tools/safety/unsafe-notes.awk
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
. "$(dirname "$0")/tap.sh"

modules=$(sed -n 's/.*\.target(name: "\([A-Za-z]*\)".*strictMemorySafety.*/\1/p' "$ROOT/Package.swift")
[ -n "$modules" ]
tap $? "Package.swift names the strict modules"
for m in $modules; do
    find "$ROOT/Sources/$m" -name '*.swift' | sort | xargs awk -f "$AWK_PROG" >"$TMP/$m.out"
    [ ! -s "$TMP/$m.out" ]
    tap $? "$m: every unsafe site has its SAFETY reason" "$TMP/$m.out"
done

cat >"$TMP/t.swift" <<'SWIFT'
// SAFETY: argued.
let a = unsafe p.pointee
let b = unsafe p.pointee  // the paragraph's reason covers it

let c = unsafe p.pointee
let d = p.pointee  // SAFETY: but not marked
let e = unsafe withUnsafePointer(to: x) {  // SAFETY: the body goes on
    $0.pointee
}
let s = "unsafe .pointee in a string"

/// Shared: any thread writes it.
nonisolated(unsafe) var f = 0
/// Contract: one thread.
@usableFromInline
nonisolated(unsafe) var g = 0
SWIFT
awk -f "$AWK_PROG" "$TMP/t.swift" | sed 's/.*t\.swift://' >"$TMP/t.out"
cat >"$TMP/t.want" <<'OUT'
5: unsafe without a SAFETY reason: let c = unsafe p.pointee
6: pointer operation without unsafe: let d = p.pointee  // SAFETY: but not marked
13: no contract: nonisolated(unsafe) var f = 0
OUT
diff "$TMP/t.want" "$TMP/t.out" >"$TMP/t.diff"
tap $? "the check finds each kind of unargued site, and only those" "$TMP/t.diff"

echo "1..$n"
exit $failed
