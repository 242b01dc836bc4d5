#!/bin/sh
# make check-deb: the packages make deb left in build/deb/, as a machine that
# installs them gets them (as root: it installs and removes them):
#   - apt-get install ./build/deb/*.deb; the files are in Debian's multiarch
#     libdir, the sonames link to the libraries, the -dev package has the
#     headers, archives, link-time names and the four .pc files;
#   - libswifttce0 depends on libc6, libgcc-s1 and libstdc++6 and nothing
#     else (the Swift runtime is inside), and its symbols file makes a
#     program that links it depend on libswifttce0 (>= the version);
#   - pkg-config finds the four modules with no PKG_CONFIG_PATH;
#   - the example programs (HOST_EXAMPLE, STANDALONE_EXAMPLE: directories
#     whose .c files are one program; EXAMPLE_PKGS: other pkg-config modules
#     they need) build with pkg-config only, shared and static, from a copy
#     in a temporary directory, under env -i with a PATH without Swift, and
#     run; with a meson.build, meson builds them too, with no subproject to
#     fall back on. Where a mount namespace can be had, the Swift toolchain
#     and this tree are hidden behind empty tmpfs meanwhile;
#   - apt-get purge takes it all away again.
# Output is TAP.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
HOST_EXAMPLE=${HOST_EXAMPLE:-examples/host-emulator}
STANDALONE_EXAMPLE=${STANDALONE_EXAMPLE:-meson-glue/example}
EXAMPLE_PKGS=${EXAMPLE_PKGS-}
# We may run under make: its jobserver is not for our own make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES PKG_CONFIG_PATH

. "$root/Tests/tap.sh"
. "$root/Tests/dev-files.sh"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "1..0 # SKIP installs packages: needs root and apt-get"
    exit 0
