import CSwiftTCE

// The functions behind spapr_tce_iommu_ops (CShims/shim.c). Not public: C
// reaches them through the ops table only.

/// QEMU's answer for an address the table does not map.
private var unmappedEntry: IOMMUTLBEntry {
    IOMMUTLBEntry(target_as: nil, iova: 0, translated_addr: 0, addr_mask: ~0, perm: IOMMU_NONE)
}

/// The hot path: a range check and one load for a flat window (QEMU's
/// code), a call to the walk below for a tree. The access flag and index do
/// not matter to a TCE table, as in QEMU.
@c @implementation
func swifttce_spapr_tce_translate(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ addr: hwaddr,
    _ flag: IOMMUAccessFlags,
    _ iommu_idx: Int32
) -> IOMMUTLBEntry {
    // NULL reads as a disabled table (zeros): it needs no return of its
    // own, which would cost the flat path a jump, and goes where an address
    // outside the window goes.
    let table = Table(ownRegion: iommu ?? swifttce_no_region())
    // pageShift is 1...63 while enabled, so the wrapping shifts are the
    // plain ones; disabled, nothing passes the check. The mask is computed
    // next to the index so that both shifts share a register.
    let shift = UInt64(table.pointee.pageShift)
    let index = addr &>> shift
    let mask = ~UInt64(0) &<< shift
    guard _fastPath(index < table.pointee.storage.flat.count) else {
        return translateWalking(table, addr, index, mask)
    }
    return tlbEntry(iova: addr & mask, tce: table.pointee.storage.flat.load(index), mask: mask)
}

/// translate for a tree (or an address outside the window): out of line,
/// so that the flat path needs no stack frame.
@inline(never)
private func translateWalking(_ table: Table, _ addr: hwaddr, _ index: UInt64, _ mask: UInt64) -> IOMMUTLBEntry {
    guard index < UInt64(table.pointee.nbTable) else { return unmappedEntry }
    return tlbEntry(iova: addr & mask, tce: table.pointee.storage.load(index), mask: mask)
}

@c @implementation
func swifttce_spapr_tce_get_min_page_size(_ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> UInt64 {
    guard let table = Table(region: iommu) else { return 1 }
    return UInt64(1) << UInt64(table.pointee.pageShift)
}

/// QEMU's generic walk, minus the walking: the same entries in the same order,
/// found through the storage's bitmaps. Returns at once while the table is
/// being created, when there is nothing to replay but the window is vast.
@c @implementation
func swifttce_spapr_tce_replay(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ notifier: UnsafeMutablePointer<IOMMUNotifier>?
) {
    guard let table = Table(region: iommu), let n = notifier, let notify = n.pointee.notify,
          !table.pointee.skippingReplay else { return }
    // The generic walk stops at the region's size, which a caller may have
    // set; UINT64_MAX stands for 2^64, which holds every iova.
    let regionSize = table.pointee.iommu.pointee.size
    let wholeSpace = regionSize == UInt64.max
    table.pointee.storage.forEachMapped { index, tce in
        var mapped = table.tlbEntry(index: index, tce: tce)
        if wholeSpace || mapped.iova < regionSize {
            notify(n, &mapped)
        }
    }
}

@c @implementation
func swifttce_spapr_tce_notify_flag_changed(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ old_flags: IOMMUNotifierFlag,
    _ new_flags: IOMMUNotifierFlag,
    _ errp: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guard let table = Table(region: iommu) else {
        setError(errp, "spapr_tce: not a TCE table's region")
        return statusInvalid
    }
    if new_flags.rawValue & IOMMU_NOTIFIER_DEVIOTLB_UNMAP.rawValue != 0 {
        setError(errp, "spapr_tce: device IOTLB notifications are not supported")
        return statusInvalid
    }
    if old_flags == IOMMU_NOTIFIER_NONE && new_flags != IOMMU_NOTIFIER_NONE {
        table.pointee.needVFIO = true
    } else if old_flags != IOMMU_NOTIFIER_NONE && new_flags == IOMMU_NOTIFIER_NONE {
        table.pointee.needVFIO = false
    }
    return 0
}
