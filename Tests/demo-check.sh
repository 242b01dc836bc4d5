#!/bin/sh
# The example emulator as a test: `make demo` (meson through meson-glue),
# then more runs with other window sizes, page sizes and mapping counts.
# The demo's exit status is its own verdict: container state == table state,
# every buffer as the guest left it, and the frame scanned out through
# translate == the guest's framebuffer. Output is TAP.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
demo="$root/build/demo-build/pseries-demo"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-demo.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
log="$tmp/log"
. "$root/Tests/tap.sh"
tap_log=$log
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# refused PATTERN ARGS...: the demo refuses ARGS as a usage error (status 2)
# before it prints a report, in one line on stderr that matches PATTERN
# (the option as given and its limit).
refused() {
    pattern=$1
    shift
    "$demo" "$@" >"$tmp/stdout" 2>"$log"
    test $? = 2 && test ! -s "$tmp/stdout" && test "$(wc -l <"$log")" = 1 &&
        grep -q -- "$pattern" "$log"
    rc=$?
    sed 's/^/# /' "$log"
    return $rc
}

make -C "$root" --no-print-directory demo >"$log" 2>&1
tap $? "make demo builds through meson-glue and runs"
grep -q 'state == table state: yes' "$log"
tap $? "the report says container state == table state"
grep -q 'swifttce found: YES.*overridden' \
    "$root/build/demo-build/meson-logs/meson-log.txt"
tap $? "swifttce came from the meson-glue subproject"
head -c 8 "$root/build/demo/frame.png" 2>/dev/null | od -An -c | grep -q 'P   N   G'
tap $? "build/demo/frame.png is a PNG"
grep -q '^frame: *build/demo/frame.png ([0-9]*x[0-9]* PNG)$' "$log"
tap $? "the report names frame.png as a PNG"
head -c 8 "$root/build/demo/replay-vs-window.png" 2>/dev/null |
    od -An -c | grep -q 'P   N   G' &&
    tail -c 8 "$root/build/demo/replay-vs-window.png" | grep -q IEND &&
    grep -q '^plot: *build/demo/replay-vs-window.png ([0-9]*x[0-9]* PNG)$' \
        "$log"
tap $? "build/demo/replay-vs-window.png is a whole PNG, and the report says so"
# One line a window from 2^8 to 2^31 pages of 64 KiB: 16 MiB to 128 TiB,
# SwiftTCE's replay time and storage, then the flat table's.
t='[0-9.]* [num]*s'
b='[0-9.]* [KMG]*i*B'
test "$(grep -c "^  *[0-9]* [KMGT]iB  *[0-9]*  $t  *$b  *$t" "$log")" = 24 &&
    grep -q "^  *16 MiB  *256  $t  *$b  *$t  *2 KiB$" "$log" &&
    grep -q "^  *128 TiB  *2147483648  $t  *$b  *$t (extrapolated)  *16 GiB$" \
        "$log" &&
    grep -q '^  *the flat table measured up to 2^[0-9]* pages' "$log"
tap $? "the report gives the sweep's 24 windows, the largest extrapolated"
sed -n '/^pseries-demo:/,$p' "$log" | sed 's/^/# /'

# Warning-free (-Wall -Wextra -Werror) with both compilers, whichever one
# make demo used: one meson build dir each, configured once.
for cc in gcc clang; do
    dir="$root/build/demo-$cc"
    if [ ! -f "$dir/build.ninja" ]; then
        CC=$cc meson setup --force-fallback-for=swifttce "$dir" "$root/demo" \
            >"$log" 2>&1
    fi
    meson compile -C "$dir" >"$log" 2>&1 &&
        grep -q "C compiler for the host machine: $cc " \
            "$dir/meson-logs/meson-log.txt"
    tap $? "the demo builds with $cc, warnings as errors"
done

"$demo" --help >"$log" 2>&1 && grep -q -- '--window-size' "$log"
tap $? "pseries-demo --help"

for args in "-w 1T -p 4K -n 1000" "-w 64G -p 16M -n 8" "-w 256T -p 2M -n 5000" \
            "-w 128T -p 64K -n 1"; do
    "$demo" $args -o "$tmp/frame.png" --plot=none >"$log" 2>&1
    tap $? "pseries-demo $args"
done

# Every option's range and default is in --help.
"$demo" --help >"$log" 2>&1
for opt in window-size page-size mappings ram output plot; do
    grep -q -- "--$opt=[A-Z]* .*: .* (default [^)]*)$" "$log"
    tap $? "--help gives --$opt's range and default"
done
grep -q -- '--window-size  at most 2^31 TCEs: 8T of 4K, 128T of 64K' "$log"
tap $? "--help gives the largest window of each page size"

# Refused before the machine runs, each in one sentence with its limit.
while IFS='|' read -r args pattern; do
    refused "^pseries-demo: $pattern" $args
    tap $? "pseries-demo $args is refused"
done <<'EOF'
-w 64K|--window-size=64K holds 1 page of --page-size=64K, fewer than the 272
-w 1M -n 1|--window-size=1M holds 16 pages of --page-size=64K, fewer than the 20
-w 4K|--window-size=4K is smaller than one page of --page-size=64K$
-w 128T -p 4K|--window-size=128T with --page-size=4K needs 2^35 TCEs; a DDW holds at most 2^31, 8T of 4K pages$
-w 3G|--window-size=3G is not a power of two
-w 16E|--window-size=16E is not a size: a number below 2^64
-w 64Q|--window-size=64Q is not a size: a number below 2^64 with an optional K, M, G, T, P or E$
-r lots|--ram=lots is not a size: a number below 2^64
-p 8K|--page-size=8K is not a page size the PHB offers (4K, 64K, 2M or 16M)$
-n 0|--mappings=0 is not in 1 to 1000000$
-n 1000001|--mappings=1000001 is not in 1 to 1000000$
-r 8M|--ram=8M is less than the 16M
-p 16M -r 64M|--ram=64M is less than the 96M the guest needs with --page-size=16M$
-r 1E|--ram=1E cannot be allocated on this host$
frame.png|unexpected argument "frame.png"
-- frame.png|unexpected argument "frame.png"
--frobnicate|Unknown option --frobnicate$
EOF

