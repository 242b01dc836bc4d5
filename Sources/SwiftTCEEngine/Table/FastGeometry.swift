import CSwiftTCEHost
import Synchronization

// The fast path block: the 16 bytes right before a table's state, which
// translate's fast path reads (Translate.swift), and C hosts too
// (SwiftTCEFastPath and swifttce_lookup_inline in host.h). Its first word is
// the fast geometry, its second the table's flat array.

/// translate's fast path's view of a window: in one word, so that a read
/// of it is never torn, and with a generation, so that a read that saw it
/// before and after its load knows nothing changed in between. The count is
/// on top and the shift at the bottom, so that each is one instruction away:
/// count (23 bits) | generation (35 bits) | page shift (6 bits). C hosts
/// read it too: its encoding is host.h's (SWIFTTCE_FAST_*), which asserts
/// the field widths.
@usableFromInline
struct FastGeometry {
    // Computed, so that code inlined into another module folds them.
    @inlinable static var countShift: UInt64 { UInt64(SWIFTTCE_FAST_COUNT_SHIFT) }
    @inlinable static var shiftMask: UInt64 { UInt64(SWIFTTCE_FAST_SHIFT_MASK) }
    static var shiftBits: UInt64 { UInt64(shiftMask.nonzeroBitCount) }
    static var generationMask: UInt64 { (1 << (countShift - shiftBits)) - 1 }

    @usableFromInline let word: UInt64

    @inlinable init(word: UInt64) { self.word = word }

    /// count entries of the flat array (at most FlatStorage.entryLimit,
    /// below 2^23), of 2^pageShift bytes, in generation (mod 2^35).
    init(generation: UInt64, count: UInt64, pageShift: UInt32) {
        word = count << FastGeometry.countShift | (generation & FastGeometry.generationMask) << FastGeometry.shiftBits |
            UInt64(pageShift)
    }

    /// The whole word works as a shift amount: a masking shift (&>>, &<<)
    /// takes its low 6 bits, which are the page shift.
    @inlinable var shiftAmount: UInt64 { word }
    @inlinable var count: UInt64 { word &>> FastGeometry.countShift }
    var generation: UInt64 { (word >> FastGeometry.shiftBits) & FastGeometry.generationMask }
}

extension TCETable {
    /// Bytes of the fast path block before the state (host.h asserts 16;
    /// TableState needs no more alignment than the block's 16).
    // SAFETY: a size only.
    @inlinable static var fastPathBytes: Int { unsafe MemoryLayout<SwiftTCEFastPath>.size }

    /// The fast path block's geometry word: a FastGeometry. (An Atomic
    /// cannot be a computed property's value: readers go through this.)
    @inlinable
    var fastGeometry: UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: create() bound the block's first word to this type, and the
        // block lives as long as the state (TCETable's contract).
        unsafe (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    /// The fast path block's second word: the table's flat array
    /// (FlatStorage.reserveArray), reserved at the first flat window and
    /// kept for the memory's life.
    @inlinable
    var flatArray: UnsafeMutablePointer<Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>> {
        // SAFETY: create() bound the block's second word to this type.
        unsafe (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes + 8)
            .assumingMemoryBound(to: Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>.self)
    }

    /// A new fast geometry, in the next generation; with fast reads off,
    /// one that no address is in. Under the lock.
    func moveFastGeometry(count: UInt64, pageShift: UInt32) {
        // SAFETY: the block's word, which lives with the state.
        let old = FastGeometry(word: unsafe fastGeometry.pointee.load(ordering: .relaxed))
        let fast = fields.fastReads.load(ordering: .relaxed)
        let new = FastGeometry(generation: old.generation &+ 1, count: fast ? count : 0, pageShift: pageShift)
        unsafe fastGeometry.pointee.store(new.word, ordering: .releasing)
    }

    /// Turns translate's fast path on or off (on after create). Off, every
    /// translate goes to its `otherwise`, which a layer above can use to
    /// look at each one (tracing) at no cost to the fast path's.
    package func setFastReads(_ on: Bool) {
        _ = locked { _ in
            fields.fastReads.store(on, ordering: .relaxed)
            let window = self.window
            moveFastGeometry(count: window.storage?.directCount ?? 0, pageShift: window.pageShift)
        }
    }
}
