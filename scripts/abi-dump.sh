#!/bin/sh
# abi-dump.sh OUT SO NAMES INCDIR HEADER...: writes the three files that
# are a library's ABI, as abi/ keeps them (README, "Versions and ABI"):
#   OUT.so.abi      abidw of the shared object SO, its debug info stripped:
#                   its exported symbols and their version node (the Swift
#                   build has no DWARF for the C functions' types)
#   OUT.h.abi       abidw of a probe built from HEADERs (scripts/abi-probe.sh,
#                   -g, --headers-dir INCDIR): each function and object NAMES
#                   lists, by name, with its C type, and every public type
#   OUT.constants   the HEADERs' constants (macros), NAME VALUE a line
# HEADERs are relative to INCDIR; NAMES is the file of declared names (a
# name a line). Run from the package's top directory.
set -eu
out=$1 so=$2 names=$3 incdir=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-abi-dump.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')

# abidw writes no build paths into the corpora (--no-corpus-path,
# --no-comp-dir-path, --no-show-locs): a baseline must not change with the
# directory or a moved line.
ABIDW="abidw --no-corpus-path --no-comp-dir-path --no-show-locs"

# Its symbols only: what DWARF the object has is Swift's, and the C shims'
# (partial, with build paths), which the probe below says properly.
objcopy --strip-debug "$so" "$work/stripped.so"
$ABIDW "$work/stripped.so" >"$work/so.abi"

export ABI_INCDIR="$incdir"
scripts/abi-probe.sh probe "$names" "$@" >"$work/probe.c"
# (Compiled in its directory, by a relative name: the corpus names no
# temporary path.)
abs_incdir=$(cd "$incdir" && pwd -P)
(cd "$work" && cc -std=gnu11 -g -O0 -fPIC -shared -I"$abs_incdir" \
    -Wl,-soname,"$soname" probe.c -o probe.so)
$ABIDW --headers-dir "$incdir" "$work/probe.so" >"$work/h.abi"

scripts/abi-probe.sh constants "$@" >"$work/constants"

mv "$work/so.abi" "$out.so.abi"
mv "$work/h.abi" "$out.h.abi"
mv "$work/constants" "$out.constants"
