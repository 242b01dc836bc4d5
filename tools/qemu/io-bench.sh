#!/bin/sh
# io-bench.sh [SHAPE]   (make qemu-bench-io): end to end, stock QEMU against the SwiftTCE one in
# one run. Boots the guest of one machine shape (tools/qemu/shapes.sh,
# default two-phb-ddw64k) on each binary in turn, QEMU_BENCH_RUNS times
# each (default 5), alternating, without tracing, and measures:
#   workload  seconds from the guest's "IOMMU-WORKLOAD: disks" line to its
#             "IOMMU-WORKLOAD: done" (the verified disk I/O: iommu.loops
#             passes of the shape's iommu.kb KiB read, half as much
#             written and read back, per disk; QEMU_BENCH_LOOPS, default 10),
#             the host's clock, polled every 50 ms
#   rss       QEMU's peak resident set (VmHWM) once the workload is done
#   save      seconds to save the stopped machine afterwards (monitor stop,
#             migrate "exec:cat > FILE", until it completes): the spapr_iommu
#             sections with the rest of the stream
# Every run's data is verified (shape_data_check) or the bench stops.
# Prints one line per run, then the medians and their ratio.
#   QEMU_SWIFTTCE  default build/qemu/build/qemu-system-ppc64
#   QEMU_STOCK     default /usr/bin/qemu-system-ppc64
set -eu
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
SWIFT=${QEMU_SWIFTTCE:-$OUT/build/qemu-system-ppc64}
STOCK=${QEMU_STOCK:-/usr/bin/qemu-system-ppc64}
RUNS=${QEMU_BENCH_RUNS:-5}
LOOPS=${QEMU_BENCH_LOOPS:-10}
SHAPE=${1:-two-phb-ddw64k}
die() { echo "io-bench: $*" >&2; exit 1; }
for q in "$SWIFT" "$STOCK"; do [ -x "$q" ] || die "no QEMU binary $q (make qemu)"; done
case $SHAPE in migrate*|vio-bypass|ddw-remove-reset) die "$SHAPE: a shape that only does disk I/O, please";; esac

W=$OUT/bench/$SHAPE
rm -rf "$W"; mkdir -p "$W"
. "$TOOLS/shapes.sh"
now() { date +%s.%N; }

one() {  # one SIDE BINARY N: prints "SIDE workload_s rss_kib save_s"
    side=$1; r=$W/$1-$3; mkdir -p "$r"
    shape_setup "$SHAPE" "$r"
    shape_boot "$r"
    append="console=hvc0 quiet iommu.kb=$KB iommu.loops=$LOOPS iommu.hold=1 iommu.md5=$DISK_MD5"
    set -f
    # shellcheck disable=SC2086
    set -- "$2" -M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults \
        -chardev file,id=con0,path=$r/console.log -serial chardev:con0 \
        -monitor unix:$r/monitor.sock,server,nowait $BOOT $DRIVES $DEVS
    set +f
    "$@" -append "$append" > "$r/qemu.stdout" 2>&1 &
    pid=$!
    t0=""; t1=""; n=0
    while [ -z "$t1" ]; do
        kill -0 $pid 2>/dev/null || die "QEMU ended early (see $r)"
        if [ -z "$t0" ] && grep -q "IOMMU-WORKLOAD: disks" "$r/console.log" 2>/dev/null; then t0=$(now); fi
        if [ -n "$t0" ] && grep -q "IOMMU-WORKLOAD: done" "$r/console.log"; then t1=$(now); fi
        n=$((n + 1)); [ $n -le 12000 ] || { kill $pid; die "no workload end in 600 s (see $r)"; }
        sleep 0.05
    done
    rss=$(awk '/^VmHWM:/ {print $2}' /proc/$pid/status)
    python3 "$TOOLS/monitor.py" "$r/monitor.sock" stop > /dev/null
    t2=$(now)
    python3 "$TOOLS/monitor.py" "$r/monitor.sock" "migrate \"exec:cat > $r/stream\"" \
        wait-migration > /dev/null || die "saving failed (see $r)"
    t3=$(now)
    rm -f "$r/stream"
    python3 "$TOOLS/monitor.py" "$r/monitor.sock" quit > /dev/null
    wait $pid || die "QEMU failed (see $r/qemu.stdout)"
    why=$(shape_data_check "$r" "$r/console.log") || die "$SHAPE: $why (see $r/console.log)"
    echo "$side $(echo "$t1 - $t0" | bc) $rss $(echo "$t3 - $t2" | bc)"
}

echo "# io-bench: $SHAPE, $RUNS runs each, alternating; iommu.loops=$LOOPS; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# stock:    $STOCK ($("$STOCK" --version | head -n1))"
echo "# swifttce: $SWIFT ($("$SWIFT" --version | head -n1))"
i=0
while [ $i -lt "$RUNS" ]; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then
        one stock "$STOCK" $i; one swifttce "$SWIFT" $i
    else
        one swifttce "$SWIFT" $i; one stock "$STOCK" $i
    fi
done | tee "$W/runs"
echo "# load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/runs" <<'PY'
import statistics, sys
runs = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for side in ("stock", "swifttce"):
    w = [float(r[1]) for r in runs if r[0] == side]
    m = [int(r[2]) for r in runs if r[0] == side]
    v = [float(r[3]) for r in runs if r[0] == side]
    med[side] = (statistics.median(w), statistics.median(m), statistics.median(v))
    print("%-8s workload median %.2f s (%.2f-%.2f), peak RSS median %.1f MiB (%.1f-%.1f), "
          "save median %.2f s (%.2f-%.2f)"
          % (side, med[side][0], min(w), max(w), med[side][1] / 1024, min(m) / 1024,
             max(m) / 1024, med[side][2], min(v), max(v)))
print("swifttce/stock: workload %.3f, peak RSS %.3f, save %.3f"
      % (med["swifttce"][0] / med["stock"][0], med["swifttce"][1] / med["stock"][1],
         med["swifttce"][2] / med["stock"][2]))
PY