fi
debs=$(ls build/deb/*.deb 2>/dev/null)
if [ -z "$debs" ]; then
    echo "Bail out! no build/deb/*.deb: run make deb first"
    exit 1
fi
packages=$(for deb in $debs; do dpkg-deb -f "$deb" Package; done)
for p in $packages; do
    if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q ' installed$'; then
        echo "Bail out! $p is installed already: remove it first (apt-get purge $(echo $packages))"
        exit 1
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-deb.XXXXXX") || exit 1
log="$tmp/log"
tap_log=$log
export DEBIAN_FRONTEND=noninteractive
installed=
cleanup() {
    if [ -n "$installed" ]; then
        apt-get purge -y -qq $packages >/dev/null 2>&1
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# run DESCRIPTION COMMAND...: a test; its output goes to the log.
run() {
    desc=$1
    shift
    "$@" >"$log" 2>&1
    tap $? "$desc"
}

version=$(dpkg-deb -f build/deb/libswifttce0_*.deb Version)
upstream=${version%-*}
major=${upstream%%.*}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
# The PATH of a machine without Swift.
bare_path=/usr/bin:/bin

# ---- install ----------------------------------------------------------------
installed=yes
run "apt-get install ./build/deb/*.deb ($(echo $packages))" \
    apt-get install -y -qq $(for deb in $debs; do echo "./$deb"; done)
for p in $packages; do
    test "$(dpkg-query -W -f '${Status} ${Version}' "$p" 2>&1)" = \
        "install ok installed $version" >"$log" 2>&1
    tap $? "$p $version is installed"
done

run "libswifttce$major: the sonames link to the libraries in $libdir" sh -c '
    for lib in libswifttce libswifttce-host; do
        test "$(readlink "$1/$lib.so.$2")" = "$lib.so.$3" &&
        test -f "$1/$lib.so.$3" && test ! -L "$1/$lib.so.$3" &&
        dpkg -S "$1/$lib.so.$2" | grep -q "^libswifttce$2:" || { echo $lib; exit 1; }
    done' sh "$libdir" "$major" "$upstream"
{
    dev_files /usr/include "$libdir" "$libdir/pkgconfig"
    echo /usr/share/doc/libswifttce-dev/README.md.gz
    echo /usr/share/doc/libswifttce-dev/copyright
} | sort >"$tmp/expected"
dpkg -L libswifttce-dev | while read -r f; do
    test -d "$f" || echo "$f"
done | grep -v -e '/changelog' | sort >"$tmp/found"
diff "$tmp/expected" "$tmp/found" >"$log"
tap $? "libswifttce-dev: headers, archives, .so links, the four .pc files, README.md"
run "libswifttce-dev: the .so links name the sonames" sh -c '
    for lib in libswifttce libswifttce-host; do
        test "$(readlink "$1/$lib.so")" = "$lib.so.$2" || exit 1
    done' sh "$libdir" "$major"

depends=$(dpkg-query -W -f '${Depends}' "libswifttce$major")
echo "Depends: $depends" >"$log"
test "$(echo "$depends" | tr ',' '\n' | sed 's/ *(.*//; s/^ *//' | sort | xargs)" = \
    "libc6 libgcc-s1 libstdc++6"
tap $? "libswifttce$major depends on libc6, libgcc-s1 and libstdc++6 only ($depends)"

# ---- pkg-config ---------------------------------------------------------------
# bare COMMAND...: under env -i with the bare PATH.
bare() {
    env -i PATH="$bare_path" "$@"
}
run "the PATH $bare_path has no swift or swiftc" \
    sh -c '! env -i PATH="$1" sh -c "command -v swift || command -v swiftc"' sh "$bare_path"
for m in swifttce swifttce-static swifttce-host swifttce-host-static; do
    run "pkg-config $m: version $upstream, libdir $libdir, no PKG_CONFIG_PATH" sh -c '
        test "$(env -i PATH="$1" pkg-config --modversion "$2")" = "$3" &&
        test "$(env -i PATH="$1" pkg-config --variable=libdir "$2")" = "$4"' \
        sh "$bare_path" "$m" "$upstream" "$libdir"
done

# ---- the example programs -----------------------------------------------------
# hidden COMMAND...: with the toolchain and this tree behind empty tmpfs,
# where a mount namespace can be had; else as it is.
hidden() {
    unshare --mount sh -c '
        mount --make-rprivate / &&
        mount -t tmpfs -o ro swifttce-test "$1" && mount -t tmpfs -o ro swifttce-test "$2" &&
        test -z "$(ls -A "$1")" && test -z "$(ls -A "$2")" && shift 2 && exec "$@"' sh "$toolchain" "$root" "$@"
}
if hidden true >/dev/null 2>&1; then
    echo "# $toolchain and $root hidden behind empty tmpfs for the builds and runs"
else
    hidden() {
        "$@"
    }
    tap 0 "# SKIP no mount namespace: the toolchain and tree stay visible (not named)"
fi

# The builds, a script so the namespace can run it: BUILD DIR MODULES...
cat >"$tmp/build.sh" <<'EOF'
dir=$1
shift
flags=$(pkg-config --cflags --libs "$@") || exit 1
cd "$dir" && cc -std=gnu11 -Wall -Wextra -Werror src/*.c $flags -o prog
EOF

for kind in host standalone; do
    if [ $kind = host ]; then
        example=$HOST_EXAMPLE module=swifttce-host
    else
        example=$STANDALONE_EXAMPLE module=swifttce
    fi
    for link in shared static; do
        dir=$tmp/$kind-$link
        m=$module$([ $link = static ] && echo -static)
        mkdir -p "$dir/src" && cp "$example"/*.c "$dir/src/" &&
            { cp "$example"/*.h "$dir/src/" 2>/dev/null || true; }
        run "$kind, $link: $example builds with pkg-config $m only, under env -i" \
            hidden env -i PATH="$bare_path" sh "$tmp/build.sh" "$dir" $m $EXAMPLE_PKGS
        run "$kind, $link: runs under env -i" hidden env -i "$dir/prog"
        if [ $link = shared ]; then
            # (/lib is /usr/lib on a merged-/usr system: the files decide.)
            { ldd "$dir/prog"; readelf -d "$dir/prog"; } >"$log" 2>&1
            found=$(awk -v so="lib$module.so.$major" '$1 == so { print $3 }' "$log")
            test -n "$found" &&
                test "$(readlink -f "$found")" = "$(readlink -f "$libdir/lib$module.so.$major")" &&
                ! grep -q -e RPATH -e RUNPATH "$log"
            tap $? "$kind, shared: no rpath, the loader finds lib$module.so.$major in $libdir"
        else
            readelf -d "$dir/prog" >"$log" 2>&1
            ! grep -q -i -e swift -e RPATH -e RUNPATH "$log"
            tap $? "$kind, static: needs nothing of SwiftTCE's at run time"
        fi
    done
    if [ -f "$example/meson.build" ]; then
        dir=$tmp/$kind-meson
        mkdir -p "$dir" && cp "$example"/meson.build "$example"/*.c "$dir/" &&
            { cp "$example"/*.h "$dir/" 2>/dev/null || true; }
        # nofallback: the installed package, or the build fails.
        run "$kind: $example builds with meson, the installed $module and no fallback" \
            hidden env -i PATH="$bare_path" sh -c '
                meson setup --wrap-mode=nofallback "$1/build" "$1" &&
                meson test -C "$1/build" --print-errorlogs' sh "$dir"
    fi
done

# A consumer's package would depend on this version or later, for both.
mkdir -p "$tmp/consumer/debian"
printf 'Source: consumer\n\nPackage: consumer\nArchitecture: any\n' \
    >"$tmp/consumer/debian/control"
run "dpkg-shlibdeps: the shared programs need libswifttce$major (>= $upstream)" sh -c '
    cd "$1" && dpkg-shlibdeps -O "$2/host-shared/prog" "$2/standalone-shared/prog" |
        tee /dev/stderr | grep -q "libswifttce$3 (>= $4)"' sh "$tmp/consumer" "$tmp" "$major" \
    "$upstream"

# ---- remove -----------------------------------------------------------------
run "apt-get purge $(echo $packages)" apt-get purge -y -qq $packages
installed=
for p in $packages; do
    ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q ' installed$'
    tap $? "$p is gone"
done
run "nothing left: no library in $libdir, no header, no module for pkg-config" sh -c '
    ! ls "$1"/libswifttce* 2>/dev/null && test ! -e /usr/include/swifttce.h &&
    test ! -e /usr/include/swifttce &&
    ! env -i PATH="$2" pkg-config --exists swifttce-host' sh "$libdir" "$bare_path"

echo "1..$n"
exit $failed
