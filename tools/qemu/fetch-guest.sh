#!/bin/sh
# Download and extract the ppc64el guest pieces used by the QEMU data runs:
# Debian bookworm's Linux 6.1 powerpc64le kernel + modules, busybox-static and
# (for DLPAR) powerpc-ibm-utils.  Everything lands under $QEMU_OUT (build/qemu).
# Needs root (dpkg --add-architecture, apt-get update) and apt-get.
set -eu
OUT=${QEMU_OUT:-build/qemu}
die() { echo "fetch-guest: $*" >&2; exit 1; }
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: a Debian (bookworm) host is needed"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"
[ "$(id -u)" = 0 ] || die "must run as root (dpkg --add-architecture ppc64el, apt-get update)"

if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
    dpkg --add-architecture ppc64el
    apt-get update
fi
# The kernel the linux-image-powerpc64le metapackage points at, unless QEMU_KERNEL_PKG says.
KPKG=${QEMU_KERNEL_PKG:-$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-powerpc64le\).*/\1/p' | head -n1)}
if [ -z "$KPKG" ]; then
    apt-get update
    KPKG=$(apt-cache depends linux-image-powerpc64le:ppc64el |
           sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-powerpc64le\).*/\1/p' | head -n1)
fi
[ -n "$KPKG" ] || die "no linux-image-6.1.0-*-powerpc64le:ppc64el package found (apt-get update?)"

mkdir -p "$OUT/debs" "$OUT/root" "$OUT/libroot"
cd "$OUT/debs"
# kernel + busybox go to root/; drmgr (powerpc-ibm-utils, for the DLPAR run) and
# the ppc64el libraries it links with go to libroot/
for p in "$KPKG:ppc64el" busybox-static:ppc64el powerpc-ibm-utils:ppc64el \
         libc6:ppc64el librtas2:ppc64el libnuma1:ppc64el; do
    name=${p%%:*}
    ls "${name}"_*_ppc64el.deb >/dev/null 2>&1 || apt-get download "$p" ||
        die "apt-get download $p failed"
done
cd - >/dev/null
for d in "$OUT"/debs/linux-image-*.deb "$OUT"/debs/busybox-static_*.deb; do dpkg-deb -x "$d" "$OUT/root"; done
for d in "$OUT"/debs/powerpc-ibm-utils_*.deb "$OUT"/debs/libc6_*.deb "$OUT"/debs/librtas2_*.deb \
         "$OUT"/debs/libnuma1_*.deb; do dpkg-deb -x "$d" "$OUT/libroot"; done
K=$(ls "$OUT"/root/boot/vmlinux-* 2>/dev/null | head -n1)
[ -n "$K" ] || die "no kernel in $KPKG"
[ -x "$OUT/libroot/usr/sbin/drmgr" ] || die "no drmgr in powerpc-ibm-utils"
echo "$KPKG" > "$OUT/kernel-package"
echo "fetch-guest: kernel $K"
