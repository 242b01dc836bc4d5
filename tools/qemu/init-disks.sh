#!/bin/busybox sh
# Guest /init for the QEMU runs (tools/qemu/run-guest.sh, migrate-chain.sh):
# load the modules listed in /mod/order, then do verified DMA on every disk
# found (virtio-blk /dev/vd*, SCSI /dev/sd*; /guest-io.sh): read the host's
# pattern, write and read back fresh data, iommu.loops times.
# Kernel command line knobs: iommu.kb=N (KiB read per disk and pass, a
# multiple of 1024, default 2048), iommu.loops=N (passes, default 1; the
# host migrates while they run, in the iommu.spin seconds each starts
# with), iommu.hold=1 (do not power off: wait for
# the host to migrate/quit), iommu.md5= (see guest-io.sh).
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mod/order); do insmod /mod/$m.ko || echo "insmod $m failed"; done
KB=2048; HOLD=0
for a in $(cat /proc/cmdline); do
    case $a in iommu.kb=*) KB=${a#*=};; iommu.hold=*) HOLD=${a#*=};; esac
done
. /guest-io.sh
sleep 1
# the VIO devices' DMA windows as the device tree gives them (liobn, bus address, size)
for f in /proc/device-tree/vdevice/*/ibm,my-dma-window; do
    [ -f "$f" ] && echo "IOMMU-DT: $(basename $(dirname $f)) $(od -An -v -tx1 $f | tr -d ' \n')"
done
DISKS=$(ls /dev/vd? /dev/sd? 2>/dev/null)
echo "IOMMU-WORKLOAD: disks: $DISKS"
[ -n "$DISKS" ] || io_fail "no disk"
i=0
while [ $i -lt "$IO_LOOPS" ]; do
    i=$((i + 1))
    echo "IOMMU-WORKLOAD: loop $i"
    io_spin
    for d in $DISKS; do io_disk $d $KB; done
    io_tick
done
dmesg | grep -i -E "dma|iommu|ddw|tce|vio|scsi" | head -60
io_verdict
echo "IOMMU-WORKLOAD: done"
if [ "$HOLD" = 1 ]; then
    echo "IOMMU-WORKLOAD: holding for the host"
    while :; do sleep 5; done
fi
poweroff -f
