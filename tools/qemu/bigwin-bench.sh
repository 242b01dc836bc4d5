#!/bin/bash
# bigwin-bench.sh   (make qemu-bench)
# Huge DMA windows, stock QEMU 7.2 against the SwiftTCE QEMU, one table from
# one run. The bigwin shape (shapes.sh: a 4 GiB guest whose memory may grow
# to BIGWIN_MAXMEM, so that Linux makes a DDW covering it) on each side, the
# same guest; QEMU_BENCH_RUNS rounds (default 1), the sides' order reversed
# every other round. The sides:
#   stock            source and destination QEMU_STOCK
#   swifttce         source and destination QEMU_SWIFTTCE
#   swifttce-sparse  source QEMU_SWIFTTCE with -global
#                    spapr-tce-table.sparse-migration=on, destination
#                    QEMU_SWIFTTCE; only when that binary knows the property
#                    (probed: QEMU refuses an unknown -global at start),
#                    otherwise a line says why it was skipped
# Each run, a column each:
#   rss     VmRSS (MiB) once the boot DDW is made and 4 GiB mapped (the
#           guest's first verified I/O done, IOMMU-STEP 1 printed)
#   hwm     VmHWM (MiB) after the window's removal and re-creation
#   calls, clear  the H_STUFF_TCE calls with which Linux clears the window
#           before it removes it, and their time (ms; ddw-times.py: from the
#           first call's trace line to the last's, the guest's time between
#           calls included). The one traced figure: QEMU runs with
#           -trace spapr_iommu_pci_stuff (one line a call) and
#           spapr_iommu_ddw_create/ddw_remove (twice, once: the geometry,
#           the clear's end), -msg timestamp=on, nothing else
#   remove, add  the guest's DLPAR remove of the PHB (drmgr: the clear and
#           the RTAS remove included) and its re-add until the disk is back
#           (the DDW made again, 4 GiB mapped): ms, the guest's clock
#           (IOMMU-TIME; /proc/uptime, 10 ms steps)
#   iommu   the spapr_iommu sections' bytes in the stream (extract-vmstate.py
#           --sizes) of a live migration to a file (max-bandwidth 4 GiB/s)
#           at IOMMU-MIGRATE-NOW; the source goes on, its data verified at
#           the end
#   total, down  info migrate's (query-migrate's total-time and downtime), ms
#   dst hwm VmHWM (MiB) of the destination once it loaded that stream
#           (started after the source quit: one guest at a time)
# A stock source that dies saving a window of 2^28 entries or more (QEMU
# 7.2's vmstate index arithmetic) is a row with "-" and the reason below the
# table, not a failed bench; anything else that fails stops the bench.
#   QEMU_STOCK     default /usr/bin/qemu-system-ppc64
#   QEMU_SWIFTTCE  default $QEMU_OUT/build/qemu-system-ppc64 (make qemu)
#   BIGWIN_PGSZ, BIGWIN_MAXMEM  the window (shapes.sh): default 0x11000 and
#                  4T, 2^26 entries of 64 KiB; 0x1000 and 2T: 2^29 of 4 KiB
#   QEMU_BENCH_RUNS  rounds (default 1); with more, a median row a side
# Work files in $QEMU_OUT/qemu-bench/SIDE-ROUND (streams removed after each
# run); the report on stdout and in $QEMU_OUT/qemu-bench/table.txt.
set -eu
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
STOCK=${QEMU_STOCK:-/usr/bin/qemu-system-ppc64}
SWIFT=${QEMU_SWIFTTCE:-$OUT/build/qemu-system-ppc64}
RUNS=${QEMU_BENCH_RUNS:-1}
export BIGWIN_PGSZ=${BIGWIN_PGSZ:-0x11000} BIGWIN_MAXMEM=${BIGWIN_MAXMEM:-4T}
SPARSE_GLOBAL="-global spapr-tce-table.sparse-migration=on"
BW=$OUT/qemu-bench
die() { echo "qemu-bench: $*" >&2; exit 1; }
say() { echo "qemu-bench: $*" >&2; }
for q in "$STOCK" "$SWIFT"; do [ -x "$q" ] || die "no QEMU binary $q (make qemu, or QEMU_STOCK/QEMU_SWIFTTCE)"; done
rm -rf "$BW"; mkdir -p "$BW"
FMT='%-16s %5s %6s %8s %8s %7s %6s %11s %6s %6s %7s\n'
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; return 0; }
trap cleanup EXIT INT TERM

kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
mib() { echo $(( ($1 + 512) / 1024 )); }
waitcon() {   # waitcon REGEX SECONDS
    t=0
    while ! tr -d '\r' 2>/dev/null < "$W/src.console" | grep -Eq "$1"; do
        kill -0 "$pid" 2>/dev/null || die "$tag: QEMU ended before the guest said '$1' (see $W)"
        t=$((t + 1)); [ $t -le $(($2 * 5)) ] || die "$tag: the guest did not say '$1' in $2 s (see $W)"
        sleep 0.2
    done
}
mon() { python3 "$TOOLS/monitor.py" "$W/$1" "${@:2}"; }
note() { echo "# $tag: $*" >> "$BW/notes.txt"; }
qemu_args() {   # the shape's command line (run-guest.sh's), console and monitor in W
    ARGS="-M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults
          -chardev file,id=con0,path=$W/$1.console -serial chardev:con0
          -monitor unix:$W/$1.sock,server,nowait
          $BOOT $DRIVES $DEVS -D $W/$1.trace
          -trace spapr_iommu_pci_stuff -trace spapr_iommu_ddw_remove -trace spapr_iommu_ddw_create"
}

# Does the SwiftTCE binary know the sparse property? QEMU applies -global
# when it makes the machine's tables, and exits on a property it lacks.
probe_sparse() {
    echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
        timeout 120 "$SWIFT" -M pseries -accel tcg -display none -nodefaults -S -monitor none \
            -serial none $SPARSE_GLOBAL -qmp stdio 2>&1 > /dev/null | tr -d '\r' | head -n1
    return "${PIPESTATUS[1]}"
}

run() {     # run SIDE ROUND SRC DST [SRC_EXTRA]
    tag=$1-$2; side=$1; src=$3; dst=$4; extra=${5:-}
    W=$BW/$tag; mkdir -p "$W"
    say "$tag: booting ($(date -u +%H:%M:%S))"
    # shellcheck source=/dev/null
    . "$TOOLS/shapes.sh"
    shape_setup bigwin "$W"
    shape_boot "$W"
    APPEND="console=hvc0 quiet iommu.kb=$KB iommu.hold=1 iommu.md5=$DISK_MD5 $APPEND_EXTRA"
    qemu_args src
    # shellcheck disable=SC2086
    "$src" $ARGS $extra -append "$APPEND" > "$W/src.stdout" 2>&1 &
    pid=$!
    echo "$src $ARGS $extra -append \"$APPEND\"" | tr -s ' \n' ' ' > "$W/src.cmdline"
    waitcon "IOMMU-STEP 1" 1800
    rss=$(mib "$(kib $pid VmRSS)")
    waitcon "IOMMU-MIGRATE-NOW" 1800
    hwm=$(mib "$(kib $pid VmHWM)")
    geo=$(sed -n 's/.*spapr_iommu_ddw_create \(.*\)/\1/p' "$W/src.trace" | tail -n1)
    req=$(echo "$geo" | sed -n 's/.*requested=\(0x[0-9a-f]*\).*/\1/p')
    page=$(echo "$geo" | sed -n 's/.*page size=\(0x[0-9a-f]*\).*/\1/p')
    [ -n "$req" ] && [ -n "$page" ] || die "$tag: no ddw_create in $W/src.trace"
    entries=$((req / page))
    echo "$entries $((page))" > "$BW/window"
    "$TOOLS/ddw-times.py" "$W/src.trace" > "$W/times" || die "$tag: no clear before the window's removal in $W/src.trace"
    t() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$W/times"; }
    gt() { tr -d '\r' < "$W/src.console" | sed -n "s/^IOMMU-TIME: step 1 remove \([0-9]*\) ms, add \([0-9]*\) ms.*/\\$1/p" | head -n1; }
    say "$tag: migrating ($(date -u +%H:%M:%S))"
    mon src.sock "migrate_set_parameter max-bandwidth 4G" > /dev/null
    if mon src.sock "migrate \"exec:cat > $W/stream\"" wait-migration > "$W/migrate.log" 2>&1; then
        mon src.sock cont > /dev/null
        total=$(sed -n 's/^total time: \([0-9]*\) ms.*/\1/p' "$W/migrate.log")
        down=$(sed -n 's/^downtime: \([0-9]*\) ms.*/\1/p' "$W/migrate.log")
        waitcon "IOMMU-WORKLOAD: holding" 1800
        mon src.sock quit > /dev/null || true
        wait "$pid" || true; pid=""
        why=$(shape_data_check "$W" "$W/src.console") || die "$tag: $why (see $W)"
        if "$TOOLS/extract-vmstate.py" --sizes "$W/stream" > "$W/sections" 2> "$W/sections.err"; then
            iommu=$(awk '{ sub("bytes=", "", $3); s += $3 } END { printf "%.0f\n", s }' "$W/sections")
            [ "$2" = 1 ] && note "$(grep -c . "$W/sections") spapr_iommu sections, the window's: $(sort -t= -k3 -n "$W/sections" | tail -n1)"
        else
            iommu="?"; note "extract-vmstate.py could not read the stream: $(tail -n1 "$W/sections.err")"
        fi
        say "$tag: loading on the destination ($(date -u +%H:%M:%S))"
        qemu_args dst
        # shellcheck disable=SC2086
        "$dst" $ARGS -append "$APPEND" -incoming "exec:cat $W/stream" > "$W/dst.stdout" 2>&1 &
        pid=$!
        mon dst.sock wait-incoming > "$W/incoming.log" 2>&1 || { cat "$W/incoming.log" >&2; die "$tag: the destination could not load the stream (see $W)"; }
        dhwm=$(mib "$(kib $pid VmHWM)")
        mon dst.sock quit > /dev/null || true
        wait "$pid" || true; pid=""
    else
        sleep 2
        kill -0 "$pid" 2>/dev/null && die "$tag: the migration failed (see $W/migrate.log)"
        rc=0; wait "$pid" || rc=$?; pid=""
        # QEMU 7.2's vmstate indexes array elements with int size * int i:
        # past 2 GiB (entry 2^28) the source reads before the array and dies
        [ "$src" = "$STOCK" ] && [ "$entries" -ge $((1 << 28)) ] ||
            die "$tag: the source died during the migration, exit status $rc (see $W)"
        total="-"; down="-"; iommu="-"; dhwm="-"
        note "no migration: the stock source died saving the window (exit status $rc, 128 + SIGSEGV), $(stat -c %s "$W/stream") bytes into the stream: QEMU 7.2's vmstate indexes array elements with int size * int i, which passes 2^31 bytes at entry 2^28"
    fi
    printf "$FMT" "$side" "$rss" "$hwm" "$(t calls)" "$(t clear_ms)" "$(gt 1)" "$(gt 2)" \
        "$iommu" "$total" "$down" "$dhwm" >> "$BW/rows"
    [ -s "$BW/cmdline" ] || { cat "$W/src.cmdline"; echo; } > "$BW/cmdline"
    echo "$geo" > "$BW/geometry"
    rm -f "$W/stream"
}

