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
# QEMU's PHB offers 4K, 64K, 2M and 16M pages: LoPAPR's bits 0x1, 0x2, 0x100
# and 0x4 of ibm,query-pe-dma-window's page size mask.
grep -q '(DDW by RTAS; 1 window free before, page mask 0x107: 4K, 64K, 2M and 16M pages offered)$' "$log"
tap $? "the report says which page sizes the page mask 0x107 offers"
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
    test "$(text_lines "$tmp/legend.ppm" 6)" = 6
tap $? "the frame has a legend: six lines of text below the status strip"
"$demo" -w 1T -p 4K -n 1000 -o "$tmp/legend-1000.ppm" --plot=none \
    >"$log" 2>&1 &&
    test "$(text_lines "$tmp/legend-1000.ppm" 7)" = 7 &&
    test $(($(sed -n 2p "$tmp/legend-1000.ppm" | cut -d' ' -f2) - \
            $(sed -n 2p "$tmp/legend.ppm" | cut -d' ' -f2))) = 22
tap $? "with 1000 buffers the legend says which squares are shown, 22 rows more"

# --dump-layout: where the pictures' texts, ticks and marks are drawn, one
# line each ("PICTURE text X Y W H TEXT", "PICTURE NOTE..."). Two shapes,
# both pictures each, as PPMs so that the pixels can be looked at too.

# text_of: a layout line's text (what follows X Y W H), in awk.
text_of='function text_of(line, i) { for (i = 0; i < 6; i++) sub(/^[^ ]+ /, "", line); return line }'

# drawn LAYOUT PICTURE PPM: every text the layout says PICTURE drew has
# pixels of a text colour inside its box (0xe8e8f0; the plot's flat/tree
# labels 0xa0a8c8). One pass over the pixels, one per line.
drawn() {
    hdr=$(head -n 3 "$3" | wc -c)
    width=$(sed -n 2p "$3" | cut -d' ' -f1)
    { grep "^$2 text " "$1"; echo END
      tail -c +$((hdr + 1)) "$3" | od -An -v -tu1 -w3; } |
    awk -v w="$width" '
        !pixels && $1 == "END" { pixels = 1; next }
        !pixels { n++; x[n] = $3; y[n] = $4; bw[n] = $5; bh[n] = $6; t[n] = $0; next }
        { p++ }
        ($1 == 232 && $2 == 232 && $3 == 240) || ($1 == 160 && $2 == 168 && $3 == 200) {
            lit[(p - 1) % w "," int((p - 1) / w)] = 1 }
        END {
            for (i = 1; i <= n; i++) {
                found = 0
                for (yy = y[i]; yy < y[i] + bh[i] && !found; yy++)
                    for (xx = x[i]; xx < x[i] + bw[i] && !found; xx++)
                        found = (xx "," yy) in lit
                if (!found) { print "# not drawn: " t[i]; bad = 1 }
            }
            exit n == 0 || bad
        }'
}

# inside_and_apart LAYOUT: every text lies inside its picture, and no two
# texts of a picture overlap.
inside_and_apart() {
    awk "$text_of"'
        $2 == "image" { W[$1] = $3; H[$1] = $4 }
        $2 == "text" {
            n++; p[n] = $1; x[n] = $3; y[n] = $4; w[n] = $5; h[n] = $6; t[n] = $0
            if ($3 < 0 || $4 < 0 || $3 + $5 > W[$1] || $4 + $6 > H[$1]) {
                print "# outside: " $0; bad = 1 }
        }
        END {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (p[i] == p[j] && x[i] < x[j] + w[j] && x[j] < x[i] + w[i] &&
                    y[i] < y[j] + h[j] && y[j] < y[i] + h[i]) {
                    print "# overlap: " t[i] " / " t[j]; bad = 1 }
            exit n == 0 || bad
        }' "$1"
}

# frame_title LAYOUT WINDOW: the frame's title names the window, above the
# scanned-out framebuffer.
frame_title() {
    awk -v want="Guest framebuffer, DMA'd through a $2 DDW" "$text_of"'
        $1 == "frame" && $2 == "framebuffer" { fb_y = $4 }
        $1 == "frame" && $2 == "text" && text_of($0) == want { bottom = $4 + $6 }
        END { exit !(bottom && fb_y && bottom <= fb_y) }' "$1"
}

# bar_scale LAYOUT RIGHT: the storage bar's scale ends, just below it: 1 KiB
# at its left end, RIGHT (bytes with a unit) at its right end; the flat
# table's tick on the bar.
bar_scale() {
    awk -v right="$2" "$text_of"'
        $1 == "frame" && $2 == "bar" { bx = $3; by = $4; bw = $5; bh = $6; tick = $10 }
        $1 == "frame" && $2 == "text" { n++; x[n] = $3; y[n] = $4; w[n] = $5; t[n] = text_of($0) }
        END {
            for (i = 1; i <= n; i++) {
                if (y[i] < by + bh || y[i] > by + bh + 8) continue
                if (x[i] == bx && t[i] == "1 KiB") left = 1
                if (x[i] + w[i] == bx + bw && t[i] == right &&
                    t[i] ~ /^[0-9.]+ (B|KiB|MiB|GiB|TiB|PiB)$/) rightok = 1
            }
            exit !(bw > 0 && left && rightok && tick >= bx && tick < bx + bw)
        }' "$1"
}

