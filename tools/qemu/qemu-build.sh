#!/bin/sh
# qemu-build.sh: configure $QEMU_OUT/src (qemu-source.sh) in $QEMU_OUT/build
# against this repository's SwiftTCE (build/lib/pkgconfig, made by `make`) and
# build qemu-system-ppc64 with ninja, incrementally. Configure runs again only
# when its arguments changed (ninja itself re-runs meson when a patch changes
# a meson.build). Then links the firmware Debian packages into the build's
# qemu-bundle, where an uninstalled QEMU looks for it.
#   QEMU_SWIFTTCE_OPT  enabled (default) or disabled: the series' swifttce
#                      option (ignored, with a note, by a tree without it)
#   QEMU_BUILD_DIR     the build directory (default $QEMU_OUT/build)
#   QEMU_NINJA_TARGETS what to build (default qemu-system-ppc64; empty: all,
#                      QEMU's unit and qtest binaries too)
#   QEMU_SWIFTTCE_PKGCONFIG  where swifttce-host-static.pc is (default this
#                      repository's build/lib/pkgconfig; an installed
#                      SwiftTCE: PREFIX/lib/pkgconfig). Configure runs
#                      again when the .pc file changes too.
set -eu
OUT=${QEMU_OUT:-build/qemu}
ROOT=$(pwd)
SRC=$(realpath "$OUT/src")
B=${QEMU_BUILD_DIR:-$OUT/build}
OPT=${QEMU_SWIFTTCE_OPT:-enabled}
TARGETS=${QEMU_NINJA_TARGETS-qemu-system-ppc64}
die() { echo "qemu-build: $*" >&2; exit 1; }
[ -f "$SRC/configure" ] || die "no QEMU source in $SRC: run tools/qemu/qemu-source.sh"
PC=${QEMU_SWIFTTCE_PKGCONFIG:-$ROOT/build/lib/pkgconfig}
[ -f "$PC/swifttce-host-static.pc" ] || die "no $PC/swifttce-host-static.pc: run make first (or make install)"

DEBVER=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
set -- --target-list=ppc64-softmmu --without-default-features --enable-tcg \
    --enable-fdt=system --disable-docs --disable-tools --disable-user \
    --disable-slirp --disable-werror \
    --with-git-submodules=ignore "--with-pkgversion=Debian $DEBVER + SwiftTCE"
if grep -q "^option('swifttce'" "$SRC/meson_options.txt"; then
    case $OPT in
    enabled) set -- "$@" --enable-swifttce ;;
    disabled) set -- "$@" --disable-swifttce ;;
    *) die "QEMU_SWIFTTCE_OPT=$OPT: enabled or disabled" ;;
    esac
else
    echo "qemu-build: note: the tree has no swifttce option (series without its first patch?): building stock QEMU"
fi

# What QEMU's build runs must not need Swift: the toolchain's directories
# leave PATH (any that holds swift or swiftc), and the check says so.
NOSWIFT=$(printf '%s\n' "$PATH" | tr ':' '\n' | while read -r d; do
    if [ -n "$d" ] && [ ! -x "$d/swiftc" ] && [ ! -x "$d/swift" ]; then printf '%s:' "$d"; fi; done)
PATH=${NOSWIFT%:}
export PATH
! command -v swiftc >/dev/null 2>&1 || die "swiftc still on PATH ($PATH)"
echo "qemu-build: SwiftTCE from $PC, no Swift toolchain on PATH ($PATH)"

mkdir -p "$B"
B=$(realpath "$B")
# (the .pc file's text too: meson reads it only when it configures)
ARGS=$(printf '%s\n' "PKG_CONFIG_PATH=$PC" "$@"; cat "$PC/swifttce-host-static.pc")
if [ ! -f "$B/build.ninja" ] || [ "$ARGS" != "$(cat "$B/swifttce-configure.args" 2>/dev/null)" ]; then
    echo "qemu-build: configure $*"
    rm -f "$B/swifttce-configure.args"
    t0=$(date +%s)
    (cd "$B" && PKG_CONFIG_PATH=$PC "$SRC/configure" "$@") > "$B/swifttce-configure.log" 2>&1 ||
        { tail -n 25 "$B/swifttce-configure.log" >&2; die "configure failed (all of it: $B/swifttce-configure.log)"; }
    printf '%s\n' "$ARGS" > "$B/swifttce-configure.args"
    echo "qemu-build: configured in $(( $(date +%s) - t0 )) s"
fi
grep -E '^ *SwiftTCE sPAPR TCE engine *:' "$B/swifttce-configure.log" | sed 's/^ */qemu-build: /' || true

t0=$(date +%s)
echo "qemu-build: ninja -C $B $TARGETS"
# shellcheck disable=SC2086
ninja -C "$B" $TARGETS > "$B/swifttce-ninja.log" 2>&1 ||
    { grep -E -A12 'FAILED|error:' "$B/swifttce-ninja.log" | head -n 40 >&2; die "the build failed (all of it: $B/swifttce-ninja.log)"; }
echo "qemu-build: $(tail -n1 "$B/swifttce-ninja.log" | cut -c1-100) ($(( $(date +%s) - t0 )) s)"

# Firmware: the dfsg source has none. The pseries machine loads slof.bin (or
# vof.bin); QEMU's qtest-ppc64 suite also boots the other ppc machines and
# loads NIC and VGA ROMs. An uninstalled QEMU finds them in its qemu-bundle.
DATA=$(find "$B/qemu-bundle" -type d -path '*/share/qemu' 2>/dev/null | head -n1)
[ -n "$DATA" ] || { DATA=$B/qemu-bundle/usr/local/share/qemu; mkdir -p "$DATA"; }
link() {    # link FILE [NAME]: into the bundle, unless the build put one there
    [ -e "$1" ] || die "no firmware $1 (apt-get install qemu-system-data seabios ipxe-qemu u-boot-qemu)"
    n=$DATA/${2:-$(basename "$1")}
    [ -e "$n" ] || [ -L "$n" ] || ln -s "$1" "$n"
}
for f in /usr/share/qemu/*; do [ -f "$f" ] && link "$f"; done
for f in /usr/share/seabios/vgabios*.bin /usr/lib/ipxe/qemu/*.rom; do link "$f"; done
link /usr/lib/u-boot/qemu-ppce500/uboot.elf u-boot.e500
"$B/qemu-system-ppc64" --version | head -n1 | sed 's/^/qemu-build: /'
