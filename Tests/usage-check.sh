#!/bin/sh
# Runs every snippet of the "Using SwiftTCE from C" and "Host mode"
# documentation, as a user would paste it: a meson subproject consumer,
# meson-glue/example and example-host, make install + pkg-config (cc, Make and meson, shared
# and static, the standalone library and host mode), and dlopen. The
# snippets are read from README.md (<!-- snippet: NAME --> before a fenced
# block); the snippets' SWIFTTCE=$HOME/src/SwiftTCE is this package. An
# <!-- excerpt: PATH --> block must stand in PATH as it is.
# Output is TAP.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
doc=README.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-usage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export HOME="$tmp/home"
mkdir -p "$HOME/src"
ln -s "$root" "$HOME/src/SwiftTCE"
# We may run under `make check`: its jobserver is not for our own makes.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES PKG_CONFIG_PATH

log="$tmp/log"
. "$root/Tests/tap.sh"
tap_log=$log

# The fenced block after <!-- snippet: NAME -->.
snippet() {
    echo "$1" >>"$tmp/used"   # (often run in a subshell)
    awk -v name="$1" '
        $0 == "<!-- snippet: " name " -->" { want = 1; next }
        want && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$root/$doc"
}

# run DESCRIPTION COMMAND...: a test; its output goes to the log.
run() {
    desc=$1
    shift
    "$@" >"$log" 2>&1
    tap $? "$desc"
}

# project DIR [MESON_BUILD_SNIPPET]: emulator.c and a meson.build.
project() {
    mkdir -p "$1"
    snippet c-program >"$1/emulator.c"
    snippet "${2:-meson-build}" >"$1/meson.build"
}

no_swifttce_needed() {
    ! readelf -d "$1" | grep -q 'NEEDED.*libswifttce'
}

echo "# snippets from $doc"

# ---- meson: a consumer with subprojects/swifttce -> meson-glue ----------
project "$tmp/meson-sub"
run "meson subproject: link, setup, compile, run" sh -c '
    cd "$1" && eval "$2" &&
    meson setup --force-fallback-for=swifttce build &&
    meson compile -C build && ./build/emulator' sh \
    "$tmp/meson-sub" "$(snippet meson-subproject-link)"
run "meson subproject: swifttce_dep came from meson-glue" \
    grep -q 'swifttce found: YES.*overridden' "$tmp/meson-sub/build/meson-logs/meson-log.txt"
run "meson subproject, -Dswifttce:library=shared: runs with the .so" sh -c '
    cd "$1" && meson setup --force-fallback-for=swifttce -Dswifttce:library=shared shared &&
    meson compile -C shared && readelf -d shared/emulator | grep -q "NEEDED.*libswifttce.so" &&
    env -i ./shared/emulator' sh "$tmp/meson-sub"

# ---- meson-glue/example, from the package root ---------------------------
rm -rf "$root/build/meson-example"
run "meson-glue/example builds and runs" sh -c 'cd "$1" && eval "$2"' sh \
    "$root" "$(snippet meson-example)"

# ---- meson-glue/example-host: dependency('swifttce-host'), the wrap's -------
rm -rf "$root/build/meson-example-host"
run "meson-glue/example-host builds and runs" sh -c 'cd "$1" && eval "$2"' sh \
    "$root" "$(snippet meson-host-example)"
run "meson-glue/example-host: swifttce-host came from the subproject, no fallback" \
    grep -q 'Dependency swifttce-host found: YES.*overridden' \
    "$root/build/meson-example-host/meson-logs/meson-log.txt"

# ---- make install + pkg-config ------------------------------------------
run "make install PREFIX=... (as in the snippet)" sh -c 'cd "$1" && eval "$2"' sh \
    "$root" "$(snippet install)"
eval "$(snippet install | grep '^export ')"
prefix="$HOME/.local/swifttce"
version=$(make -s --no-print-directory -C "$root" print-version)
run "the prefix has the headers, the libraries under their names, four .pc" sh -c '
    for f in include/swifttce.h include/swifttce/memory.h \
             include/swifttce/spapr_tce.h include/swifttce/host.h \
             lib/libswifttce.a lib/libswifttce-host.a \
             lib/libswifttce.so lib/libswifttce.so.0 lib/libswifttce.so.$2 \
             lib/libswifttce-host.so lib/libswifttce-host.so.0 \
             lib/libswifttce-host.so.$2 \
             lib/pkgconfig/swifttce.pc lib/pkgconfig/swifttce-static.pc \
             lib/pkgconfig/swifttce-host.pc lib/pkgconfig/swifttce-host-static.pc; do
        test -f "$1/$f" || { echo "missing $f"; exit 1; }
    done
    test "$(pkg-config --variable=prefix swifttce-host-static)" = "$1"' sh \
    "$prefix" "$version"

# cc_recipe DIR PROGRAM_SNIPPET SOURCE RECIPE_SNIPPET: the recipe, in DIR.
cc_recipe() {
    mkdir -p "$1"
    snippet "$2" >"$1/$3"
    (cd "$1" && eval "$(snippet "$4")")
}
run "pkg-config, shared: the cc recipe builds and runs under env -i" \
    cc_recipe "$tmp/cc-shared" c-program emulator.c cc-shared
