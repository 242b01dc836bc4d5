#!/bin/busybox sh
# Guest /init for the ddw-remove-reset shape (tools/qemu/run-guest.sh): one
# virtio-blk disk on PHB 1 ("PHB 1", /pci@800000020000001, LIOBNs 0x80000100
# default and 0x80000101), detached and re-added through DLPAR three times,
# with disk DMA before and after each step:
#  1. drmgr -c phb -r (powerpc-ibm-utils): Linux removes the DDW it made at
#     boot when the PHB node goes (ddw_remove 0x80000101); re-added by hand
#     (see phb_add): Linux queries (1 window available) and creates the DDW again.
#  2. ibm,ddw-applicable is first removed from the node (/proc/powerpc/ofdt
#     remove_property), so on detach Linux cannot call ibm,remove-pe-dma-window
#     and QEMU keeps the DDW; on re-add the query says 0 windows available,
#     Linux removes the default window (ddw_remove 0x80000100), queries again
#     and creates the DDW on the LIOBN that freed (0x80000100).
#  3. the same with the virtio drivers unloaded over the re-add and the node
#     re-added with a (dummy) linux,direct64-ddr-window-info property already
#     on it: when the drivers come back Linux again removes the default window
#     and creates a DDW, cannot record it (of_add_property: -EEXIST), removes
#     it and, since it removed the default window, calls
#     ibm,reset-pe-dma-windows (ddw_reset): QEMU re-enables the default window.
# run-guest.sh migrates after step 2 (both DDWs made); migrate-chain.sh at
# each of the iommu.loops passes that follow step 3 (see there why after).
# iommu.steps=1 (the bigwin shape) stops after step 1: the DDW removed (Linux
# clears it first with one H_STUFF_TCE over the whole window) and made again,
# then the migration mark and the passes. Step 1's remove and re-add are
# timed with the guest's clock (IOMMU-TIME: lines, milliseconds).
# The remove/add by hand is what drmgr does on the kernel side (rpadlpar_io
# remove_slot/add_slot, ofdt remove_node/add_node) without the DRC RTAS calls,
# so that the re-added node keeps the boot tree's phandle (a node drmgr adds
# from ibm,configure-connector has none, and ofdt needs one).
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /var/lock /var/log /var/run /tmp
. /guest-io.sh
KB=1024     # iommu.kb: KiB read per disk pass (/guest-io.sh)
STEPS=3     # iommu.steps: how many of the steps below
for a in $(cat /proc/cmdline); do case $a in iommu.kb=*) KB=${a#*=};; iommu.steps=*) STEPS=${a#*=};; esac; done
ms() { read -r up _ < /proc/uptime; echo $((${up%.*}${up#*.} * 10)); }   # /proc/uptime has 2 decimals
for m in $(cat /mod/order); do insmod /mod/$m.ko || echo "insmod $m failed"; done
sleep 1
PHB="PHB 1"
DTPATH=/pci@800000020000001
NODE=/proc/device-tree$DTPATH
io() {     # io STEP [now]: verified DMA on the PHB's disk (/guest-io.sh), after a second (the device settles) unless now
    [ "${2:-}" = now ] || sleep 1
    echo "IOMMU-WORKLOAD: disks: $(ls /dev/vd? 2>/dev/null)"
    [ -b /dev/vda ] || { io_fail "no disk after $1"; return; }
    io_disk /dev/vda $KB
}
kmsg() { dmesg | grep -i -E 'dma|ddw|iommu|window|dlpar|ofdt|property' | grep -v rpaphp | tail -n ${1:-8}; }
ofdt() {    # ofdt FILE: one write of FILE to /proc/powerpc/ofdt (the kernel parses one write)
    dd if="$1" of=/proc/powerpc/ofdt bs=1M count=1 2>/dev/null ||
        echo "ofdt: $(head -c 60 "$1" | tr -c '[:print:]' '.') ($(wc -c < "$1") bytes) failed"
}
phandle() { echo $((0x$(od -An -v -tx1 $NODE/phandle | tr -d ' \n'))); }
strip_ddw_applicable() {
    printf 'remove_property %s ibm,ddw-applicable' "$(phandle)" > /tmp/ofdt.cmd; ofdt /tmp/ofdt.cmd
    [ -f $NODE/ibm,ddw-applicable ] && echo "ibm,ddw-applicable is still there"
}
add_node() {    # add_node DTPATH SAVEDDIR [EXTRA-PROP-NAME EXTRA-PROP-FILE]: ofdt add_node
    {
        printf 'add_node %s' "$1"
        # empty properties first: the kernel's parser refuses one at the very end
        for f in "$2"/*; do [ -f "$f" ] && [ ! -s "$f" ] && printf ' %s 0 ' "$(basename "$f")"; done
        for f in "$2"/*; do
            [ -f "$f" ] && [ -s "$f" ] || continue
            printf ' %s %d ' "$(basename "$f")" "$(wc -c < "$f")"; cat "$f"
        done
        [ -n "${3:-}" ] && { printf ' %s %d ' "$3" "$(wc -c < "$4")"; cat "$4"; }
    } > /tmp/ofdt.cmd
    ofdt /tmp/ofdt.cmd
}
# what drmgr does in the kernel, by hand: the PHB's PCI side goes (rpadlpar_io
# remove_slot), then its device-tree nodes (children first); on add, the nodes
# (the boot-time copy saved below, so the PHB keeps its phandle) then add_slot
phb_remove() {
    # its PCI devices first (drmgr removes the PHB's slots first): PHB 1 is
    # the only PHB with devices, in a PCI domain other than 0000
    for d in /sys/bus/pci/devices/*; do
        case $(basename $d) in 0000:*) ;; *) echo 1 > $d/remove || echo "$d/remove failed";; esac
    done
    printf '%s' "$PHB" > /sys/bus/pci/slots/control/remove_slot || echo "remove_slot failed"
    for c in $NODE/*/; do
        [ -d "$c" ] && { printf 'remove_node %s/%s' "$DTPATH" "$(basename "$c")" > /tmp/ofdt.cmd; ofdt /tmp/ofdt.cmd; }
    done
    printf 'remove_node %s' "$DTPATH" > /tmp/ofdt.cmd; ofdt /tmp/ofdt.cmd
    [ -d $NODE ] && echo "$NODE is still there"
}
phb_add() {     # phb_add [EXTRA-PROP-NAME EXTRA-PROP-FILE]
    add_node $DTPATH /tmp/saved "$@"
    for c in /tmp/saved/*/; do [ -d "$c" ] && add_node "$DTPATH/$(basename "$c")" "$c"; done
    printf '%s' "$PHB" > /sys/bus/pci/slots/control/add_slot || echo "add_slot failed"
}
# the boot-time node, without the properties Linux adds (linux,*)
mkdir -p /tmp/saved
for f in $NODE/*; do
    b=$(basename "$f")
    case $b in linux,*) continue;; esac
    if [ -d "$f" ]; then mkdir -p /tmp/saved/$b; cp $f/* /tmp/saved/$b/ 2>/dev/null
    else cp "$f" /tmp/saved/; fi
done
io boot
echo "IOMMU-STEP 1: DLPAR remove (drmgr) + add"
t0=$(ms)
drmgr -c phb -r -s "$PHB" > /tmp/drmgr.log 2>&1 || { echo "drmgr -r failed:"; cat /tmp/drmgr.log; }
t1=$(ms)
phb_add
# the DDW is made when the re-added PHB's device probes: wait for its disk
n=0; while [ ! -b /dev/vda ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
t2=$(ms)
echo "IOMMU-TIME: step 1 remove $((t1 - t0)) ms, add $((t2 - t1)) ms"
kmsg; io "step 1"
if [ "$STEPS" = 1 ]; then
    echo "IOMMU-MIGRATE-NOW"
    io_spin; io "step 1, saved" now; io_tick
fi
[ "$STEPS" -ge 2 ] && {
echo "IOMMU-STEP 2: ibm,ddw-applicable removed, DLPAR remove + add"
strip_ddw_applicable
phb_remove; phb_add; kmsg; io "step 2"
# run-guest.sh stops the machine here (in the pass that follows, the guest
# busy), saves it with both DDWs made and lets it go on
echo "IOMMU-MIGRATE-NOW"
io_spin; io "step 2, saved" now; io_tick
echo "IOMMU-STEP 3: ibm,ddw-applicable removed, drivers out, DLPAR remove + add with a linux,direct64-ddr-window-info property"
strip_ddw_applicable
rmmod virtio_blk; rmmod virtio_pci
phb_remove
head -c 24 /dev/zero > /tmp/ddwprop
phb_add linux,direct64-ddr-window-info /tmp/ddwprop
insmod /mod/virtio_pci.ko; insmod /mod/virtio_blk.ko
kmsg 12; io "step 3"
}
# migrate-chain.sh migrates at each "loop N" line, in the iommu.spin seconds
# that follow it (the guest busy: QEMU 7.2 under TCG may not resume a guest
# stopped asleep). These passes come after step 3: a guest that a QEMU 7.2
# process loaded under TCG hangs in step 3's driver unload, its decrementer
# far below 0 and no timer interrupt, stock to stock too.
i=0
while [ $i -lt "$IO_LOOPS" ]; do
    i=$((i + 1)); echo "IOMMU-WORKLOAD: loop $i"; io_spin; io "after step 3, pass $i" now; io_tick
done
echo "IOMMU-DMESG: begin"; dmesg | grep -v -E 'rpaphp|registered$'; echo "IOMMU-DMESG: end"
io_verdict
echo "IOMMU-WORKLOAD: done"
echo "IOMMU-WORKLOAD: holding for the host"
while :; do sleep 5; done
