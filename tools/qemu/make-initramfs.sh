#!/bin/sh
# make-initramfs.sh OUT.cpio.gz INIT [MODULE...]
# Build a gzip'd newc initramfs from what fetch-guest.sh extracted into
# $QEMU_OUT/root: static busybox as /bin/busybox, INIT as /init, and the named
# kernel modules plus everything they depend on (read from each .ko's .modinfo
# "depends=" and "softdep=pre:" strings; no depmod/modinfo needed) in /mod,
# with /mod/order listing them in a loadable order (dependencies first).
# Extra files: QEMU_INITRD_EXTRA="hostpath:guestpath ..." are copied in too.
set -eu
OUT=${QEMU_OUT:-build/qemu}
die() { echo "make-initramfs: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 OUT.cpio.gz INIT [MODULE...]"
CPIO=$1; INIT=$2; shift 2
ROOT=$OUT/root
command -v cpio >/dev/null 2>&1 || die "cpio not found (apt-get install cpio)"
[ -x "$ROOT/bin/busybox" ] || die "$ROOT/bin/busybox missing: run tools/qemu/fetch-guest.sh first"
[ -f "$INIT" ] || die "no init script $INIT"
MODDIR=$(ls -d "$ROOT"/lib/modules/* 2>/dev/null | head -n1)
[ -n "$MODDIR" ] || die "no kernel modules under $ROOT/lib/modules: run tools/qemu/fetch-guest.sh first"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bin" "$STAGE/mod" "$STAGE/proc" "$STAGE/sys" "$STAGE/dev" "$STAGE/tmp"
cp "$ROOT/bin/busybox" "$STAGE/bin/busybox"
cp "$INIT" "$STAGE/init"; chmod 755 "$STAGE/init"

# module name -> file (names compare with '-' and '_' as the same character)
find "$MODDIR" -name '*.ko' | sed 's|^\(.*/\)\([^/]*\)\.ko$|\2 \1\2.ko|' |
    awk '{ n = $1; gsub("-", "_", n); print n, $2 }' > "$STAGE/.kolist"
modfile() {
    awk -v n="$(echo "$1" | tr - _)" '$1 == n { print $2; f = 1; exit } END { exit !f }' "$STAGE/.kolist"
}
moddeps() {   # the modules $1 needs loaded before it (hard dependencies)
    tr '\0' '\n' < "$1" | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
}
softdeps() {  # "softdep=pre:" names: often aliases (crct10dif), taken when a file has that name
    tr '\0' '\n' < "$1" | sed -n 's/^softdep=pre: *//p' | sed 's/ *post:.*//' |
        tr ' ' '\n' | sed '/^$/d'
}
: > "$STAGE/mod/order"
add() {
    local n f d
    n=$(echo "$1" | tr - _)
    grep -qx "$n" "$STAGE/mod/order" && return 0
    grep -qx "$n" "$STAGE/.visiting" 2>/dev/null && return 0
    echo "$n" >> "$STAGE/.visiting"
    f=$(modfile "$n") || die "module $1 not found under $MODDIR"
    for d in $(moddeps "$f"); do add "$d"; done
    for d in $(softdeps "$f"); do
        if modfile "$d" >/dev/null; then add "$d"
        else echo "make-initramfs: note: $n's soft dependency $d is no module file (an alias): name the module providing it" >&2; fi
    done
    cp "$f" "$STAGE/mod/$n.ko"
    echo "$n" >> "$STAGE/mod/order"
}
for m in "$@"; do add "$m"; done
rm -f "$STAGE/.kolist" "$STAGE/.visiting"

for e in ${QEMU_INITRD_EXTRA:-}; do
    src=${e%%:*}; dst=${e#*:}
    mkdir -p "$STAGE/$(dirname "$dst")"
    cp -a "$src" "$STAGE/$dst"
done

mkdir -p "$(dirname "$CPIO")"
( cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc --quiet ) | gzip -9n > "$CPIO"
echo "make-initramfs: $CPIO: modules: $(tr '\n' ' ' < "$STAGE/mod/order")"
