#!/bin/sh
# qemu-deps.sh [--source]: what `make qemu` needs from apt, and nothing more.
#  - with --source, a bookworm deb-src entry when apt has none (Debian's source of QEMU 7.2):
#    written beside the `deb` entry it copies, in the same style (deb822
#    .sources or one-line .list), then apt-get update;
#  - the packages the TCG-only ppc64-softmmu configuration builds with, the
#    firmware its pseries machine and QEMU's qtest-ppc64 suite load (the dfsg
#    source has none), cpio for the guest's initramfs, and Debian's stock
#    qemu-system-ppc (the reference make check-qemu compares with).
# Installs only what is missing, so a machine that has it all needs neither
# root nor network. Says what is missing and stops when it cannot install.
set -eu
die() { echo "qemu-deps: $*" >&2; exit 1; }

# Build: compiler, meson (the dfsg tree bundles none; bookworm's 1.0.1 works),
# glib, pixman (softmmu), zlib, libfdt (--enable-fdt=system: the dfsg tree has
# no dtc); git (the tree becomes a repository the series is applied to);
# dpkg-dev (apt-get source unpacks with dpkg-source).
BUILD_PKGS="gcc make pkg-config python3 meson ninja-build libglib2.0-dev
            libpixman-1-dev zlib1g-dev libfdt-dev git dpkg-dev xz-utils"
# Run: slof.bin, vof.bin, skiboot.lid, openbios-ppc (qemu-system-data);
# vgabios-*.bin (seabios); efi-*.rom, pxe-*.rom (ipxe-qemu); u-boot.e500 (u-boot-qemu).
FIRMWARE_PKGS="qemu-system-data seabios ipxe-qemu u-boot-qemu"
OTHER_PKGS="qemu-system-ppc cpio"

missing=""
for p in $BUILD_PKGS $FIRMWARE_PKGS $OTHER_PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
        missing="$missing $p"
done

# deb-src targets apt knows (configured, whether or not downloaded yet)
has_deb_src() {
    apt-get indextargets --format '$(CODENAME)' 'IDENTIFIER: Sources' 2>/dev/null |
        grep -qx bookworm
}

# deb822: every enabled stanza whose Types has `deb` and whose Suites name
# bookworm, as a deb-src stanza (comments and other fields kept)
deb822_src() {
    awk '
    function flush() {
        if (n && isdeb && bookworm && enabled) {
            if (out++) print ""
            for (i = 1; i <= n; i++)
                print (lines[i] ~ /^Types:/ ? "Types: deb-src" : lines[i])
        }
        n = 0; isdeb = 0; bookworm = 0; enabled = 1
    }
    BEGIN { enabled = 1 }
    /^[ \t]*$/ { flush(); next }
    { lines[++n] = $0 }
    /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ /^bookworm/) bookworm = 1 }
    /^Enabled:[ \t]*no/ { enabled = 0 }
    END { flush() }' "$1"
}
# one-line style: each `deb` line for bookworm as a deb-src line
list_src() {
    sed -n 's/^[ \t]*deb\([ \t]\+.*[ \t]bookworm[-a-z]*[ \t].*\)$/deb-src\1/p' "$1"
}

add_deb_src() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        src=$(deb822_src "$f")
        [ -n "$src" ] || continue
        new=${f%.sources}-src.sources
        echo "qemu-deps: adding $new (the deb-src twin of $f)"
        printf '%s\n' "$src" > "$new"
        return 0
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        src=$(list_src "$f")
        [ -n "$src" ] || continue
        case $f in */sources.list) new=/etc/apt/sources.list.d/debian-src.list;;
                   *) new=${f%.list}-src.list;; esac
        echo "qemu-deps: adding $new (the deb-src twin of $f)"
        printf '%s\n' "$src" > "$new"
        return 0
    done
    die "apt has no bookworm 'deb' entry to copy as deb-src: add a deb-src entry for bookworm (main) by hand"
}

# --source: the QEMU source is still to be fetched, so apt needs a deb-src entry
need_src=0
[ "${1:-}" = --source ] && ! has_deb_src && need_src=1
if [ -z "$missing" ] && [ $need_src = 0 ]; then
    exit 0
fi
why=""
[ -n "$missing" ] && why="missing packages:$missing"
[ $need_src = 1 ] && why="${why:+$why; }no bookworm deb-src entry in apt"
command -v apt-get >/dev/null 2>&1 || die "$why; and no apt-get (a Debian bookworm host is needed)"
[ "$(id -u)" = 0 ] || die "$why; run as root (or install them: apt-get install$missing)"

if [ $need_src = 1 ]; then
    add_deb_src
    apt-get update || die "apt-get update failed (network?)"
    has_deb_src || die "apt still lists no bookworm Sources after apt-get update"
fi
if [ -n "$missing" ]; then
    echo "qemu-deps: apt-get install$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; } ||
        die "apt-get install$missing failed (network?)"
fi
