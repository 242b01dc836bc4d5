# The machine shapes of the QEMU runs, sourced by run-guest.sh and
# migrate-chain.sh (with OUT, TOOLS and die() set).
#   shape_setup SHAPE W  sets MODS, RAM, KB, HOLD, MIGRATE, INIT, MACHINE,
#                        DEVS, REQUIRE_EVENTS, MIGRATE_MARK, APPEND_EXTRA
#                        (more kernel arguments) and FIRMWARE
#                        (linux: the Debian guest by -kernel; slof: no
#                        kernel, SLOF's prompt, tools/qemu/slof-io.fs), and
#                        makes the disks in W: 32 MiB raw images, each
#                        starting with its own pattern (disk-pattern.py),
#                        DRIVES their -drive options, DISK_MD5 the
#                        patterns' md5 (the guest's iommu.md5=)
#   shape_boot W         the guest's initramfs in W (linux), and BOOT: the
#                        -kernel/-initrd/-prom-env options
#   shape_data_check W CONSOLE...  the host's side of the verification:
#                        the guest said PASS, and each device's last write
#                        is in the image of exactly one disk
VIRTIO_MODS="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
SCSI_MODS="crct10dif_generic crc64_rocksoft_generic ibmvscsi sd_mod"
VBLK="iommu_platform=on,disable-legacy=on"

disk() {            # disk NAME: a 32 MiB raw image with its pattern, and its -drive
    rm -f "$SW/$1.img"
    truncate -s 32M "$SW/$1.img"
    md5=$("$TOOLS/disk-pattern.py" fill "$SW/$1.img" "$1" $((KB * 1024))) || die "disk-pattern.py failed"
    DISK_MD5="${DISK_MD5:+$DISK_MD5,}$md5"
    DRIVES="$DRIVES -drive file=$SW/$1.img,format=raw,if=none,id=$1"
    DISK_NAMES="$DISK_NAMES $1"
}

shape_setup() {
    SW=$2
    RAM=2G; KB=2048; HOLD=1; MIGRATE=0; INIT=$TOOLS/init-disks.sh; FIRMWARE=linux
    MACHINE=""      # extra machine-line keys besides ram= and vio=
    DRIVES=""; DEVS=""; DISK_MD5=""; DISK_NAMES=""; MODS=""
    REQUIRE_EVENTS=""; MIGRATE_MARK=""; APPEND_EXTRA=""
    case $1 in
    vio-disk)
        MODS=$SCSI_MODS
        disk d0
        DEVS="-device spapr-vscsi,id=scsi0 -device scsi-hd,drive=d0,bus=scsi0.0" ;;
    two-phb-ddw64k)
        MODS=$VIRTIO_MODS
        disk d0; disk d1
        MACHINE="pgsz=0x11000 phbs=2"
        DEVS="-global spapr-pci-host-bridge.pgsz=0x11000
              -device spapr-pci-host-bridge,index=1,id=phb1
              -device virtio-blk-pci,drive=d0,bus=pci.0,$VBLK
              -device virtio-blk-pci,drive=d1,bus=phb1.0,$VBLK" ;;
    ram4g-4disk)
        MODS=$VIRTIO_MODS; RAM=4G; KB=1024
        disk d0; disk d1; disk d2; disk d3
        DEVS="-device virtio-blk-pci,drive=d0,bus=pci.0,$VBLK -device virtio-blk-pci,drive=d1,bus=pci.0,$VBLK
              -device virtio-blk-pci,drive=d2,bus=pci.0,$VBLK -device virtio-blk-pci,drive=d3,bus=pci.0,$VBLK" ;;
    migrate)
        # 64 KiB DDW pages, a second (idle) PHB whose DDW table stays disabled, and a
        # VIO disk, so the stream has every kind of spapr_iommu section.
        MODS="$VIRTIO_MODS $SCSI_MODS"; MIGRATE=1
        REQUIRE_EVENTS="spapr_iommu_ddw_create spapr_iommu_pre_save"
        disk d0; disk d1
        MACHINE="pgsz=0x11000 phbs=2"
        DEVS="-global spapr-pci-host-bridge.pgsz=0x11000
              -device spapr-pci-host-bridge,index=1,id=phb1
              -device virtio-blk-pci,drive=d0,bus=pci.0,$VBLK
              -device spapr-vscsi,id=scsi0 -device scsi-hd,drive=d1,bus=scsi0.0" ;;
    migrate-16m)
        # the default page sizes: the guest picks 16 MiB DDW pages
        MODS=$VIRTIO_MODS; MIGRATE=1
        REQUIRE_EVENTS="spapr_iommu_ddw_create spapr_iommu_pre_save"
        disk d0
        DEVS="-device virtio-blk-pci,drive=d0,bus=pci.0,$VBLK" ;;
    ddw-remove-reset)
        KB=1024
        . "$TOOLS/ddw-remove-reset.conf" ;;
    bigwin)
        # ddw-remove-reset's step 1 only (iommu.steps=1: the DDW removed, which
        # Linux clears with one H_STUFF_TCE over the whole window, made again,
        # then the migration mark) on a machine whose memory may grow to
        # BIGWIN_MAXMEM (default 4T): Linux sizes the DDW to cover the
        # hotplug area's end (here maxmem; order_base_2), so 4T with 64 KiB
        # pages (BIGWIN_PGSZ, default 0x11000: 4K|64K, Linux takes 64K) is a 2^26-entry window, 4T with
        # 4 KiB pages (0x1000) 2^30. QEMU 7.2 makes a DRC per 256 MiB LMB of
        # the hotplug area at start, which takes it 1 min at 4T on this
        # machine and grows faster than linearly: 4T is the practical top.
        # -msg timestamp=on puts the time on each trace line.
        KB=1024
        . "$TOOLS/ddw-remove-reset.conf"
        RAM="4G,slots=32,maxmem=${BIGWIN_MAXMEM:-4T}"
        MACHINE="pgsz=${BIGWIN_PGSZ:-0x11000} phbs=2"
        DEVS="-global spapr-pci-host-bridge.pgsz=${BIGWIN_PGSZ:-0x11000} -msg timestamp=on $DEVS"
        REQUIRE_EVENTS="spapr_iommu_pci_stuff spapr_iommu_ddw_remove spapr_iommu_ddw_create"
        APPEND_EXTRA="iommu.steps=1" ;;
    vio-bypass)
        # SLOF, not Linux: only the firmware turns a VIO table's bypass on
        # (ibm,set-tce-bypass while its vscsi disk is open; Linux 6.1 never
        # calls it). slof-io.fs reads and hashes the disk in that mode.
        FIRMWARE=slof; RAM=1G; KB=16384
        disk d0
        DEVS="-device spapr-vscsi,id=scsi0 -device scsi-hd,drive=d0,bus=scsi0.0" ;;
    *) die "unknown shape $1" ;;
    esac
}

