import CSwiftTCE

// The functions behind spapr_tce_iommu_ops (CShims/shim.c). Not public: C
// reaches them through the ops table only.

/// QEMU's answer for an address the table does not map.
private var unmappedEntry: IOMMUTLBEntry {
    IOMMUTLBEntry(target_as: nil, iova: 0, translated_addr: 0, addr_mask: ~0, perm: IOMMU_NONE)
}

/// The hot path: a range check and a walk of at most a few loads. The access
/// flag and index do not matter to a TCE table, as in QEMU.
@c @implementation
func swifttce_spapr_tce_translate(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ addr: hwaddr,
    _ flag: IOMMUAccessFlags,
    _ iommu_idx: Int32
) -> IOMMUTLBEntry {
    // unmappedEntry is the mapped formula below with mask 0 and tce 0, so
    // every path ends in the one return: straight-line code, one epilogue.
    var mask: UInt64 = 0
    var tce: UInt64 = 0
    if let iommu {
        let table = Table(ownRegion: iommu)
        // pageShift is 1...63 while enabled, so the wrapping shifts are the
        // plain ones; disabled, nbTable is 0 and nothing passes the check.
        let shift = UInt64(table.pointee.pageShift)
        let index = addr &>> shift
        if _fastPath(index < UInt64(table.pointee.nbTable)) {
            tce = table.pointee.storage.load(index)
            mask = ~UInt64(0) &<< shift
        }
    }
    // Table.tlbEntry's fields, with iova = (index << shift) & mask = addr & mask.
    return IOMMUTLBEntry(
        target_as: nil,
        iova: addr & mask,
        translated_addr: tce & mask,
        addr_mask: ~mask,
        perm: IOMMUAccessFlags(rawValue: UInt32(truncatingIfNeeded: tce & permBits)))
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
