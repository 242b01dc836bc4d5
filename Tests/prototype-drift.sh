#!/bin/sh
# Proves that a Swift export cannot drift from its C prototype: a copy of the
# package with one header prototype changed must fail to build, naming the
# mismatch, while the unchanged copy builds. Output is TAP.
set -u
root=$(cd "$(dirname "$0")/.." && pwd -P)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-drift.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset MAKEFLAGS MFLAGS MAKELEVEL

echo "1..2"
cp -R "$root/Package.swift" "$root/Sources" "$root/CShims" "$root/include" "$tmp/"
# Package.swift names the test target too: its folder must be there.
mkdir -p "$tmp/Tests"
cp -R "$root/Tests/SwiftTCEEngineTests" "$tmp/Tests/"
# The unchanged copy reuses nothing of the tree's build folders.
if swift build -c release --package-path "$tmp" --product swifttce >"$tmp/ok.log" 2>&1; then
    echo "ok 1 - the package as it is builds"
else
    echo "not ok 1 - the package as it is builds"
    sed 's/^/# /' "$tmp/ok.log" | tail -n 20
fi

# spapr_tce_find_by_liobn takes a uint32_t; make the header say uint64_t.
hdr="$tmp/include/swifttce/spapr_tce.h"
sed -i 's/^SpaprTceTable \*spapr_tce_find_by_liobn(uint32_t liobn);/SpaprTceTable *spapr_tce_find_by_liobn(uint64_t liobn);/' "$hdr"
if ! grep -q 'spapr_tce_find_by_liobn(uint64_t liobn)' "$hdr"; then
    echo "not ok 2 - a drifted prototype is refused # the prototype to change was not found"
elif swift build -c release --package-path "$tmp" --product swifttce >"$tmp/drift.log" 2>&1; then
    echo "not ok 2 - a drifted prototype is refused # it built"
elif grep -q "spapr_tce_find_by_liobn.*does not match type.*declared by the header" "$tmp/drift.log"; then
    echo "ok 2 - a drifted prototype is refused: $(grep -o "global function 'spapr_tce_find_by_liobn'.*header" "$tmp/drift.log" | head -n 1)"
else
    echo "not ok 2 - a drifted prototype is refused # failed for another reason"
    sed 's/^/# /' "$tmp/drift.log" | tail -n 20
fi
