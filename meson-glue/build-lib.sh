#!/bin/sh
# meson-glue's custom_target: builds SwiftTCE with the package's own Makefile
# (which drives `swift build`) and copies the libraries into meson's build
# directory. Copies only what changed, so an up-to-date build stays put.
#
# Usage: build-lib.sh MAKE PACKAGE_ROOT OUTDIR SONAME_PATH HOST_SONAME_PATH
set -eu
make=$1
root=$2
outdir=$3
soname_path=$4
host_soname_path=$5

# Not a sub-make of whatever ran meson: its jobserver is not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
"$make" -C "$root" --no-print-directory all >&2

# (a link where the file goes, left by an older layout, is replaced)
copy() {
    if [ -L "$2" ] || ! cmp -s "$1" "$2"; then
        cp "$1" "$2.tmp"
        mv -f "$2.tmp" "$2"
    fi
}
# Each library: the archive; the shared object under its soname, which a
# program asks for at run time (and meson installs), and its link-time name
# pointing at it.
for lib in "libswifttce:$soname_path" "libswifttce-host:$host_soname_path"; do
    name=${lib%%:*}
    soname=${lib#*:}
    copy "$root/build/lib/$name.a" "$outdir/$name.a"
    copy "$root/build/lib/$name.so" "$soname"
    ln -sf "$(basename "$soname")" "$outdir/$name.so"
done
