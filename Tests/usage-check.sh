#!/bin/sh
# Runs every snippet of the "Using SwiftTCE from C" documentation, as a user
# would paste it: a meson subproject consumer, meson-glue/example, make
# install + pkg-config (cc, Make shared and static, meson), and dlopen.
# The snippets are read from README.md (<!-- snippet: NAME --> before a
# fenced block).
# Output is TAP.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
doc=README.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-usage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export SWIFTTCE="$root"
# We may run under `make check`: its jobserver is not for our own makes.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES PKG_CONFIG_PATH

n=0
failed=0
log="$tmp/log"

tap() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
        tail -n 30 "$log" | sed 's/^/# /'
    fi
}

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

project() {
    mkdir -p "$1"
    snippet c-program >"$1/emulator.c"
    { echo "project('consumer', 'c')"; snippet meson-build; } >"$1/meson.build"
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

# ---- make install + pkg-config ------------------------------------------
export HOME="$tmp/home"
mkdir -p "$HOME"
run "make install PREFIX=... (as in the snippet)" sh -c 'cd "$1" && eval "$2"' sh \
    "$root" "$(snippet install)"
eval "$(snippet install | grep '^export ')"
prefix="$HOME/.local/swifttce"
run "the prefix has the headers, both libraries and swifttce.pc" sh -c '
    for f in include/swifttce.h include/swifttce/memory.h \
             include/swifttce/spapr_tce.h lib/libswifttce.a lib/libswifttce.so \
             lib/pkgconfig/swifttce.pc; do
        test -f "$1/$f" || { echo "missing $f"; exit 1; }
    done
    test "$(pkg-config --variable=prefix swifttce)" = "$1"' sh "$prefix"

mkdir -p "$tmp/cc"
snippet c-program >"$tmp/cc/emulator.c"
run "pkg-config: cc one-liner builds and runs (shared)" sh -c '
    cd "$1" && eval "$2" && readelf -d emulator | grep -q "NEEDED.*libswifttce.so"' sh \
    "$tmp/cc" "$(snippet cc-shared)"

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
project "$tmp/meson-pc-static"
sed -i "s/dependency('swifttce', /dependency('swifttce', static: true, /" \
    "$tmp/meson-pc-static/meson.build"
run "meson with the installed swifttce.pc, static: true: builds and runs" sh -c '
    cd "$1" && meson setup build && meson compile -C build && env -i ./build/emulator' \
    sh "$tmp/meson-pc-static"
run "meson static: true needs no libswifttce.so" \
    no_swifttce_needed "$tmp/meson-pc-static/build/emulator"

# ---- dlopen ---------------------------------------------------------------
mkdir -p "$tmp/dl"
snippet dlopen-c >"$tmp/dl/plugin-host.c"
run "dlopen: the plugin host builds and loads build/lib/libswifttce.so under env -i" \
    sh -c 'cd "$1" && eval "$2" | grep -q "tce 0x9001, translate -> 0x9000"' sh \
    "$tmp/dl" "$(snippet dlopen-run)"
run "dlopen: the installed copy loads under env -i too" sh -c '
    cd "$1" && env -i ./plugin-host "$2/lib/libswifttce.so"' sh "$tmp/dl" "$prefix"

# ---- every snippet was used -------------------------------------------------
grep -o '<!-- snippet: [a-z0-9-]* -->' "$root/$doc" |
    sed 's/<!-- snippet: \(.*\) -->/\1/' | sort -u >"$tmp/all"
sort -u "$tmp/used" >"$tmp/used.sorted"
comm -23 "$tmp/all" "$tmp/used.sorted" >"$log"
test -s "$tmp/all" && ! test -s "$log"
tap $? "every snippet in $doc is exercised ($(wc -l <"$tmp/all") snippets)"

echo "1..$n"
exit $failed
