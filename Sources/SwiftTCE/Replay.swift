import CSwiftTCE

// Replay: tell one notifier about every mapping the IOMMU holds.

@c @implementation
public func memory_region_iommu_replay(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ n: UnsafeMutablePointer<IOMMUNotifier>?
) {
    guard let mr = Region(iommu_mr), let n = Notifier(n) else { return }
    if !mr.replayHook(n) {
        genericReplay(mr, n)
    }
}

/// Translates every granule of the region and passes on what is mapped.
private func genericReplay(_ mr: Region, _ n: Notifier) {
    guard n.hasNotify else { return }
    let granularity = mr.minPageSize
    guard granularity != 0 else { return }
    // UINT64_MAX stands for 2^64: every address is inside, down to the last
    // byte, and only the wraparound below ends the walk.
    let size = mr.size
    let wholeSpace = size == UInt64.max
    var addr: UInt64 = 0
    while wholeSpace || addr < size {
        // SAFETY: an entry is a value; its target_as is passed on, never read.
        guard let entry = unsafe mr.translate(addr, IOMMU_NONE, n.iommuIndex) else { return }
        if unsafe entry.perm != IOMMU_NONE {  // SAFETY: as above
            n.notify(entry)
        }
        // A region ending near 2^64 would otherwise wrap to 0 and loop forever.
        let (next, wrapped) = addr.addingReportingOverflow(granularity)
        if wrapped { break }
        addr = next
    }
}
