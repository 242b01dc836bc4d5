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

/// The addresses a replay for n covers: its [start, end] within a region
/// of size bytes (UINT64_MAX: 2^64); nil when they do not meet.
func replayRange(_ n: Notifier, size: UInt64) -> (start: UInt64, end: UInt64)? {
    guard size != 0 else { return nil }
    let last = size == UInt64.max ? UInt64.max : size - 1
    let end = min(n.end, last)
    return n.start <= end ? (n.start, end) : nil
}

/// Translates every granule whose address is in the notifier's range and
/// passes on what is mapped. QEMU 7.2 walks the whole region and notifies
/// every mapped entry, in the notifier's range or not; a change after 7.2
/// walks the notifier's range only, which this follows.
private func genericReplay(_ mr: Region, _ n: Notifier) {
    guard n.hasNotify else { return }
    let granularity = mr.minPageSize
    guard granularity != 0, let (start, end) = replayRange(n, size: mr.size) else { return }
    // The first granule at or after start; none when that is past 2^64.
    let offset = start % granularity
    var addr = start
    if offset != 0 {
        let (rounded, wrapped) = start.addingReportingOverflow(granularity - offset)
        if wrapped { return }
        addr = rounded
    }
    while addr <= end {
        // SAFETY: an entry is a value; its target_as is passed on, never read.
        guard let entry = unsafe mr.translate(addr, IOMMU_NONE, n.iommuIndex) else { return }
        if unsafe entry.perm != IOMMU_NONE {  // SAFETY: as above
            n.notify(entry)
        }
        // A range ending near 2^64 would otherwise wrap to 0 and loop forever.
        let (next, wrapped) = addr.addingReportingOverflow(granularity)
        if wrapped { break }
        addr = next
    }
}
