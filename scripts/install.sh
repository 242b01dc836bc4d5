#!/bin/sh
# make install and make uninstall (mk/install.mk passes the directories).
#
# install puts the headers, the two archives, the two shared objects (as
# lib*.so.VERSION, with their sonames lib*.so.MAJOR and link-time names
# lib*.so pointing at them), the .pc files make wrote into PC_DIR, LICENSE
# and README.md under DESTDIR, and writes DOCDIR/install-manifest: every
# file and link it put there and every directory it had to create, as final
# paths (without DESTDIR). uninstall removes exactly those, then the
# directories the manifest says install created, deepest first, when they
# are empty. A second install over the first keeps the first's manifest
# lines, so the directories the first created still go.
#
# Usage: scripts/install.sh install|uninstall, with DESTDIR PREFIX LIBDIR
# INCLUDEDIR PKGCONFIGDIR DOCDIR (absolute), VERSION SOVERSION, BUILD_LIB
# (build/lib) and PC_DIR in the environment.
set -eu
action=$1
: "${DESTDIR=}" "$PREFIX" "$LIBDIR" "$INCLUDEDIR" "$PKGCONFIGDIR" "$DOCDIR"

manifest=$DOCDIR/install-manifest
new_manifest=

# record KIND PATH: a line of the manifest (f file, l link, d directory).
record() {
    printf '%s %s\n' "$1" "$2" >>"$new_manifest"
}

# make_dir DIR: DESTDIR/DIR and its missing parents, each recorded.
make_dir() {
    if [ ! -d "$DESTDIR$1" ]; then
        make_dir "$(dirname "$1")"
        echo "install -d $DESTDIR$1"
        install -d -m 755 "$DESTDIR$1"
        record d "$1"
    fi
}

# put MODE SOURCE DIR [NAME]: one file into DIR.
put() {
    dest=$3/${4:-$(basename "$2")}
    echo "install -m $1 $2 $DESTDIR$dest"
    install -m "$1" "$2" "$DESTDIR$dest"
    record f "$dest"
}

# link TARGET DIR NAME: DIR/NAME -> TARGET.
link() {
    echo "ln -sf $1 $DESTDIR$2/$3"
    ln -sf "$1" "$DESTDIR$2/$3"
    record l "$2/$3"
}

case $action in
install)
    if [ -n "$DESTDIR" ]; then
        mkdir -p "$DESTDIR"
    fi
    new_manifest=$(mktemp "${TMPDIR:-/tmp}/swifttce-manifest.XXXXXX")
    trap 'rm -f "$new_manifest"' EXIT INT TERM
    if [ -f "$DESTDIR$manifest" ]; then
        cat "$DESTDIR$manifest" >>"$new_manifest"
    fi
    for dir in "$INCLUDEDIR/swifttce" "$LIBDIR" "$PKGCONFIGDIR" "$DOCDIR"; do
        make_dir "$dir"
    done
    put 644 include/swifttce.h "$INCLUDEDIR"
    for h in include/swifttce/*.h; do
        put 644 "$h" "$INCLUDEDIR/swifttce"
    done
    for lib in libswifttce libswifttce-host; do
        put 644 "$BUILD_LIB/$lib.a" "$LIBDIR"
        put 755 "$BUILD_LIB/$lib.so" "$LIBDIR" "$lib.so.$VERSION"
        link "$lib.so.$VERSION" "$LIBDIR" "$lib.so.$SOVERSION"
        link "$lib.so.$SOVERSION" "$LIBDIR" "$lib.so"
    done
    for pc in "$PC_DIR"/*.pc; do
        put 644 "$pc" "$PKGCONFIGDIR"
    done
    put 644 LICENSE "$DOCDIR"
    put 644 README.md "$DOCDIR"
    record f "$manifest"
    sort -u "$new_manifest" >"$DESTDIR$manifest"
    chmod 644 "$DESTDIR$manifest"
    echo "installed SwiftTCE $VERSION in $DESTDIR$PREFIX ($DESTDIR$manifest lists it)"
    ;;
uninstall)
    if [ ! -f "$DESTDIR$manifest" ]; then
        echo "uninstall: no $DESTDIR$manifest: nothing of SwiftTCE's is installed there" >&2
        exit 1
    fi
    # Read before the manifest itself goes.
    entries=$(cat "$DESTDIR$manifest")
    printf '%s\n' "$entries" | while read -r kind path; do
        case $kind in
        f | l)
            echo "rm -f $DESTDIR$path"
            rm -f "$DESTDIR$path"
            ;;
        esac
    done
    # Children sort after their parents: reversed, the deepest go first.
    printf '%s\n' "$entries" | awk '$1 == "d" { print $2 }' | sort -r |
        while read -r dir; do
            if [ -d "$DESTDIR$dir" ] && [ -z "$(ls -A "$DESTDIR$dir")" ]; then
                echo "rmdir $DESTDIR$dir"
                rmdir "$DESTDIR$dir"
            elif [ -d "$DESTDIR$dir" ]; then
                echo "kept $DESTDIR$dir (not empty)"
            fi
        done
    echo "uninstalled SwiftTCE from $DESTDIR$PREFIX"
    ;;
*)
    echo "usage: $0 install|uninstall" >&2
    exit 2
    ;;
esac
