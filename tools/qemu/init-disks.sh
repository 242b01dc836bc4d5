#!/bin/busybox sh
# Guest /init for the QEMU data runs (tools/qemu/run-guest.sh): load the
# modules listed in /mod/order, then do real DMA on every disk found
# (virtio-blk /dev/vd*, SCSI /dev/sd*): read, write with fsync, direct read.
# Kernel command line knobs: iommu.kb=N (KiB read/written per disk, default
# 2048), iommu.hold=1 (do not power off: wait for the host to migrate/quit).
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mod/order); do insmod /mod/$m.ko || echo "insmod $m failed"; done
KB=2048; HOLD=0
for a in $(cat /proc/cmdline); do
    case $a in iommu.kb=*) KB=${a#*=};; iommu.hold=*) HOLD=${a#*=};; esac
done
sleep 1
# the VIO devices' DMA windows as the device tree gives them (liobn, bus address, size)
for f in /proc/device-tree/vdevice/*/ibm,my-dma-window; do
    [ -f "$f" ] && echo "IOMMU-DT: $(basename $(dirname $f)) $(od -An -v -tx1 $f | tr -d ' \n')"
done
DISKS=$(ls /dev/vd? /dev/sd? 2>/dev/null)
echo "IOMMU-WORKLOAD: disks: $DISKS"
for d in $DISKS; do
    echo "IOMMU-WORKLOAD: $d reading"
    dd if=$d of=/dev/null bs=64k count=$((KB / 64)) 2>&1
    echo "IOMMU-WORKLOAD: $d writing"
    dd if=/dev/urandom of=$d bs=64k count=$((KB / 128)) seek=100 conv=fsync 2>&1
    dd if=$d of=/dev/null bs=1M count=$((KB / 1024)) iflag=direct 2>&1
done
dmesg | grep -i -E "dma|iommu|ddw|tce|vio|scsi" | head -60
echo "IOMMU-WORKLOAD: done"
if [ "$HOLD" = 1 ]; then
    echo "IOMMU-WORKLOAD: holding for the host"
    while :; do sleep 5; done
fi
poweroff -f
