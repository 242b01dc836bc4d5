#!/bin/sh
# migrate-chain.sh SHAPE WORKDIR QEMU0 QEMU1 [QEMU2...]
# One guest of a machine shape (tools/qemu/shapes.sh) boots on QEMU0 and
# migrates to QEMU1, then QEMU2, ...: hop k stops the machine when the
# guest starts its pass k of disk I/O (the guest busy: QEMU 7.2 under TCG
# may never resume a guest migrated while it sleeps), saves the stream to
# WORKDIR/stream.k (migrate "exec:cat > ..."), quits, and the next binary
# loads it (-incoming) and goes on. The last one lets the guest finish its
# passes, and the data is verified: the guest's own checks (it read the
# host's patterns and read back what it wrote, before and after every hop)
# and the images against what it says it wrote last.
# Each process's console, monitor socket and spapr_iommu trace are
# WORKDIR/console.N, monitor.N and trace.N. Prints a line per hop; exits 1
# with the reason on any failure. The streams stay (the caller removes them).
# RESAVE (below) re-saves the first stream with other binaries.
set -eu
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
die() { echo "migrate-chain: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: $0 SHAPE WORKDIR QEMU0 QEMU1 [QEMU2...]"
SHAPE=$1; W=$2; shift 2
NQ=$#
HOPS=$((NQ - 1))
for q in "$@"; do command -v "$q" >/dev/null 2>&1 || die "no QEMU binary $q"; done
rm -rf "$W"; mkdir -p "$W"
. "$TOOLS/shapes.sh"
shape_setup "$SHAPE" "$W"
shape_boot "$W"
LOOPS=$((HOPS + 1))

n=0
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; return 0; }
trap cleanup EXIT INT TERM

start() {   # start N QEMU [-incoming ...]: process N, its console in console.N
    n=$1; q=$2; shift 2
    if [ "$FIRMWARE" = slof ]; then
        # SLOF is driven through its console: a socket, logged
        CON="-chardev socket,id=con0,path=$W/con.$n.sock,server=on,wait=off,logfile=$W/console.$n"
    else
        CON="-chardev file,id=con0,path=$W/console.$n"
    fi
    ARGS="-M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults
          $CON -serial chardev:con0 -monitor unix:$W/monitor.$n,server,nowait
          $BOOT $DRIVES $DEVS -trace spapr_iommu_* -D $W/trace.$n"
    set -f
    # shellcheck disable=SC2086
    set -- $ARGS "$@"
    set +f
    echo "$q $*" > "$W/cmdline.$n"
    if [ "$FIRMWARE" = linux ]; then
        "$q" "$@" -append "console=hvc0 quiet iommu.kb=$KB iommu.hold=1 iommu.loops=$LOOPS iommu.md5=$DISK_MD5" \
            > "$W/stdout.$n" 2>&1 &
    else
        "$q" "$@" > "$W/stdout.$n" 2>&1 &
    fi
    pid=$!
    : > "$W/console.$n"
}
waitfor() {   # waitfor REGEX SECONDS: until the current console shows REGEX
    t=0
    while ! tr -d '\r' < "$W/console.$n" | grep -Eq "$1"; do
        kill -0 "$pid" 2>/dev/null || die "QEMU $n ended before the guest said '$1' (see $W/stdout.$n)"
        t=$((t + 1)); [ $t -le $(($2 * 2)) ] || die "the guest did not say '$1' in $2 s on QEMU $n (see $W/console.$n)"
        sleep 0.5
    done
}
mon() { python3 "$TOOLS/monitor.py" "$W/monitor.$n" "$@"; }
if [ "$FIRMWARE" = slof ]; then
    MARK="SLOF-IO: loop"; DONE="SLOF-IO: done"
else
    MARK="IOMMU-WORKLOAD: loop"; DONE="IOMMU-WORKLOAD: done"
fi

t0=$(date +%s)
start 0 "$1"
if [ "$FIRMWARE" = slof ]; then
    waitfor "^0 >" 300
    CHUNKS=$((KB / 1024))
    HASH=$("$TOOLS/disk-pattern.py" slof-hash "$W/d0.img" $((CHUNKS << 20)))
    python3 "$TOOLS/console.py" "$W/con.0.sock" "$W/console.0" "$TOOLS/slof-io.fs" \
        "$(printf '%x %x %s vd-run' $LOOPS $CHUNKS "$HASH")" || die "typing slof-io.fs failed"
fi
k=1
while [ $k -le $HOPS ]; do
    shift
    waitfor "$MARK $k( |\$)" 600
    mon stop "migrate \"exec:cat > $W/stream.$k\"" wait-migration > "$W/migrate.$k.log" ||
        { cat "$W/migrate.$k.log" >&2; die "hop $k: QEMU $n could not save the stream"; }
    mon quit > /dev/null
    wait "$pid" || true
    prev=$n; prevq=$q
    start $k "$1" -incoming "exec:cat $W/stream.$k"
    mon wait-incoming > "$W/incoming.$k.log" 2>&1 ||
        { cat "$W/incoming.$k.log" "$W/stdout.$k" >&2; die "hop $k: $(basename "$1") could not load the stream of QEMU $prev"; }
    mon cont > /dev/null
    echo "migrate-chain: $SHAPE: hop $k: $prevq -> $1 during pass $k ($(( $(stat -c %s "$W/stream.$k") >> 20 )) MiB stream)"
    k=$((k + 1))
done
waitfor "$DONE" 900
mon quit > /dev/null || true
wait "$pid" || true
pid=""
consoles=""
i=0; while [ $i -le $HOPS ]; do consoles="$consoles $W/console.$i"; i=$((i + 1)); done
# shellcheck disable=SC2086
why=$(shape_data_check "$W" $consoles) || die "$SHAPE: $why (see $W)"
echo "migrate-chain: $SHAPE: $HOPS hops, data verified ($(( $(date +%s) - t0 )) s)"

# RESAVE="TAG=QEMU ...": each QEMU loads stream.1 again and, leaving the
# machine stopped, saves it to WORKDIR/resave.TAG: the same state saved by
# different binaries (make check-qemu compares them)
for r in ${RESAVE:-}; do
    tag=${r%%=*}; q=${r#*=}
    start "r-$tag" "$q" -incoming "exec:cat $W/stream.1"
    mon wait-incoming > "$W/incoming.r-$tag.log" 2>&1 || die "re-save $tag: $q could not load stream.1 (see $W/stdout.r-$tag)"
    mon "migrate \"exec:cat > $W/resave.$tag\"" wait-migration > "$W/migrate.r-$tag.log" ||
        die "re-save $tag: $q could not save (see $W/migrate.r-$tag.log)"
    mon quit > /dev/null || true
    wait "$pid" || true
    pid=""
    echo "migrate-chain: $SHAPE: stream.1 re-saved by $q as resave.$tag"
done
