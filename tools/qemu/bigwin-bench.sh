#!/bin/bash
# bigwin-bench.sh [WINDOW...]   (make qemu-bench-window)
# Stock QEMU 7.2 against the SwiftTCE QEMU on the bigwin shape (shapes.sh:
# a 4 GiB guest whose memory may grow to MAXMEM, so that Linux makes a DDW
# covering it), one run a binary and window, the binaries alternating, then
# a table. A WINDOW is PGSZ:MAXMEM:WHO, WHO both, swifttce or sparse (the
# SwiftTCE QEMU with -global spapr-tce-table.sparse-migration=on, source
# and destination: qemu/0004's opt-in format; a row of its own) (default
# QEMU_BENCH_WINDOWS, or "0x11000:4T:both 0x1000:2T:both 0x1000:4T:swifttce":
# 2^26 entries of 64 KiB, 2^29 and 2^30 of 4 KiB). Each run:
#  - boots; "rss": VmRSS once the boot DDW is made and 4 GiB mapped (the
#    guest's first verified I/O done, IOMMU-STEP 1 printed);
#  - step 1: Linux removes the DDW (clearing it first with H_STUFF_TCE
#    calls of 512 entries over the whole window) and makes it again; "hwm":
#    VmHWM after that; from the trace's timestamps (ddw-times.py): "clear"
#    the clearing calls, "remove" to the RTAS remove's end, "recreate" from
#    the query to the last mapping call on the new window (the guest's 4 GiB
#    mapped again);
#  - at IOMMU-MIGRATE-NOW, a live migration to a file (max-bandwidth 4 GiB/s):
#    "total"/"down" from info migrate, "iommu": the spapr_iommu sections'
#    bytes (extract-vmstate.py --sizes); the source goes on, its data
#    verified at the end;
#  - a destination of the same binary loads the stream (after the source
#    quit: one guest at a time): "dst hwm" its VmHWM once loaded.
#  A source that dies during the migration (stock QEMU 7.2 from 2^28
#  entries on) is a row too: "died", its exit status, no stream figures.
# QEMU_STOCK (default /usr/bin/qemu-system-ppc64), QEMU_SWIFTTCE (default
# $QEMU_OUT/build/qemu-system-ppc64). Work files in $QEMU_OUT/bench-window
# (streams removed after each run); the table on stdout and in
# $QEMU_OUT/bench-window/table.txt.
set -eu
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
STOCK=${QEMU_STOCK:-/usr/bin/qemu-system-ppc64}
SWIFT=${QEMU_SWIFTTCE:-$OUT/build/qemu-system-ppc64}
WINDOWS=${*:-${QEMU_BENCH_WINDOWS:-0x11000:4T:both 0x1000:2T:both 0x1000:4T:swifttce}}
BW=$OUT/bench-window
die() { echo "bigwin-bench: $*" >&2; exit 1; }
for q in "$STOCK" "$SWIFT"; do [ -x "$q" ] || die "no QEMU binary $q"; done
mkdir -p "$BW"
FMT='%-10s %-8s %5s %6s %7s %8s %8s %8s %11s %6s %6s %7s\n'
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
qemu_args() {   # the shape's command line (run-guest.sh's), console and monitor in W
    ARGS="-M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults
          -chardev file,id=con0,path=$W/$1.console -serial chardev:con0
          -monitor unix:$W/$1.sock,server,nowait
          $BOOT $DRIVES $DEVS -trace spapr_iommu_* -D $W/$1.trace"
}
run() {     # run TAG QEMU PGSZ MAXMEM [QEMU ARG...]
    tag=$1; q=$2
    export BIGWIN_PGSZ=$3 BIGWIN_MAXMEM=$4
    shift 4; extra="$*"
    W=$BW/$tag; rm -rf "$W"; mkdir -p "$W"
    # shellcheck source=/dev/null
    . "$TOOLS/shapes.sh"
    shape_setup bigwin "$W"
    shape_boot "$W"
    APPEND="console=hvc0 quiet iommu.kb=$KB iommu.hold=1 iommu.md5=$DISK_MD5 $APPEND_EXTRA"
    qemu_args src
    # shellcheck disable=SC2086
    "$q" $ARGS $extra -append "$APPEND" > "$W/src.stdout" 2>&1 &
    pid=$!
    echo "$q $ARGS $extra -append \"$APPEND\"" | tr -s ' \n' ' ' > "$W/src.cmdline"
    waitcon "IOMMU-STEP 1" 1200
    rss=$(kib $pid VmRSS)
    waitcon "IOMMU-MIGRATE-NOW" 1200
    hwm=$(kib $pid VmHWM)
    mon src.sock "migrate_set_parameter max-bandwidth 4G" > /dev/null
    if mon src.sock "migrate \"exec:cat > $W/stream\"" wait-migration > "$W/migrate.log" 2>&1; then
        mon src.sock cont > /dev/null
        total=$(sed -n 's/^total time: \([0-9]*\) ms.*/\1/p' "$W/migrate.log")
        down=$(sed -n 's/^downtime: \([0-9]*\) ms.*/\1/p' "$W/migrate.log")
        waitcon "IOMMU-WORKLOAD: holding" 1200
        mon src.sock quit > /dev/null || true
        wait "$pid" || true; pid=""
        why=$(shape_data_check "$W" "$W/src.console") || die "$tag: $why (see $W)"
        iommu=$("$TOOLS/extract-vmstate.py" --sizes "$W/stream" | tee "$W/sections" |
                awk '{ sub("bytes=", "", $3); s += $3 } END { printf "%.0f\n", s }')
        qemu_args dst
        # shellcheck disable=SC2086
        "$q" $ARGS $extra -append "$APPEND" -incoming "exec:cat $W/stream" > "$W/dst.stdout" 2>&1 &
        pid=$!
        mon dst.sock wait-incoming > "$W/incoming.log" 2>&1 || { cat "$W/incoming.log" >&2; die "$tag: the destination could not load the stream"; }
        dhwm=$(kib $pid VmHWM)
        mon dst.sock quit > /dev/null || true
        wait "$pid" || true; pid=""
        dhwm=$(mib "$dhwm")
    else
        # QEMU 7.2's vmstate loops index arrays with int size * int i: past
        # 2 GiB (2^28 entries) the source reads before the array and dies
        sleep 2
        kill -0 "$pid" 2>/dev/null && die "$tag: the migration failed (see $W/migrate.log)"
        rc=0; wait "$pid" || rc=$?; pid=""
        total="died"; down="($rc)"; dhwm="-"
        iommu="-"
        echo "# $tag: the source QEMU died during the migration (exit status $rc: 128 + the signal), $(stat -c %s "$W/stream") bytes of stream written" >> "$BW/notes.txt"
        req=$(sed -n 's/.*requested=\(0x[0-9a-f]*\).*/\1/p' "$W/src.trace" | tail -n1)
        pg=$(sed -n 's/.*page size=\(0x[0-9a-f]*\).*/\1/p' "$W/src.trace" | tail -n1)
        echo "liobn=? mig_nb_table=$((req / pg)) bytes=-" > "$W/sections"
    fi
    geo=$(sed -n 's/.*spapr_iommu_ddw_create \(.*\)/\1/p' "$W/src.trace" | tail -n1)
    "$TOOLS/ddw-times.py" "$W/src.trace" > "$W/times" || die "$tag: no remove and re-create in the trace"
    t() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$W/times"; }
    # (a sparse section's window is its sparse_nb_table, the last on its line)
    entries=$(sed -n 's/.*nb_table=\([0-9]*\).*/\1/p' "$W/sections" | sort -n | tail -n1)
    page=$(echo "$geo" | sed -n 's/.*page size=\(0x[0-9a-f]*\).*/\1/p')
    printf "$FMT" "$(awk -v n="$entries" -v p=$((page)) 'BEGIN { printf "2^%d*%dK", log(n) / log(2) + 0.5, p / 1024 }')" \
        "${tag##*/}" "$(mib "$rss")" "$(mib "$hwm")" "$(t calls)" "$(t clear_ms)" "$(t remove_ms)" \
        "$(t recreate_ms)" "$iommu" "$total" "$down" "$dhwm" | tee -a "$BW/table.txt"
    echo "# $tag: ddw_create $geo; $(grep -c . "$W/sections") spapr_iommu sections; guest clock: $(tr -d '\r' < "$W/src.console" | grep -a '^IOMMU-TIME' | head -n1)" >> "$BW/notes.txt"
    rm -f "$W/stream"
}

: > "$BW/table.txt"; : > "$BW/notes.txt"
{
    echo "# make qemu-bench-window: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# stock: $("$STOCK" --version | head -n1)"
    echo "# swifttce: $("$SWIFT" --version | head -n1)"
    echo "# MiB (rss, hwm, dst hwm), ms (clear, remove, recreate, total, down), bytes (iommu)"
    printf "$FMT" window binary rss hwm calls clear remove recreate iommu total down "dst hwm"
} | tee "$BW/table.txt"
for w in $WINDOWS; do
    pg=${w%%:*}; rest=${w#*:}; mm=${rest%%:*}; who=${rest#*:}
    if [ "$who" = sparse ]; then
        run "$pg-$mm/sparse" "$SWIFT" "$pg" "$mm" -global spapr-tce-table.sparse-migration=on
        continue
    fi
    if [ "$who" = both ]; then
        run "$pg-$mm/stock" "$STOCK" "$pg" "$mm"
    fi
    run "$pg-$mm/swifttce" "$SWIFT" "$pg" "$mm"
done
cat "$BW/notes.txt"
