# Verified disk DMA for the guest inits (init-disks.sh, init-dlpar.sh), which
# source it as /guest-io.sh (run-guest.sh puts it in the initramfs).
#   io_disk DEV KB  1. reads the first KB KiB (direct I/O, 1 MiB requests:
#                      every loop goes to the device) and checks its md5 is
#                      one of the host's patterns (iommu.md5=, one per disk,
#                      each disk a different one, each read by one device);
#                   2. writes KB/2 KiB of fresh random data at 64 KiB block
#                      100 (page cache + fsync), reads it back (direct,
#                      64 KiB requests) and compares; says what it wrote so
#                      the host can check the image after the run.
#   io_verdict      the line the host greps: "IOMMU-DATA: PASS" or "... FAIL"
#   io_tick         (iommu.spin only) logs a kernel message: QEMU 7.2
#                   under TCG does not migrate the decrementer's timer, and
#                   the loaded Linux then waits for a timer interrupt that
#                   never comes (no sleep, no RCU grace period ends) until it
#                   writes the decrementer again. A message wakes the
#                   /proc/kmsg reader started here through irq_work, whose
#                   raise writes the decrementer. The inits call it after
#                   each pass.
# Kernel command line: iommu.md5=MD5[,MD5...] (no check without it),
# iommu.loops=N (how many passes the inits make, default 1), iommu.spin=S
# (default 0).
IO_MD5=""; IO_LOOPS=1; IO_SPIN=0; IO_FAILS=0; IO_SEEN=""
for a in $(cat /proc/cmdline); do
    case $a in
    iommu.md5=*) IO_MD5=${a#*=};; iommu.loops=*) IO_LOOPS=${a#*=};; iommu.spin=*) IO_SPIN=${a#*=};;
    esac
done
IO_SPIN_N=0
if [ "$IO_SPIN" -gt 0 ]; then   # loops a second, from a whole second of the clock
    t=$(date +%s); while [ "$(date +%s)" = "$t" ]; do :; done
    t=$((t + 1)); n=0
    while [ "$(date +%s)" = "$t" ]; do
        k=0; while [ $k -lt 2000 ]; do k=$((k + 1)); done; n=$((n + 2000))
    done
    IO_SPIN_N=$((n * IO_SPIN))
fi
[ "$IO_SPIN" -gt 0 ] && { cat /proc/kmsg > /dev/null & }
io_tick() {
    [ "$IO_SPIN" -gt 0 ] && echo "<6>iommu: tick" > /dev/kmsg
    return 0
}
io_spin() {
    n=0; while [ $n -lt $IO_SPIN_N ]; do n=$((n + 1)); done
}
io_fail() { echo "IOMMU-DATA: FAIL $*"; IO_FAILS=$((IO_FAILS + 1)); }
io_seen() {     # io_seen MD5 DEV: one pattern a device, one device a pattern
    for e in $IO_SEEN; do
        [ "$e" = "$1:$2" ] && return 0
        [ "${e%%:*}" = "$1" ] && { io_fail "$2 read $1, the pattern ${e#*:} reads"; return; }
        [ "${e#*:}" = "$2" ] && { io_fail "$2 read $1, after ${e%%:*}"; return; }
    done
    IO_SEEN="$IO_SEEN $1:$2"
}
io_disk() {
    d=$1; kb=$2
    got=$(dd if="$d" bs=1M count=$((kb / 1024)) iflag=direct 2>/dev/null | md5sum | cut -c1-32)
    if [ -n "$IO_MD5" ]; then
        case ",$IO_MD5," in
        *",$got,"*) io_seen "$got" "$d" ;;
        *) io_fail "$d: read md5 $got, which is no pattern the host wrote" ;;
        esac
    fi
    dd if=/dev/urandom of=/tmp/pattern bs=64k count=$((kb / 128)) 2>/dev/null
    want=$(md5sum < /tmp/pattern | cut -c1-32)
    dd if=/tmp/pattern of="$d" bs=64k seek=100 conv=fsync 2>/dev/null || io_fail "$d: write failed"
    got=$(dd if="$d" bs=64k skip=100 count=$((kb / 128)) iflag=direct 2>/dev/null | md5sum | cut -c1-32)
    [ "$got" = "$want" ] || io_fail "$d: wrote md5 $want, read back $got"
    echo "IOMMU-DATA: $d wrote $want at $((100 * 65536))+$((kb / 2 * 1024))"
}
io_verdict() {
    if [ $IO_FAILS = 0 ]; then echo "IOMMU-DATA: PASS"; else echo "IOMMU-DATA: FAIL ($IO_FAILS failures)"; fi
}