shape_boot() {
    if [ "$FIRMWARE" = slof ]; then
        BOOT="-prom-env auto-boot?=false"
        return
    fi
    KERNEL=$(ls "$OUT"/root/boot/vmlinux-* 2>/dev/null | head -n1)
    [ -n "$KERNEL" ] || die "no guest kernel in $OUT/root/boot: run tools/qemu/fetch-guest.sh first"
    QEMU_INITRD_EXTRA="${QEMU_INITRD_EXTRA:-} $TOOLS/guest-io.sh:/guest-io.sh" \
        "$TOOLS/make-initramfs.sh" "$1/initrd.cpio.gz" "$INIT" $MODS >/dev/null
    BOOT="-kernel $KERNEL -initrd $1/initrd.cpio.gz"
}

shape_data_check() {
    sw=$1; shift
    if [ "$FIRMWARE" = slof ]; then
        # (the typed definitions hold these words too: only lines that start with them)
        cat "$@" | tr -d '\r' | grep -q "^SLOF-IO: PASS" && ! cat "$@" | tr -d '\r' | grep -q "^SLOF-IO: FAIL" ||
            { cat "$@" | tr -d '\r' | grep "^SLOF-IO:" | tail -n 5 >&2; echo "the firmware's disk reads did not verify"; return 1; }
        return 0
    fi
    cat "$@" | tr -d '\r' | grep -q "^IOMMU-DATA: PASS" ||
        { cat "$@" | tr -d '\r' | grep "IOMMU-DATA: FAIL" | head -n 5 >&2; echo "the guest's data did not verify"; return 1; }
    # the last write of each device must be in one image, at the place it says
    cat "$@" | tr -d '\r' | sed -n 's/^IOMMU-DATA: \([^ ]*\) wrote \([0-9a-f]*\) at \([0-9]*\)+\([0-9]*\)$/\1 \2 \3 \4/p' |
        awk '{ last[$1] = $0 } END { for (d in last) print last[d] }' > "$sw/writes"
    [ -s "$sw/writes" ] || { echo "the guest reported no write"; return 1; }
    while read -r dev md5 off len; do
        n=0
        for d in $DISK_NAMES; do
            [ "$("$TOOLS/disk-pattern.py" md5 "$sw/$d.img" "$off" "$len")" = "$md5" ] && n=$((n + 1))
        done
        [ $n = 1 ] || { echo "$dev's last write ($md5) is in $n disk images, not 1"; return 1; }
    done < "$sw/writes"
}
