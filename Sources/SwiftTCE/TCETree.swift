import Synchronization

// The storage of a window too big for a flat array (TCEStorage): a radix tree
// of fixed 512-slot nodes that costs what the guest maps. A node appears on
// the first write of a non-zero TCE below it, installed with a CAS, so an
// untouched window is one node and a read never allocates.
//
// Every slot is a whole 64-bit atomic: translate reads the old or the new TCE,
// never a mix, with no lock. Each node also carries a bitmap: in an interior
// node, which children exist; in a leaf, which entries have a perm. Replay
// follows the bitmaps, so it visits what is mapped, not what the window spans.
//
// For speed (bench/bench-tce.c measures each): nodes come from a per-tree
// arena (NodeArena), a map or unmap takes one locked instruction
// (writeEntry), and replay goes in stages whose cache misses overlap
// (MappedWalk).

/// The tree of one enabled window. Plain value: its root and depth change only
/// on enable/disable, which the caller serialises against everything else.
struct TCETree {
    private var root: TCENode?
    /// Where the nodes live (nil only for an empty tree).
    private var arena: NodeArena?
    /// Levels including the leaves (at least 2: the walks start at a leaf
    /// parent); each resolves 9 bits of the index.
    private var levels = 0
    /// (levels - 1) * 9: the shift of the root's slot in an index, kept so
    /// that the walks need no multiplication (and no overflow check).
    private var rootShift: UInt64 = 0

    /// A tree for indexes 0..<entryCount, or nil when memory runs out.
    init?(entryCount: UInt64) {
        var levels = 2
        while levels < 8 && entryCount > UInt64(1) << UInt64(TCENode.slotBits * levels) {
            levels += 1
        }
        guard let arena = NodeArena(), let root = arena.allocate() else { return nil }
        self.arena = arena
        self.root = root
        self.levels = levels
        self.rootShift = UInt64((levels - 1) * TCENode.slotBits)
    }

    init() {}

    // MARK: - Reads (lock-free, allocation-free)

    /// The raw TCE at index; 0 where nothing was ever written: wrapping
    /// shifts and arithmetic only, a few loads with no traps, calls or
    /// reference counting.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        guard var node = root else { return 0 }
        var shift = rootShift
        while shift != 0 {
            let slot = Int(truncatingIfNeeded: index &>> shift) & (TCENode.slotCount - 1)
            // Acquire pairs with the installing CAS: the child's zeroing is visible.
            guard let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) else {
                return 0
            }
            node = child
            shift &-= UInt64(TCENode.slotBits)
        }
        return node.slot(Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1)).pointee.load(ordering: .relaxed)
    }

    // MARK: - Writes (lock-free; may run on several threads at once)

    /// Stores the raw TCE at index. Returns false only when a node could not
    /// be allocated, in which case nothing was changed.
    @inline(__always)
    func store(_ index: UInt64, _ tce: UInt64) -> Bool {
        guard var node = root else { return false }
        var shift = rootShift
        while shift != 0 {
            let slot = Int(truncatingIfNeeded: index &>> shift) & (TCENode.slotCount - 1)
            if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                node = child
            } else if tce == 0 {
                return true   // clearing what was never written
            } else {
                guard let child = install(in: node, slot: slot) else { return false }
                node = child
            }
            shift &-= UInt64(TCENode.slotBits)
        }
        let slot = Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1)
        writeEntry(tce, at: node.slot(slot), markedBy: UInt64(1) &<< UInt64(slot & 63),
                   in: node.bitmapWord(for: slot))
        return true
    }

    /// Puts a fresh child in an empty slot, or returns the one a racing
    /// writer put there first.
    private func install(in node: TCENode, slot: Int) -> TCENode? {
        guard let fresh = arena?.allocate() else { return nil }
        let (won, winner) = node.slot(slot).pointee.compareExchange(
            expected: 0, desired: fresh.bitPattern, ordering: .acquiringAndReleasing)
        if won {
            node.bitmapWord(for: slot).pointee.bitwiseOr(UInt64(1) << UInt64(slot & 63), ordering: .releasing)
            return fresh
        }
        arena?.recycle(fresh)
        return TCENode(bitPattern: winner)
    }

    // MARK: - Walks

    /// Calls body(index, tce) for every entry with a perm, in index order,
    /// visiting only the nodes that exist and the entries their bitmaps mark.
    ///
    /// In a sparse tree each mapping is a chain of cache misses (its leaf
    /// parent's bitmap, the slot, the leaf's bitmap, the entry), so the walk
    /// goes in stages over small batches, each stage a loop of independent
    /// loads whose misses overlap: parents' bitmaps, then leaves, then their
    /// bitmaps, then entries, and only then the calls to body, still in index
    /// order (MappedWalk). Dense leaves are delivered directly.
    func forEachMapped(_ body: (UInt64, UInt64) -> Void) {
        guard let root else { return }
        // An empty window (however vast) is one line of zeros: done.
        var any: UInt64 = 0
        for w in 0..<TCENode.bitmapWords {
            any |= root.words[w].load(ordering: .acquiring)
        }
        if any == 0 { return }
        withUnsafeTemporaryAllocation(byteCount: MappedWalk.bufferBytes, alignment: 16) { raw in
            var walk = MappedWalk(buffers: raw.baseAddress!)
            walk.parents(below: root, level: levels - 1, base: 0, body)
            walk.flushParents(body)
            walk.flushLeaves(body)
            walk.flushEntries(body)
        }
    }

    /// Calls body(index, tce) for every non-zero entry in index order (what
    /// migration sends). The leaves' bitmaps mark only entries with a perm,
    /// so leaves are scanned whole; interior bitmaps still skip what was
    /// never written.
    func forEachNonZero(_ body: (UInt64, UInt64) -> Void) {
        guard let root else { return }
        func visit(_ node: TCENode, _ level: Int, _ base: UInt64) {
            if level == 0 {
                forEachNonZeroEntry(node.slot(0), count: TCENode.slotCount, base: base, body)
                return
            }
            for w in 0..<TCENode.bitmapWords {
                var bits = node.words[w].load(ordering: .acquiring)
                while bits != 0 {
                    let slot = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                        visit(child, level - 1,
                              base | UInt64(slot) << UInt64(level * TCENode.slotBits))
                    }
                }
            }
        }
        visit(root, levels - 1, 0)
    }

    /// Bytes held: the arena's chunks (nodes and their slack).
    var byteCount: Int { arena?.byteCount ?? 0 }

    /// Frees every node; the tree is empty afterwards.
    mutating func release() {
        arena?.release()
        self = TCETree()
    }
}