: > "$BW/rows"; : > "$BW/notes.txt"; : > "$BW/cmdline"
started="$(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
SIDES="stock swifttce"
if why=$(probe_sparse); then
    SIDES="$SIDES swifttce-sparse"
else
    echo "# swifttce-sparse skipped: $SWIFT does not know spapr-tce-table.sparse-migration (it said: $why)" >> "$BW/notes.txt"
fi
r=0
while [ $r -lt "$RUNS" ]; do
    r=$((r + 1))
    order=$SIDES
    [ $((r % 2)) = 0 ] && order=$(echo "$SIDES" | tr ' ' '\n' | tac | tr '\n' ' ')
    for s in $order; do
        case $s in
        stock) run stock $r "$STOCK" "$STOCK" ;;
        swifttce) run swifttce $r "$SWIFT" "$SWIFT" ;;
        swifttce-sparse) run swifttce-sparse $r "$SWIFT" "$SWIFT" "$SPARSE_GLOBAL" ;;
        esac
    done
done

read -r entries page < "$BW/window"
{
    echo "# make qemu-bench: $started; ended $(date -u +%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# command: QEMU_STOCK=$STOCK QEMU_SWIFTTCE=$SWIFT BIGWIN_PGSZ=$BIGWIN_PGSZ BIGWIN_MAXMEM=$BIGWIN_MAXMEM QEMU_BENCH_RUNS=$RUNS $0"
    echo "# machine: $(nproc) cores, $(uname -sr) $(uname -m), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "# stock:    $("$STOCK" --version | head -n1)"
    echo "# swifttce: $("$SWIFT" --version | head -n1)"
    echo "# the first source: $(cat "$BW/cmdline")"
    echo "# window: 2^$(awk -v n="$entries" 'BEGIN { printf "%d", log(n) / log(2) + 0.5 }') entries of $((page / 1024)) KiB; the last ddw_create: $(cat "$BW/geometry")"
    echo "# MiB (rss, hwm, dst hwm), ms (clear, remove, add, total, down), bytes (iommu)"
    printf "$FMT" side rss hwm calls clear remove add iommu total down "dst hwm"
    if [ "$RUNS" = 1 ]; then
        cat "$BW/rows"
    else
        sort -s -k1,1 "$BW/rows" | awk -v fmt="$FMT" '{ $1 = $1 " #" (++n[$1]); printf fmt, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
        python3 - "$BW/rows" "$FMT" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
fmt = sys.argv[2].replace("\\n", "\n")
for side in dict.fromkeys(r[0] for r in rows):
    cols = list(zip(*[r[1:] for r in rows if r[0] == side]))
    med = []
    for c in cols:
        v = [float(x) for x in c if x not in ("-", "?")]
        med.append("%.10g" % round(statistics.median(v), 1) if v else "-")
    sys.stdout.write(fmt % tuple([side + " med"] + med))
PY
    fi
    cat "$BW/notes.txt"
} > "$BW/table.txt"
cat "$BW/table.txt"