# The picture's format is its name's extension's, or the name is refused.
"$demo" -o "$tmp/frame.PPM" --plot=none >"$log" 2>&1 &&
    test "$(head -c 2 "$tmp/frame.PPM")" = P6 &&
    grep -q "^frame: *$tmp/frame.PPM ([0-9]*x[0-9]* PPM)$" "$log"
tap $? "--output=frame.PPM writes a PPM and the report says so"
refused "^pseries-demo: --output=$tmp/frame.jpg .*\.png or \.ppm" \
    -o "$tmp/frame.jpg" && test ! -e "$tmp/frame.jpg"
tap $? "--output=frame.jpg is refused: only .png and .ppm are written"

# text_lines PPM N: how many of the picture's last N legend lines (22 rows
# each, above a 12-row margin) hold text in the legend's colour, 0xe8e8f0.
text_lines() {
    hdr=$(head -n 3 "$1" | wc -c)
    set -- "$1" "$2" $(sed -n 2p "$1")
    top=$(($4 - 12 - 22 * $2))
    od -An -v -tu1 -j $((hdr + top * $3 * 3)) -N $((22 * $2 * $3 * 3)) "$1" |
        tr -s ' ' '\n' | grep . |
        awk -v w="$3" '{ c[NR % 3] = $1 }
            NR % 3 == 0 && c[1] == 232 && c[2] == 232 && c[0] == 240 {
                lit[int((NR / 3 - 1) / w / 22)]++ }
            END { for (l in lit) if (lit[l] > 50) n++; print n + 0 }'
}

# The legend is drawn on the picture: a line of text for the bands, each
# kind of square and the storage bar, and one more when squares are left out.
"$demo" -o "$tmp/legend.ppm" --plot=none >"$log" 2>&1 &&
    test "$(text_lines "$tmp/legend.ppm" 5)" = 5
tap $? "the frame has a legend: five lines of text below the status strip"
"$demo" -w 1T -p 4K -n 1000 -o "$tmp/legend-1000.ppm" --plot=none \
    >"$log" 2>&1 &&
    test "$(text_lines "$tmp/legend-1000.ppm" 6)" = 6 &&
    test $(($(sed -n 2p "$tmp/legend-1000.ppm" | cut -d' ' -f2) - \
            $(sed -n 2p "$tmp/legend.ppm" | cut -d' ' -f2))) = 22
tap $? "with 1000 buffers the legend says which squares are shown, 22 rows more"

# The sweep's picture: beside --output in its format by default, its own
# extension's with --plot, none with --plot=none.
mkdir -p "$tmp/out"
"$demo" -p 2M -o "$tmp/out/frame.ppm" >"$log" 2>&1 &&
    test "$(head -c 2 "$tmp/out/replay-vs-window.ppm")" = P6 &&
    grep -q "^plot: *$tmp/out/replay-vs-window.ppm ([0-9]*x[0-9]* PPM)$" \
        "$log" && grep -q '^  *4 PiB  *2147483648 .*(extrapolated)' "$log"
tap $? "the sweep's picture goes beside --output=frame.ppm as a PPM"
"$demo" --plot=none -o "$tmp/none.png" >"$log" 2>&1 &&
    ! grep -q '^sweep:\|^plot:' "$log" && test ! -e "$tmp/replay-vs-window.png"
tap $? "--plot=none measures and writes no sweep"
refused "^pseries-demo: --plot=$tmp/sweep.gif .*\.png or \.ppm file or none$" \
    --plot="$tmp/sweep.gif"
tap $? "--plot=sweep.gif is refused"

# The demo's own spapr_iommu_* events read as a QEMU run's: the trace
# checker replays them with no mismatch (DDW create, indirect maps, stuff
# unmaps, translates, the reset and the DDW made again).
"$demo" -w 1T -n 200 --plot=none -o "$tmp/t.png" --trace="$tmp/demo.trace" \
    >"$log" 2>&1 &&
    grep -q "^trace: *$tmp/demo.trace ([1-9][0-9]* events)$" "$log" &&
    grep -q '^# machine: ram=[0-9]* ddw=on pgsz=0x[0-9a-f]* phbs=1$' \
        "$tmp/demo.trace" &&
    grep -q '^spapr_iommu_pci_indirect ' "$tmp/demo.trace" &&
    grep -q '^spapr_iommu_xlate ' "$tmp/demo.trace" &&
    "${TRACE_CHECK:-$root/build/bin/tce-trace-check}" "$tmp/demo.trace" \
        >>"$log" 2>&1 &&
    grep -q ' 0 mismatches, 0 errors$' "$log"
tap $? "--trace writes the run's events, and tce-trace-check passes them"
refused "^pseries-demo: --trace=$tmp/no/such/dir/t.trace cannot be written: " \
    --trace="$tmp/no/such/dir/t.trace"
tap $? "--trace to a path that cannot be written is refused"

echo "1..$n"
exit $failed
