import CSwiftTCE
import Glibc
import Synchronization

// One node of the TCE radix tree (TCETree): a cache line of bitmap, then
// 512 slots, every word a 64-bit atomic.

/// The TCE bits that make an entry a mapping (its perm).
let permBits = UInt64(TCE_PCI_READ | TCE_PCI_WRITE)

/// One node: 8 bitmap words (one cache line) and then 512 slots.
struct TCENode {
    static let slotBits = 9
    static let slotCount = 1 << slotBits
    static let bitmapWords = slotCount / 64
    static let byteCount = (bitmapWords + slotCount) * MemoryLayout<UInt64>.size

    let words: UnsafeMutablePointer<Atomic<UInt64>>

    init(_ raw: UnsafeMutableRawPointer) {
        // SAFETY: every node is created by allocate(), which bound the memory.
        words = raw.assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    init?(bitPattern: UInt64) {
        guard let raw = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern)) else { return nil }
        self.init(raw)
    }

    /// A node from bits known not to be 0 (no test).
    @inline(__always)
    init(unchecked bits: UInt64) {
        self.init(UnsafeMutableRawPointer(bitPattern: UInt(bits)).unsafelyUnwrapped)
    }

    var bitPattern: UInt64 { UInt64(UInt(bitPattern: words)) }

    /// Node size rounded to whole cache lines (it is already: 65 lines).
    static let stride = (byteCount + 63) & ~63

    @inline(__always)
    func slot(_ i: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (TCENode.bitmapWords + i)
    }

    @inline(__always)
    func bitmapWord(for slot: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (slot >> 6)
    }
}

/// Calls body(base + i, entries[i]) for every non-zero entry of a leaf's
/// first count entries (migration sends every non-zero TCE, perm or not).
func forEachNonZeroEntry(
    _ entries: UnsafeMutablePointer<Atomic<UInt64>>,
    count: Int,
    base: UInt64,
    _ body: (UInt64, UInt64) -> Void
) {
    for i in 0..<count {
        let tce = entries[i].load(ordering: .relaxed)
        if tce != 0 { body(base | UInt64(i), tce) }
    }
}
