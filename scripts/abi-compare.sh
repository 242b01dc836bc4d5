#!/bin/sh
# abi-compare.sh BASE NEW: compares a library's ABI as abi-dump.sh wrote it
# twice (BASE.so.abi, BASE.h.abi, BASE.constants against NEW's) with
# libabigail's abidiff and diff. Prints what changed, and exits 1 on any
# change: an addition too, so that abi/ is updated on purpose (make
# abi-baseline) in the commit that changes the ABI, with its CHANGELOG line.
set -u
base=$1 new=$2
lib=$(basename "$base")
status=0

# abidiff's status is a bit mask: 1 error, 2 usage, 4 a change, 8 one it
# knows is incompatible (a removed function, variable or symbol).
abi_diff() {
    what=$1
    abidiff --no-show-locs "$base.$2" "$new.$2" >"$new.$2.diff" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        return
    fi
    status=1
    if [ $((rc & 3)) -ne 0 ]; then
        echo "$lib: abidiff could not compare the $what (status $rc):"
    elif [ $((rc & 8)) -ne 0 ]; then
        echo "$lib: the $what changed INCOMPATIBLY (something was removed: the soname must change):"
    else
        # abidiff leaves it to a person: a changed type or layout bumps the
        # soname, an addition needs a new version node (the README's policy).
        echo "$lib: the $what changed (a changed type or layout bumps the soname; an addition needs a new version node; then make abi-baseline, with a CHANGELOG line):"
    fi
    sed 's/^/    /' "$new.$2.diff"
}

abi_diff "exported symbols (and their version node)" so.abi
abi_diff "C types of the functions, objects and structs" h.abi

if ! diff -u "$base.constants" "$new.constants" >"$new.constants.diff"; then
    status=1
    echo "$lib: the headers' constants changed (NAME VALUE; - was, + is):"
    sed -n 's/^\([-+][^-+]\)/    \1/p' "$new.constants.diff"
fi
exit $status
