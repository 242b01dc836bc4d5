#!/bin/sh
# examples/host-emulator, built the three ways an emulator takes SwiftTCE's
# host mode, each run under env -i (no Swift on any path), each exiting 0
# only when everything it checks is as expected:
#   - meson, with SwiftTCE as a subproject (its subprojects/ links);
#   - cc with pkg-config swifttce-host-static, against a DESTDIR install,
#     under env -i with a PATH that has no Swift (and once more with
#     AddressSanitizer and UBSan, leaks included);
#   - cc -DHOST_EMULATOR_DLOPEN with the installed headers only, loading the
#     installed libswifttce-host.so.0, which must say its version first: a
#     library of an older minor, or without swifttce_version, is refused.
# Output is TAP.
set -u

name=host-emulator
. "$(dirname "$0")/script-env.sh"

run() {
    desc=$1
    shift
    "$@" >"$log" 2>&1
    tap $? "$desc"
}

example=examples/host-emulator
bare_path=/usr/bin:/bin
cflags="-std=gnu11 -Wall -Wextra -Werror"

# ---- meson, SwiftTCE as a subproject -----------------------------------------
out=build/examples/host-emulator-meson
rm -rf "$out"
# (--force-fallback-for: the subproject even if a swifttce-host.pc is
# installed on this machine.)
run "meson: builds with SwiftTCE as a subproject" sh -c '
    meson setup --force-fallback-for=swifttce-host "$1" "$2" && meson compile -C "$1"' \
    sh "$out" "$example"
run "meson: swifttce-host came from the subproject" \
    grep -q 'Dependency swifttce-host found: YES.*overridden' "$out/meson-logs/meson-log.txt"
run "meson: runs under env -i, all as expected" env -i "$out/host-emulator"

# ---- pkg-config, the static library of a DESTDIR install ---------------------
dest=$tmp/dest
prefix=/usr
run "make install DESTDIR=... PREFIX=$prefix" \
    make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix"
# The .pc files name the final prefix: pkg-config is told where it is now.
run "pkg-config swifttce-host-static: builds under env -i with PATH=$bare_path" \
    env -i PATH="$bare_path" PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig" sh -c '
    flags=$(pkg-config --define-variable=prefix="$1" --cflags --libs swifttce-host-static) &&
    cc $2 "$3"/*.c $flags -o "$4"' sh "$dest$prefix" "$cflags" "$example" "$tmp/static"
run "static: needs no SwiftTCE library at run time" sh -c '
    ! readelf -d "$1" | grep -e swifttce -e RPATH -e RUNPATH' sh "$tmp/static"
run "static: runs under env -i, all as expected" env -i "$tmp/static"
# The example's own memory use: what an author copies should be clean.
run "static, AddressSanitizer and UBSan: builds" env -i PATH="$bare_path" \
    PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig" sh -c '
    flags=$(pkg-config --define-variable=prefix="$1" --cflags --libs swifttce-host-static) &&
    cc $2 -g -fsanitize=address,undefined -fno-sanitize-recover=all "$3"/*.c $flags -o "$4"' \
    sh "$dest$prefix" "$cflags" "$example" "$tmp/asan"
run "static, AddressSanitizer and UBSan: runs without a report (leaks included)" \
    env -i ASAN_OPTIONS=detect_leaks=1 "$tmp/asan"

# ---- dlopen of the installed shared object --------------------------------
so=$dest$prefix/lib/libswifttce-host.so.0
run "dlopen: builds with the installed headers and -ldl only" \
    env -i PATH="$bare_path" sh -c 'cc $1 -DHOST_EMULATOR_DLOPEN -I"$2" "$3"/*.c -ldl -o "$4"' \
    sh "$cflags" "$dest$prefix/include" "$example" "$tmp/dlopen"
run "dlopen: links nothing of SwiftTCE's" sh -c '
    ! nm "$1" | grep -q " U swifttce_" && ! readelf -d "$1" | grep -q swifttce' sh "$tmp/dlopen"
env -i "$tmp/dlopen" "$so" >"$log" 2>&1
status=$?
grep -q "^SwiftTCE [0-9.]* (built against [0-9.]*)" "$log"
tap $((status | $?)) "dlopen: runs under env -i, loading $so, version checked first, all as expected"

# A library the example must refuse: one saying an older minor (a
# stand-in), and one with no swifttce_version (as 0.2's had none).
printf 'const char *swifttce_version(void);\nconst char *swifttce_version(void)\n{\n    return "0.2.9";\n}\n' \
    >"$tmp/old.c"
printf 'SWIFTTCE_0.3 { global: swifttce_version; local: *; };\n' >"$tmp/node.map"
cc -shared -fPIC -Wl,--version-script="$tmp/node.map" "$tmp/old.c" -o "$tmp/libold.so"
env -i "$tmp/dlopen" "$tmp/libold.so" >"$log" 2>&1
status=$?
test "$status" = 1 && grep -q "SwiftTCE 0.2.9 cannot stand in for" "$log"
tap $? "dlopen: a library saying 0.2.9 is refused, by its version"
env -i "$tmp/dlopen" "$dest$prefix/lib/libswifttce.so.0" >"$log" 2>&1
status=$?
test "$status" = 1 && grep -q "no swifttce_version@SWIFTTCE_0.3" "$log"
tap $? "dlopen: a library without swifttce_version (the standalone one) is refused"

echo "1..$n"
exit $failed
