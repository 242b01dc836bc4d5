#!/bin/sh
# run-guest.sh SHAPE [OUT.trace]
# Boot the Debian ppc64el guest (tools/qemu/fetch-guest.sh) on a real
# qemu-system-ppc64 (-M pseries) in one machine shape (tools/qemu/shapes.sh),
# with -trace 'spapr_iommu_*', check the guest's disk data (it reads the
# host's patterns and reads back what it writes; the host checks the images
# after), and write the trace (spapr_iommu_* lines only, "# machine:" line on
# top) to OUT.trace (default Tests/traces/SHAPE.trace; Tests/vmstate/SHAPE.trace
# for migrate-16m). Shapes: vio-disk two-phb-ddw64k ram4g-4disk migrate
# migrate-16m ddw-remove-reset.  Migrating shapes leave the stream in
# $QEMU_WORK/SHAPE/migration.bin (QEMU_WORK: default $QEMU_OUT/work; never
# commit it: tools/qemu/extract-vmstate.py takes the spapr_iommu sections out
# of it). QEMU_SYSTEM_PPC64 names the binary (default: the one on PATH).
set -eu
OUT=${QEMU_OUT:-build/qemu}
QEMU=${QEMU_SYSTEM_PPC64:-qemu-system-ppc64}
TOOLS=$(dirname "$0")
die() { echo "run-guest: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 SHAPE [OUT.trace]"
SHAPE=$1
DEST_ARG=${2:-}
command -v "$QEMU" >/dev/null 2>&1 ||
    die "$QEMU not found: apt-get install qemu-system-ppc (Debian bookworm: QEMU 7.2)"
command -v python3 >/dev/null 2>&1 || die "python3 not found"

W=${QEMU_WORK:-$OUT/work}/$SHAPE
rm -rf "$W"; mkdir -p "$W"
. "$TOOLS/shapes.sh"
shape_setup "$SHAPE" "$W"
[ "$FIRMWARE" = linux ] || die "$SHAPE boots no Linux guest: migrate-chain.sh runs it"
case $SHAPE in migrate-16m) DEST=${DEST_ARG:-Tests/vmstate/$SHAPE.trace};; *) DEST=${DEST_ARG:-Tests/traces/$SHAPE.trace};; esac

shape_boot "$W"
APPEND="console=hvc0 quiet iommu.kb=$KB iommu.hold=$HOLD iommu.md5=$DISK_MD5${APPEND_EXTRA:+ $APPEND_EXTRA}"
ARGS="-M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults
      -chardev file,id=con0,path=$W/console.log -serial chardev:con0
      -monitor unix:$W/monitor.sock,server,nowait
      $BOOT $DRIVES $DEVS
      -trace spapr_iommu_* -D $W/qemu.trace"
set -f
# shellcheck disable=SC2086
set -- $ARGS
set +f
echo "run-guest: $SHAPE: $QEMU $* -append \"$APPEND\""
"$QEMU" "$@" -append "$APPEND" > "$W/qemu.stdout" 2>&1 &
QPID=$!
waitfor() {   # waitfor STRING SECONDS: until the console shows STRING
    n=0
    while ! grep -q "$1" "$W/console.log" 2>/dev/null; do
        kill -0 $QPID 2>/dev/null || die "QEMU ended before the guest said '$1' (see $W)"
        n=$((n + 1)); [ $n -le $(($2 * 2)) ] || { kill $QPID; die "guest did not say '$1' in $2 s (see $W)"; }
        sleep 0.5
    done
}
if [ "$MIGRATE" = 1 ]; then
    waitfor "IOMMU-WORKLOAD: holding" 600
    python3 "$TOOLS/monitor.py" "$W/monitor.sock" "info qtree" > "$W/qtree.txt"
    python3 "$TOOLS/monitor.py" "$W/monitor.sock" stop \
        "migrate \"exec:cat > $W/migration.bin\"" wait-migration quit
elif [ -n "$MIGRATE_MARK" ]; then
    # migrate in the middle of the run, when the guest says so, then go on
    waitfor "$MIGRATE_MARK" 600
    python3 "$TOOLS/monitor.py" "$W/monitor.sock" stop \
        "migrate \"exec:cat > $W/migration.bin\"" wait-migration cont
    waitfor "IOMMU-WORKLOAD: holding" 600
    python3 "$TOOLS/monitor.py" "$W/monitor.sock" "info qtree" quit > "$W/qtree.txt"
else
    waitfor "IOMMU-WORKLOAD: holding" 600
    python3 "$TOOLS/monitor.py" "$W/monitor.sock" "info qtree" quit > "$W/qtree.txt"
fi
wait $QPID || die "QEMU failed (see $W/qemu.stdout)"
grep -q "IOMMU-WORKLOAD: done" "$W/console.log" || die "the guest workload did not finish (see $W/console.log)"
why=$(shape_data_check "$W" "$W/console.log") || die "$SHAPE: $why (see $W/console.log)"
echo "run-guest: $SHAPE: data verified"

# VIO windows, as the guest saw them: ibm,my-dma-window = liobn, 2 cells bus
# address, 2 cells size (the init script prints them as "IOMMU-DT: node hex")
VIO=$(tr -d '\r' < "$W/console.log" | sed -n 's/.*IOMMU-DT: [^ ]* \([0-9a-f]\{40\}\).*/\1/p' |
      while read -r h; do
          printf '0x%s:0x%x\n' "$(echo "$h" | cut -c1-8)" "$((0x$(echo "$h" | cut -c25-40)))"
      done | sort -u | paste -sd, -)
KEYS="ram=${RAM%%,*}"     # (bigwin: "4G,slots=...,maxmem=...": the boot RAM; the command line below has the rest)
[ -n "$MACHINE" ] && KEYS="$KEYS $MACHINE"
[ -n "$VIO" ] && KEYS="$KEYS vio=$VIO"
for e in $REQUIRE_EVENTS; do
    grep -q "^\([0-9]*@[0-9.]*:\)\{0,1\}$e " "$W/qemu.trace" ||
        die "the run has no $e event (see $W/console.log): not writing $DEST"
done
mkdir -p "$(dirname "$DEST")"
{
    echo "# machine: $KEYS"
    echo "# made by tools/qemu/run-guest.sh $SHAPE: $("$QEMU" --version | head -n1),"
    echo "# guest $(cat "$OUT/kernel-package" 2>/dev/null || basename "$KERNEL") with tools/qemu/$(basename "$INIT")"
    echo "# qemu-system-ppc64 $(echo "$*" | sed "s|$OUT/|build/qemu/|g") -append \"$APPEND\""
    [ -n "${EXTRA_COMMENT:-}" ] && printf '%s\n' "$EXTRA_COMMENT"
    sed -n 's/^\([0-9]*@[0-9.]*:\)\{0,1\}\(spapr_iommu_.*\)$/\2/p' "$W/qemu.trace"
} > "$DEST"
echo "run-guest: $DEST ($(wc -c < "$DEST") bytes): $(grep -v '^#' "$DEST" | awk '{print $1}' | sort | uniq -c | tr -s ' \n' ' ')"
