import CSwiftTCEHost

// Replay: QEMU's generic walk's notifications, at the cost of what is
// mapped.

extension TCETable {
    /// Calls body for every entry that has a perm, in ascending iova, iova
    /// below limit (UInt64.max: a region of 2^64, every iova). Writers wait
    /// until it returns; a callback of the table itself replays nothing.
    /// Inlinable, so that a layer above's body (its notifier call) goes
    /// into a flat window's walk with no call of its own per entry.
    @inlinable
    public func replay(limit: UInt64, _ body: (SwiftTCEMapping) -> Void) {
        _ = locked { _ in
            let window = self.window
            guard let storage = window.storage else { return }
            let shift = UInt64(window.pageShift)
            let mask = window.pageMask
            // Entries whose page starts below limit: ceil(limit / page size).
            let belowLimit = (limit &>> shift) &+ (limit & ~mask != 0 ? 1 : 0)
            storage.forEachNonZero(from: 0, count: min(UInt64(window.nbTable), belowLimit)) { index, tce in
                guard tce & permBits != 0 else { return }
                body(SwiftTCEMapping(iova: index &<< shift, tce: tce, mask: mask))
            }
        }
    }

    /// replay's walk over the entries whose iova is in [start, end] only
    /// (a notifier's range), at the cost of what is mapped there.
    @inlinable
    public func replay(start: UInt64, end: UInt64, _ body: (SwiftTCEMapping) -> Void) {
        _ = locked { _ in
            let window = self.window
            guard let storage = window.storage, window.nbTable > 0, start <= end else { return }
            let shift = UInt64(window.pageShift)
            let mask = window.pageMask
            // The first page starting at or after start, the last at or
            // before end (shift >= 1: the sum cannot wrap).
            let first = (start &>> shift) &+ (start & ~mask != 0 ? 1 : 0)
            let last = min(end &>> shift, UInt64(window.nbTable) - 1)
            guard first <= last else { return }
            storage.forEachNonZero(from: first, count: last - first + 1) { index, tce in
                guard tce & permBits != 0 else { return }
                body(SwiftTCEMapping(iova: index &<< shift, tce: tce, mask: mask))
            }
        }
    }
}
