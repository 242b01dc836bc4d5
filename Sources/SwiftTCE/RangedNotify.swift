import CSwiftTCE
import CSwiftTCEHost

// A hypercall's runs of written entries (the engine's notify_range, host.h)
// as the region's notifiers hear them: QEMU's one event per entry for a
// notifier that did not ask for more, and aligned power-of-two blocks for
// one with SWIFTTCE_IOMMU_NOTIFIER_RANGES (memory.h).

/// SwiftTCE's opt-in bit in a notifier's flags.
let rangesFlag = UInt32(SWIFTTCE_IOMMU_NOTIFIER_RANGES)

/// A run (host.h): entry k is first at iova + k pages, translated_addr +
/// k * stride.
struct Run {
    let first: SwiftTCEMapping
    let count: UInt64
    let stride: UInt64

    var page: UInt64 { first.addr_mask &+ 1 }
    var type: IOMMUNotifierFlag { first.perm == IOMMU_NONE.rawValue ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP }

    func entry(_ k: UInt64) -> SwiftTCEMapping {
        var m = first
        m.iova = first.iova &+ k &* page
        m.translated_addr = first.translated_addr &+ k &* stride
        return m
    }

    /// Calls body with the run's part in [start, end] (the pages it
    /// touches) as aligned power-of-two blocks, ascending, each one
    /// mapping: any for unmaps (translated_addr 0 past a page), iova and
    /// translated_addr aligned alike for page-contiguous maps, one page
    /// each for maps of one page (stride 0).
    func forEachBlock(start: UInt64, end: UInt64, _ body: (SwiftTCEMapping) -> Void) {
        guard count > 0, end >= first.iova else { return }
        let page = self.page
        let shift = UInt64(page.trailingZeroBitCount)
        // The entries whose pages [start, end] touches.
        var k = start <= first.iova ? 0 : (start &- first.iova) &>> shift
        let lastK = min(count - 1, (end &- first.iova) &>> shift)
        let unmap = first.perm == IOMMU_NONE.rawValue
        let blocks = unmap || stride == page
        while k <= lastK {
            let m = entry(k)
            var pages: UInt64 = 1
            if blocks {
                // As large as the iova's alignment (and a map's translated
                // address's), and what is left, allow.
                var align = UInt64(m.iova.trailingZeroBitCount)
                if !unmap { align = min(align, UInt64(m.translated_addr.trailingZeroBitCount)) }
                let left = lastK - k + 1
                let fits = UInt64(63 - left.leadingZeroBitCount)
                pages = UInt64(1) &<< min(align &- min(align, shift), fits, 63)
            }
            var block = m
            block.addr_mask = (page &<< UInt64(pages.trailingZeroBitCount)) &- 1
            if unmap && pages > 1 { block.translated_addr = 0 }
            body(block)
            k += pages
        }
    }
}

/// The engine's notify_range for a standalone table: each entry to every
/// notifier that takes entries, in QEMU's order (entry by entry, newest
/// notifier first), then the blocks to every notifier that takes ranges.
func notifyRun(_ table: SpaprTable, _ run: Run) {
    let mr = table.mr
    var perEntry = false
    var ranged = false
    forEachNotifier(mr) { n in
        guard n.iommuIndex == 0 else { return }
        if n.flags & rangesFlag != 0 { ranged = true } else { perEntry = true }
    }
    let type = run.type
    let target = table.targetAS
    if perEntry {
        var k: UInt64 = 0
        while k < run.count {
            // SAFETY: the event is a value; its target_as is passed on, never read.
            let event = unsafe IOMMUTLBEvent(type: type, entry: tlbEntry(run.entry(k), target))
            forEachNotifier(mr) { n in
                guard n.iommuIndex == 0, n.flags & rangesFlag == 0 else { return }
                notifyOne(n, event)
            }
            k += 1
        }
    }
    guard ranged else { return }
    forEachNotifier(mr) { n in
        guard n.iommuIndex == 0, n.flags & rangesFlag != 0, n.flags & type.rawValue != 0 else { return }
        run.forEachBlock(start: n.start, end: n.end) { block in
            // SAFETY: as above.
            notifyOne(n, unsafe IOMMUTLBEvent(type: type, entry: tlbEntry(block, target)))
        }
    }
}
