#!/bin/sh
# Installs what the C side needs (GLib, pixman, zlib, meson, ninja, pkg-config,
# abigail-tools) when it is missing; `ensure-deps.sh deb` adds what make deb and make check-deb
# need (dpkg-buildpackage, debhelper, lintian). Runs as root with apt-get;
# otherwise says what to install.
set -u
missing=""
if [ "${1-}" = deb ]; then
    command -v dpkg-buildpackage >/dev/null 2>&1 || missing="$missing dpkg-dev"
    command -v dh >/dev/null 2>&1 || missing="$missing debhelper"
    command -v lintian >/dev/null 2>&1 || missing="$missing lintian"
fi
pkg-config --version >/dev/null 2>&1 || missing="$missing pkg-config"
pkg-config --exists glib-2.0 2>/dev/null || missing="$missing libglib2.0-dev"
pkg-config --exists pixman-1 2>/dev/null || missing="$missing libpixman-1-dev"
pkg-config --exists zlib 2>/dev/null || missing="$missing zlib1g-dev"
command -v meson >/dev/null 2>&1 || missing="$missing meson"
command -v ninja >/dev/null 2>&1 || missing="$missing ninja-build"
# libabigail's abidw and abidiff, for the ABI check (mk/abi.mk).
command -v abidiff >/dev/null 2>&1 || missing="$missing abigail-tools"
[ -z "$missing" ] && exit 0

echo "ensure-deps: installing:$missing"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: cannot install (needs root and apt-get). Install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq $missing; } >/tmp/swifttce-apt.log 2>&1; then
    echo "ensure-deps: apt-get failed (log: /tmp/swifttce-apt.log). Install:$missing" >&2
    tail -n 5 /tmp/swifttce-apt.log >&2
    exit 1
fi
echo "ensure-deps: done"
