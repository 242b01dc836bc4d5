import CSwiftTCE
import CSwiftTCEHost
import SwiftTCEEngine

// The functions behind spapr_tce_iommu_ops (CShims/Standalone/shim.c). Not
// public: C reaches them through the ops table only.

/// The hot path: the engine's (TCETable.translate). The region and the
/// engine state share a block, freed only after the reads that may hold
/// it; reaching the state is arithmetic, no load. The ops table passes only
/// its own regions, so the region is not checked; NULL reads the zero
/// region, a disabled table.
@c @implementation
func swifttce_spapr_tce_translate(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ addr: hwaddr,
    _ flag: IOMMUAccessFlags,
    _ iommu_idx: Int32
) -> IOMMUTLBEntry {
    // SAFETY: the ops table's own regions (a table's block), or the zero region.
    let table = SpaprTable(block: Region(unsafe iommu ?? swifttce_no_region()))
    // Loaded first, so that the fast path's tail is its own: shared with
    // the slow path's, it would need the slow path's stack frame.
    let target = table.targetAS
    // SAFETY: entries are values; their target_as is handed on, never read.
    return unsafe table.engine.translate(addr, as: { tlbEntry($0, target) },
                                         otherwise: { translateOutOfLine(table, addr) })
}

/// Out of line, so that the hot path needs no stack frame. While a trace
/// hook is set, tables have their fast path off, so every translate comes
/// here and is traced as QEMU's spapr_iommu_xlate (addr region-relative).
/// @safe: the entry's target_as is handed on, never read.
@inline(never) @safe
private func translateOutOfLine(_ table: SpaprTable, _ addr: hwaddr) -> IOMMUTLBEntry {
    let mapping = table.engine.translateOutOfLine(addr)
    if Trace.on {
        Trace.emit("spapr_iommu_xlate liobn=0x\(hex(table.liobn)) 0x\(hex(addr)) -> 0x\(hex(mapping.translated_addr)) perm=\(mapping.perm) mask=0x\(hex(mapping.addr_mask))")
    }
    return tlbEntry(mapping, table.targetAS)
}

@c @implementation
func swifttce_spapr_tce_get_min_page_size(_ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> UInt64 {
    SpaprTable(region: Region(iommu))?.engine.minPageSize ?? 1
}

/// QEMU's generic walk, minus the walking: the same entries in the same order,
/// found through the engine's storage. Returns at once while the table is
/// being created, when there is nothing to replay but the window is vast.
@c @implementation
func swifttce_spapr_tce_replay(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ notifier: UnsafeMutablePointer<IOMMUNotifier>?
) {
    guard let table = SpaprTable(region: Region(iommu)), let n = Notifier(notifier), n.hasNotify,
          !table.skippingReplay else { return }
    // The notifier's range only (QEMU after 7.2; 7.2 walks the whole
    // region and notifies what lies outside too), up to the region's size,
    // which a caller may have set; UINT64_MAX stands for 2^64, which holds
    // every iova.
    guard let (start, end) = replayRange(n, size: table.mr.size) else { return }
    table.engine.replay(start: start, end: end) { mapping in
        n.notify(tlbEntry(mapping, table.targetAS))
    }
}

@c @implementation
func swifttce_spapr_tce_notify_flag_changed(
    _ iommu: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ old_flags: IOMMUNotifierFlag,
    _ new_flags: IOMMUNotifierFlag,
    _ errp: ErrorOut?
) -> Int32 {
    guard let table = SpaprTable(region: Region(iommu)) else {
        setError(errp, "spapr_tce: not a TCE table's region")
        return statusInvalid
    }
    if new_flags.rawValue & IOMMU_NOTIFIER_DEVIOTLB_UNMAP.rawValue != 0 {
        setError(errp, "spapr_tce: device IOTLB notifications are not supported")
        return statusInvalid
    }
    if old_flags == IOMMU_NOTIFIER_NONE && new_flags != IOMMU_NOTIFIER_NONE {
        table.needVFIO = true
    } else if old_flags != IOMMU_NOTIFIER_NONE && new_flags == IOMMU_NOTIFIER_NONE {
        table.needVFIO = false
    }
    // The engine reports writes only while someone listens.
    table.engine.setNotify(new_flags != IOMMU_NOTIFIER_NONE)
    return 0
}