# x_ticks LAYOUT FIRST LAST: each panel of the plot labels at least 6
# window sizes on its x axis, FIRST and LAST among them.
x_ticks() {
    awk -v first="$2" -v last="$3" '
        $1 == "plot" && $2 == "xtick" { n[$3]++; seen[$3 " " $5] = 1 }
        END {
            for (panel in n) {
                panels++
                if (n[panel] < 6 || !((panel " " first) in seen) ||
                    !((panel " " last) in seen)) bad = 1
            }
            exit panels != 2 || bad
        }' "$1"
}

# boundary LAYOUT FLAT_MAX: each panel marks where SwiftTCE goes from a flat
# array (windows up to FLAT_MAX bytes) to a tree: between SwiftTCE's points
# at FLAT_MAX and twice that, "flat" on its left and "tree" on its right.
boundary() {
    awk -v flat_max="$2" "$text_of"'
        $1 == "plot" && $2 == "point" && $4 == "ours" && $5 == flat_max { before[$3] = $6 }
        $1 == "plot" && $2 == "point" && $4 == "ours" && $5 == 2 * flat_max { after[$3] = $6 }
        $1 == "plot" && $2 == "boundary" {
            b++; px[b] = $4; panel[b] = $3
            if ($5 != flat_max || $6 != 2 * flat_max) bad = 1 }
        $1 == "plot" && $2 == "text" && text_of($0) == "flat" { f++; fr[f] = $3 + $5 }
        $1 == "plot" && $2 == "text" && text_of($0) == "tree" { r++; tl[r] = $3 }
        END {
            for (i = 1; i <= b; i++) {
                if (!(before[panel[i]] < px[i] && px[i] < after[panel[i]])) bad = 1
                ok = 0
                for (j = 1; j <= f; j++) for (k = 1; k <= r; k++)
                    if (fr[j] < px[i] && fr[j] > px[i] - 20 &&
                        tl[k] > px[i] && tl[k] < px[i] + 20) ok = 1
                if (!ok) bad = 1
            }
            exit b != 2 || bad
        }' "$1"
}

# storage_drop REPORT: the window (bytes) of the sweep's first row where
# SwiftTCE's storage falls to under a quarter of the row before's.
storage_drop() {
    awk 'function bytes(n, unit, i) {
             for (i = 1; i <= 5; i++) if (unit == substr("KMGTP", i, 1) "iB") return n * 2^(10 * i)
             return n }
        /^sweep:/ { on = 1; next }
        on && /^ +[0-9]+ [KMGTP]iB +[0-9]+ / {
            s = bytes($6, $7)
            if (prev && s * 4 < prev && !drop) drop = bytes($1, $2)
            prev = s }
        END { printf "%.0f\n", drop }' "$1"
}

for shape in "128T 64K 128 TiB 16 GiB 16M 128T 38" "1T 4K 1 TiB 2 GiB 1M 8T 34"; do
    set -- $shape
    args="-w $1 -p $2"
    window="$3 $4" flat="$5 $6" first=$7 last=$8 flat_max=$((1 << $9))
    out="$tmp/layout-$1"
    "$demo" $args -o "$out-frame.ppm" --plot="$out-plot.ppm" \
        --dump-layout="$out.txt" >"$log" 2>&1 &&
        grep -q "^layout: *$out.txt ([1-9][0-9]* lines)$" "$log"
    tap $? "pseries-demo $args --dump-layout writes the layout, and the report says so"
    cp "$log" "$out.report"
    tap_log=$out.txt
    inside_and_apart "$out.txt" >"$tmp/why" 2>&1
    tap $? "$args: every text inside its picture, none overlapping" "$tmp/why"
    drawn "$out.txt" frame "$out-frame.ppm" >"$tmp/why" 2>&1 &&
        drawn "$out.txt" plot "$out-plot.ppm" >>"$tmp/why" 2>&1
    tap $? "$args: every text the layout names is drawn where it says" "$tmp/why"
    frame_title "$out.txt" "$window"
    tap $? "$args: the frame's title, above it, names the $window DDW"
    grep -q '^frame text .* Ring: guest-drawn; a wrong translate breaks it$' "$out.txt"
    tap $? "$args: the legend says what the ring is"
    bar_scale "$out.txt" "$flat"
    tap $? "$args: the storage bar's scale ends, 1 KiB and $flat, are below its ends"
    x_ticks "$out.txt" "$first" "$last"
    tap $? "$args: the plot's x axes label at least 6 window sizes, $first to $last"
    boundary "$out.txt" "$flat_max"
    tap $? "$args: both panels mark where the flat array gives way to the tree"
    test "$(storage_drop "$out.report")" = "$((flat_max * 2))"
    tap $? "$args: the sweep's storage drops at the marked window" "$out.report"
    grep -q "^plot text .* SwiftTCE: a flat array up to 2^22 TCEs ($(echo "$flat_max" |
        awk '{ print ($1 >= 2^40 ? $1 / 2^40 " TiB" : $1 / 2^30 " GiB") }')), a radix tree beyond$" \
        "$out.txt"
    tap $? "$args: the plot's legend says why"
    tap_log=$log
done

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
