import CSwiftTCE
import Glibc
import Synchronization

// TCE storage: a radix tree of fixed 512-slot nodes that costs what the guest
// maps. QEMU keeps one flat array (a 128 TiB window of 64 KiB pages is 16 GiB
// of it); here a node appears on the first write of a non-zero TCE below it,
// so an untouched window is one node and a read never allocates.
//
// Every slot is a whole 64-bit atomic: translate reads the old or the new TCE,
// never a mix, with no lock. Each node also carries a bitmap: in an interior
// node, which children exist; in a leaf, which entries have a perm. Replay
// follows the bitmaps, so it visits what is mapped, not what the window spans.

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

    var bitPattern: UInt64 { UInt64(UInt(bitPattern: words)) }

    /// A zeroed node, or nil when memory runs out (the guest asked for it).
    static func allocate() -> TCENode? {
        guard let raw = aligned_alloc(64, byteCount) else { return nil }
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: bitmapWords + slotCount)
        for i in 0..<(bitmapWords + slotCount) {
            (words + i).initialize(to: Atomic(0))
        }
        return TCENode(raw)
    }

    func deallocate() {
        free(words)
    }

    @inline(__always)
    func slot(_ i: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (TCENode.bitmapWords + i)
    }

    @inline(__always)
    func bitmapWord(for slot: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (slot >> 6)
    }
}

/// The tree of one enabled window. Plain value: its root and depth change only
/// on enable/disable, which the caller serialises against everything else.
struct TCEStorage {
    private(set) var root: TCENode?
    /// Levels including the leaves; each resolves 9 bits of the index.
    private(set) var levels = 0

    /// Storage for indexes 0..<entryCount, or nil when memory runs out.
    init?(entryCount: UInt64) {
        var levels = 1
        while levels < 8 && entryCount > UInt64(1) << UInt64(TCENode.slotBits * levels) {
            levels += 1
        }
        guard let root = TCENode.allocate() else { return nil }
        self.root = root
        self.levels = levels
    }

    init() {}

    // MARK: - Reads (lock-free, allocation-free)

    /// The raw TCE at index; 0 where nothing was ever written.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        guard var node = root else { return 0 }
        var shift = UInt64((levels - 1) * TCENode.slotBits)
        while shift > 0 {
            let slot = Int(truncatingIfNeeded: index >> shift) & (TCENode.slotCount - 1)
            // Acquire pairs with the installing CAS: the child's zeroing is visible.
            guard let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) else {
                return 0
            }
            node = child
            shift -= UInt64(TCENode.slotBits)
        }
        return node.slot(Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1)).pointee.load(ordering: .relaxed)
    }

    // MARK: - Writes (lock-free; may run on several threads at once)

    /// Stores the raw TCE at index. Returns false only when a node could not
    /// be allocated, in which case nothing was changed.
    func store(_ index: UInt64, _ tce: UInt64) -> Bool {
        guard var node = root else { return false }
        var shift = UInt64((levels - 1) * TCENode.slotBits)
        while shift > 0 {
            let slot = Int(truncatingIfNeeded: index >> shift) & (TCENode.slotCount - 1)
            if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                node = child
            } else if tce == 0 {
                return true   // clearing what was never written
            } else {
                guard let child = install(in: node, slot: slot) else { return false }
                node = child
            }
            shift -= UInt64(TCENode.slotBits)
        }
        setLeafEntry(node, Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1), tce)
        return true
    }

    /// Puts a fresh child in an empty slot, or returns the one a racing
    /// writer put there first.
    private func install(in node: TCENode, slot: Int) -> TCENode? {
        guard let fresh = TCENode.allocate() else { return nil }
        let (won, winner) = node.slot(slot).pointee.compareExchange(
            expected: 0, desired: fresh.bitPattern, ordering: .acquiringAndReleasing)
        if won {
            node.bitmapWord(for: slot).pointee.bitwiseOr(UInt64(1) << UInt64(slot & 63), ordering: .releasing)
            return fresh
        }
        fresh.deallocate()
        return TCENode(bitPattern: winner)
    }

    /// Writes one entry and keeps the leaf's "has a perm" bit exact.
    ///
    /// A writer that maps may skip setting a bit it sees set while an
    /// unmapping writer is clearing it; the unmapper therefore re-reads the
    /// entry after clearing and puts the bit back if a mapping arrived. With
    /// sequentially consistent accesses one of the two always sees the other,
    /// so the bit is never clear under a mapped entry (it may briefly be set
    /// under an unmapped one, which replay skips).
    @inline(__always)
    private func setLeafEntry(_ leaf: TCENode, _ slot: Int, _ tce: UInt64) {
        let entry = leaf.slot(slot)
        let word = leaf.bitmapWord(for: slot)
        let bit = UInt64(1) << UInt64(slot & 63)
        entry.pointee.store(tce, ordering: .sequentiallyConsistent)
        let bits = word.pointee.load(ordering: .sequentiallyConsistent)
        if tce & permBits != 0 {
            if bits & bit == 0 {
                word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
            }
        } else if bits & bit != 0 {
            word.pointee.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
            if entry.pointee.load(ordering: .sequentiallyConsistent) & permBits != 0 {
                word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
            }
        }
    }

    // MARK: - Walks

    /// Calls body(index, tce) for every entry with a perm, in index order,
    /// visiting only the nodes that exist and the entries their bitmaps mark.
    func forEachMapped(_ body: (UInt64, UInt64) -> Void) {
        guard let root else { return }
        TCEStorage.visit(root, level: levels - 1, base: 0, body)
    }

    private static func visit(_ node: TCENode, level: Int, base: UInt64, _ body: (UInt64, UInt64) -> Void) {
        for w in 0..<TCENode.bitmapWords {
            var bits = node.words[w].load(ordering: .acquiring)
            while bits != 0 {
                let slot = w << 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                let value = node.slot(slot).pointee.load(ordering: .acquiring)
                if level == 0 {
                    if value & permBits != 0 {
                        body(base | UInt64(slot), value)
                    }
                } else if let child = TCENode(bitPattern: value) {
                    visit(child, level: level - 1,
                          base: base | UInt64(slot) << UInt64(level * TCENode.slotBits), body)
                }
            }
        }
    }

    /// Calls body on every node, children before their parent.
    private func forEachNode(_ body: (TCENode) -> Void) {
        func walk(_ node: TCENode, _ level: Int) {
            if level > 0 {
                for slot in 0..<TCENode.slotCount {
                    if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                        walk(child, level - 1)
                    }
                }
            }
            body(node)
        }
        if let root { walk(root, levels - 1) }
    }

    /// Bytes held by the nodes.
    var byteCount: Int {
        var nodes = 0
        forEachNode { _ in nodes += 1 }
        return nodes * TCENode.byteCount
    }

    /// Frees every node; the storage is empty afterwards.
    mutating func release() {
        forEachNode { $0.deallocate() }
        root = nil
        levels = 0
    }
}
