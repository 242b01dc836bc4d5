#!/bin/sh
# migrate-chain.sh SHAPE WORKDIR QEMU0 QEMU1 [QEMU2...]
# One guest of a machine shape (tools/qemu/shapes.sh) boots on QEMU0 and
# migrates to QEMU1, then QEMU2, ...: each hop stops the machine when the
# guest starts a pass of its disk workload on the current process, in the
# 3 s the pass starts with spinning (guest-io.sh's io_spin: the vCPU busy,
# no disk request in flight; QEMU 7.2 under TCG may never resume a guest
# stopped idle or with a request completing), saves the stream to
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
# A hop waits for a pass to start on the current process and stops it in
# the spin the pass starts with: a pass a hop, and a few more (the last
# process's, and spares should a stop come a pass late).
LOOPS=$((HOPS + 3))

n=0
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; return 0; }
trap cleanup EXIT INT TERM

start() {   # start N QEMU [-incoming ...]: process N, its console in console.N
    n=$1; q=$2; shift 2
    # the console: a socket (typed into: slof-io.fs, nudge), logged
    CON="-chardev socket,id=con0,path=$W/con.$n.sock,server=on,wait=off,logfile=$W/console.$n"
    ARGS="-M pseries -accel tcg -cpu power9 -m $RAM -smp 1 -display none -nodefaults
          $CON -serial chardev:con0 -monitor unix:$W/monitor.$n,server,nowait
          $BOOT $DRIVES $DEVS -trace spapr_iommu_* -D $W/trace.$n"
    set -f
    # shellcheck disable=SC2086
    set -- $ARGS "$@"
    set +f
    echo "$q $*" > "$W/cmdline.$n"
    if [ "$FIRMWARE" = linux ]; then
        "$q" "$@" -append "console=hvc0 quiet iommu.kb=$KB iommu.hold=1 iommu.loops=$LOOPS iommu.spin=3 iommu.md5=$DISK_MD5${APPEND_EXTRA:+ $APPEND_EXTRA}" \
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
waitpass() {  # waitpass SECONDS: until a pass starts on the current console
    t=0
    while ! tr -d '\r' < "$W/console.$n" | grep -Eq "$MARK [0-9]+( |\$)"; do
        kill -0 "$pid" 2>/dev/null || die "QEMU $n ended before a pass of I/O started (see $W/stdout.$n)"
        ! tr -d '\r' < "$W/console.$n" | grep -Eq "$DONE" ||
            die "the guest finished its passes before hop $k (see $W/console.$n)"
        t=$((t + 1)); [ $t -le $(($1 * 2)) ] || die "no pass of I/O started in $1 s on QEMU $n (see $W/console.$n)"
        sleep 0.2
    done
}
mon() { python3 "$TOOLS/monitor.py" "$W/monitor.$n" "$@"; }
# QEMU 7.2 under TCG does not migrate the decrementer's timer (decr_next):
# the loaded guest gets no timer interrupt until Linux writes the
# decrementer again, which it does not do by itself (a guest stopped idle
# never wakes); guest-io.sh's io_tick makes it after each pass. And QEMU 7.2
# loses the interrupt of a request that completes while the machine stops
# (the stop drains the disks; neither XIVE's nor XICS's post_load raises
# the vCPU's line again). Both stock to stock too. The hops land in the
# guest's spin (no request in flight, the vCPU busy) to avoid them; should
# a guest still be stuck, an interrupt may get it going: each Linux guest
# gets a key typed on its console as it resumes, and another, counted and
# reported, if it then says nothing for 30 s.
key() {
    python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"\r"); time.sleep(1); s.close()' "$W/con.$n.sock" || true
}
NUDGED=0
settle() {
    key
    # progress: a line of the workload (the key's own echo is no progress)
    t=0
    while ! grep -aq "^IOMMU-" "$W/console.$n"; do
        kill -0 "$pid" 2>/dev/null || return 0
        t=$((t + 1))
        if [ $t = 150 ]; then
            key
            NUDGED=$((NUDGED + 1))
            echo "migrate-chain: $SHAPE: hop $k: the guest was silent for 30 s: typed a key on its console again (QEMU 7.2's lost wakeup)"
            return 0
        fi
        sleep 0.2
    done
}
if [ "$FIRMWARE" = slof ]; then
    # (at a line's start: the typed definitions hold the words too)
    MARK="SLOF-IO: loop"; DONE="^SLOF-IO: done"
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
    waitpass 600
    mon stop > /dev/null
    # the pass the stop caught (the last one begun)
    pass=$(tr -d '\r' < "$W/console.$n" | sed -En "s/.*$MARK ([0-9]+)( .*)?\$/\1/p" | tail -n1)
    mon "migrate \"exec:cat > $W/stream.$k\"" wait-migration > "$W/migrate.$k.log" ||
        { cat "$W/migrate.$k.log" >&2; die "hop $k: QEMU $n could not save the stream"; }
    mon quit > /dev/null
    wait "$pid" || true
    prev=$n; prevq=$q
    start $k "$1" -incoming "exec:cat $W/stream.$k"
    mon wait-incoming > "$W/incoming.$k.log" 2>&1 ||
        { cat "$W/incoming.$k.log" "$W/stdout.$k" >&2; die "hop $k: $(basename "$1") could not load the stream of QEMU $prev"; }
    mon cont > /dev/null
    [ "$FIRMWARE" = linux ] && settle
    echo "migrate-chain: $SHAPE: hop $k: $prevq -> $1 during pass $pass ($(( $(stat -c %s "$W/stream.$k") >> 20 )) MiB stream)"
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
echo "migrate-chain: $SHAPE: $HOPS hops, data verified ($(( $(date +%s) - t0 )) s; $NUDGED nudged)"

# RESAVE="TAG=QEMU ...": each QEMU loads stream.1 again and, leaving the
# machine stopped, saves it to WORKDIR/resave.TAG: the same state saved by
# different binaries (make check-qemu compares them). TAG:FROM=QEMU loads
# resave.FROM (an earlier one) instead of stream.1.
for r in ${RESAVE:-}; do
    tag=${r%%=*}; q=${r#*=}; from=stream.1
    case $tag in *:*) from=resave.${tag#*:}; tag=${tag%%:*} ;; esac
    start "r-$tag" "$q" -incoming "exec:cat $W/$from"
    mon wait-incoming > "$W/incoming.r-$tag.log" 2>&1 || die "re-save $tag: $q could not load $from (see $W/stdout.r-$tag)"
    mon "migrate \"exec:cat > $W/resave.$tag\"" wait-migration > "$W/migrate.r-$tag.log" ||
        die "re-save $tag: $q could not save (see $W/migrate.r-$tag.log)"
    mon quit > /dev/null || true
    wait "$pid" || true
    pid=""
    echo "migrate-chain: $SHAPE: $from re-saved by $q as resave.$tag"
done
