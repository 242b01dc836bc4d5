import CSwiftTCE

// Replay: tell one notifier about every mapping the IOMMU holds.

@c @implementation
public func memory_region_iommu_replay(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ n: UnsafeMutablePointer<IOMMUNotifier>?
) {
    guard let mr = iommu_mr, let n else { return }
    if let hook = mr.pointee.ops.pointee.replay {
        hook(mr, n)
        return
    }
    genericReplay(mr, n)
}

/// Translates every granule of the region and passes on what is mapped.
private func genericReplay(_ mr: Region, _ n: UnsafeMutablePointer<IOMMUNotifier>) {
    guard let translate = mr.pointee.ops.pointee.translate,
          let notify = n.pointee.notify else { return }
    let granularity = memory_region_iommu_get_min_page_size(mr)
    guard granularity != 0 else { return }
    // UINT64_MAX stands for 2^64: every address is inside, down to the last
    // byte, and only the wraparound below ends the walk.
    let size = mr.pointee.size
    let wholeSpace = size == UInt64.max
    var addr: UInt64 = 0
    while wholeSpace || addr < size {
        var entry = translate(mr, addr, IOMMU_NONE, n.pointee.iommu_idx)
        if entry.perm != IOMMU_NONE {
            notify(n, &entry)
        }
        // A region ending near 2^64 would otherwise wrap to 0 and loop forever.
        let (next, wrapped) = addr.addingReportingOverflow(granularity)
        if wrapped { break }
        addr = next
    }
}
