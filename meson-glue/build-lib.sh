#!/bin/sh
# meson-glue's custom_target: builds SwiftTCE with the package's own Makefile
# (which drives `swift build`) and copies the libraries into meson's build
# directory. Copies only what changed, so an up-to-date build stays put.
#
# Usage: build-lib.sh MAKE PACKAGE_ROOT OUTDIR SONAME_LINK
set -eu
make=$1
root=$2
outdir=$3
soname_link=$4

# Not a sub-make of whatever ran meson: its jobserver is not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
"$make" -C "$root" --no-print-directory all >&2

for lib in libswifttce.a libswifttce.so; do
    if ! cmp -s "$root/build/lib/$lib" "$outdir/$lib"; then
        cp "$root/build/lib/$lib" "$outdir/$lib.tmp"
        mv -f "$outdir/$lib.tmp" "$outdir/$lib"
    fi
done
# A program linked with libswifttce.so asks for its soname at run time.
ln -sf libswifttce.so "$soname_link"