run "pkg-config, shared: the program needs libswifttce.so.0" sh -c '
    readelf -d "$1" | grep -q "NEEDED.*\[libswifttce\.so\.0\]"' sh \
    "$tmp/cc-shared/emulator"
run "pkg-config, static: the cc recipe builds and runs under env -i" \
    cc_recipe "$tmp/cc-static" c-program emulator.c cc-static
run "pkg-config, static: the program needs no libswifttce.so" \
    no_swifttce_needed "$tmp/cc-static/emulator"

for kind in shared static; do
    mkdir -p "$tmp/make-$kind"
    snippet c-program >"$tmp/make-$kind/emulator.c"
    snippet "makefile-$kind" >"$tmp/make-$kind/Makefile"
done
run "pkg-config: Makefile, shared: builds and runs" sh -c '
    cd "$1" && make emulator && ./emulator' sh "$tmp/make-shared"
run "pkg-config: Makefile, static: builds and runs without libswifttce.so" sh -c '
    cd "$1" && make emulator && env -i ./emulator' sh "$tmp/make-static"
run "pkg-config: the static build needs no libswifttce.so" \
    no_swifttce_needed "$tmp/make-static/emulator"

project "$tmp/meson-pc"
run "meson with the installed swifttce.pc: builds and runs" sh -c '
    cd "$1" && meson setup build && meson compile -C build && ./build/emulator &&
    grep -q "Run-time dependency swifttce found: YES" build/meson-logs/meson-log.txt' \
    sh "$tmp/meson-pc"
project "$tmp/meson-pc-static" meson-build-static
run "meson with the installed swifttce-static.pc: builds and runs" sh -c '
    cd "$1" && meson setup build && meson compile -C build && env -i ./build/emulator' \
    sh "$tmp/meson-pc-static"
run "meson with swifttce-static needs no libswifttce.so" \
    no_swifttce_needed "$tmp/meson-pc-static/build/emulator"

# ---- host mode: the engine alone, through its own modules -----------------
run "host mode, shared: the cc recipe builds and runs under env -i" \
    cc_recipe "$tmp/host-shared" host-program host-emulator.c cc-host-shared
run "host mode, shared: the program needs libswifttce-host.so.0" sh -c '
    readelf -d "$1" | grep -q "NEEDED.*\[libswifttce-host\.so\.0\]"' sh \
    "$tmp/host-shared/host-emulator"
run "host mode, static: the cc recipe builds and runs under env -i" \
    cc_recipe "$tmp/host-static" host-program host-emulator.c cc-host-static
run "host mode, static: the program needs no libswifttce-host.so" \
    no_swifttce_needed "$tmp/host-static/host-emulator"

# ---- dlopen ---------------------------------------------------------------
mkdir -p "$tmp/dl"
snippet dlopen-c >"$tmp/dl/plugin-host.c"
run "dlopen: the plugin host builds and loads build/lib/libswifttce.so under env -i" \
    sh -c 'cd "$1" && eval "$2" | grep -q "tce 0x9001, translate -> 0x9000"' sh \
    "$tmp/dl" "$(snippet dlopen-run)"
run "dlopen: the installed copy loads under env -i too" sh -c '
    cd "$1" && env -i ./plugin-host "$2/lib/libswifttce.so"' sh "$tmp/dl" "$prefix"

# ---- excerpts of Tests/host/ are what the files say -----------------------
# excerpts: "PATH<TAB>START_LINE" for each excerpt, START_LINE the README's
# line of its first code line.
awk '/^<!-- excerpt: .* -->$/ { path = $3; want = 1; next }
     want && /^```/ { print path "\t" NR + 1; want = 0 }' "$root/$doc" >"$tmp/excerpts"
while IFS="$(printf '\t')" read -r path line; do
    awk -v from="$line" 'NR >= from { if (/^```/) exit; print }' "$root/$doc" \
        >"$tmp/excerpt"
    # The excerpt's lines, in order and together, somewhere in the file.
    awk 'NR == FNR { want[n++] = $0; next }
         { line[m++] = $0 }
         END {
             for (i = 0; i + n <= m; i++) {
                 for (j = 0; j < n && line[i + j] == want[j]; j++) {}
                 if (j == n) exit 0
             }
             exit 1
         }' "$tmp/excerpt" "$root/$path" >"$log" 2>&1
    tap $? "the README's excerpt of $path (line $line) is in the file"
done <"$tmp/excerpts"

# ---- every snippet was used -------------------------------------------------
grep -o '<!-- snippet: [a-z0-9-]* -->' "$root/$doc" |
    sed 's/<!-- snippet: \(.*\) -->/\1/' | sort -u >"$tmp/all"
sort -u "$tmp/used" >"$tmp/used.sorted"
comm -23 "$tmp/all" "$tmp/used.sorted" >"$log"
test -s "$tmp/all" && ! test -s "$log"
tap $? "every snippet in $doc is exercised ($(wc -l <"$tmp/all") snippets)"

echo "1..$n"
exit $failed
