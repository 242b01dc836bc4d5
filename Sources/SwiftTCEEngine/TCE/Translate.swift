import CSwiftTCEHost
import Synchronization

// The read side: translate and H_GET_TCE, from any thread at any time,
// without locks or allocations.
//
// translate's fast path, for a flat window, announces nothing: it reads the
// fast geometry, loads the entry from the table's flat array (mapped for as
// long as the table's memory lives, so the load is always safe), and reads
// the geometry again; the same word twice means no change came in between,
// so the entry is the window's. Any other case (a tree, an address outside
// the window, a change in between) is a read announced to the grace periods
// (GracePeriod), on the fields, which change under announced reads only in
// the order TCETable.swift describes.

extension TCETable {
    /// QEMU's spapr_tce_translate_iommu: addr is window-relative. The
    /// access flag and IOMMU index do not matter to a TCE table.
    @inlinable @inline(__always)
    public func translate(_ addr: UInt64) -> SwiftTCEMapping {
        translate(addr, as: { $0 }, otherwise: { translateOutOfLine(addr) })
    }

    /// translate's fast path, with the answer made into the caller's type
    /// by make: for a flat window, QEMU's (a range check and one load) plus
    /// a second load of the geometry's word. Anything else is `otherwise`,
    /// which must answer what translateOutOfLine does; kept out of line, it
    /// is the only path that needs a stack frame.
    @inlinable @inline(__always)
    public func translate<Entry>(_ addr: UInt64, as make: (SwiftTCEMapping) -> Entry,
                                 otherwise: () -> Entry) -> Entry {
        lookup(addr, as: { tce, mask in make(SwiftTCEMapping(iova: addr & mask, tce: tce, mask: mask)) },
               otherwise: otherwise)
    }

    /// The fast path itself, answering the raw TCE and the page mask (the
    /// mapping is iova addr & mask, translated tce & mask, addr_mask ~mask,
    /// perm tce & 3; a mask of 0 and a TCE of 0 outside the window).
    @inlinable @inline(__always)
    public func lookup<Entry>(_ addr: UInt64, as make: (_ tce: UInt64, _ mask: UInt64) -> Entry,
                              otherwise: () -> Entry) -> Entry {
        // SAFETY: the fast path block's words (fastGeometry, flatArray),
        // which live as long as the table; the array is set before any
        // count that is not 0 and holds entryLimit entries, more than any
        // count, so the load is always in it.
        let geometry = unsafe FastGeometry(word: fastGeometry.pointee.load(ordering: .acquiring))
        // The shift is 1...63 while the count is not 0, so the wrapping
        // shifts are the plain ones.
        let shift = geometry.shiftAmount
        let index = addr &>> shift
        if _fastPath(index < geometry.count) {
            let tce = unsafe Storage.loadDirect(flatArray.pointee.load(ordering: .relaxed).unsafelyUnwrapped, index)
            // The entry's load before the second look at the geometry.
            atomicMemoryFence(ordering: .acquiring)
            // SAFETY: the fast path block's word, as above.
            if unsafe _fastPath(fastGeometry.pointee.load(ordering: .relaxed) == geometry.word) {
                return make(tce, ~UInt64(0) &<< shift)
            }
        }
        return otherwise()
    }

    /// The whole of translate, in one read (the thread's first registers).
    public func translateOutOfLine(_ addr: UInt64) -> SwiftTCEMapping {
        let (tce, mask) = lookupOutOfLine(addr)
        return mask == 0 ? .unmapped : SwiftTCEMapping(iova: addr & mask, tce: tce, mask: mask)
    }

    /// The whole of lookup, in one read: (0, 0) outside the window.
    public func lookupOutOfLine(_ addr: UInt64) -> (tce: UInt64, mask: UInt64) {
        GracePeriod.read {
            guard let (index, shift, storage) = entry(addr) else { return (0, 0) }
            return (storage.load(index), ~UInt64(0) &<< UInt64(shift))
        }
    }

    /// Inside a read: the index of a window-relative address, the page
    /// shift and the storage, or nil outside the window. nbTable comes
    /// first: a read that sees it sees the fields published before it.
    func entry(_ addr: UInt64) -> (UInt64, UInt32, Storage)? {
        let nbTable = fields.nbTable.load(ordering: .acquiring)
        let shift = fields.pageShift.load(ordering: .relaxed)
        let index = addr &>> UInt64(shift)
        guard index < UInt64(nbTable), let storage = fields.storage else { return nil }
        return (index, shift, storage)
    }

    /// H_GET_TCE after the LIOBN lookup: the raw TCE, or nil (H_PARAMETER)
    /// outside the window.
    package func getTCE(ioba: UInt64) -> UInt64? {
        GracePeriod.read {
            // nbTable first, as in entry(): the shift and bus offset read
            // after it are its window's (a withdraw waits for this read
            // before it changes them).
            let nbTable = fields.nbTable.load(ordering: .acquiring)
            let shift = UInt64(fields.pageShift.load(ordering: .relaxed))
            let bus = fields.busOffset.load(ordering: .relaxed)
            // Masked to the table's page, then made window-relative.
            let index = ((ioba & (~UInt64(0) &<< shift)) &- bus) &>> shift
            guard index < UInt64(nbTable), let storage = fields.storage else { return nil }
            return storage.load(index)
        }
    }
}
