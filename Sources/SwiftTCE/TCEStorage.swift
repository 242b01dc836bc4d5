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
//
// Around the tree, for speed (bench/bench-tce.c measures each):
//  - a leaf directory for windows of 2^19..2^22 entries: translate is two
//    loads (directory slot, entry) instead of a three- or four-level walk;
//  - nodes from a per-storage arena (NodeArena): exact allocations for a
//    small tree, 2 MiB huge-page chunks for a big one;
//  - one locked instruction per map or unmap (setLeafEntry's protocol);
//  - replay in stages whose cache misses overlap (MappedWalk).

/// An all-zero leaf, shared and never written: the directories' "no leaf
/// yet" (TCEStorage.emptyLeaf). 0 if it could not be allocated: then no
/// storage gets a directory.
private let zeroLeaf: UInt64 = {
    guard let raw = aligned_alloc(64, TCENode.byteCount) else { return 0 }
    let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: TCENode.byteCount / 8)
    for i in 0..<(TCENode.byteCount / 8) {
        (words + i).initialize(to: Atomic(0))
    }
    return UInt64(UInt(bitPattern: raw))
}()

/// The tree of one enabled window. Plain value: its root and depth change only
/// on enable/disable, which the caller serialises against everything else.
struct TCEStorage {
    private(set) var root: TCENode?
    /// Where the nodes live (nil only for an empty storage).
    private var arena: NodeArena?
    /// Levels including the leaves; each resolves 9 bits of the index.
    private(set) var levels = 0
    /// (levels - 1) * 9: the shift of the root's slot in an index, kept so
    /// that the walks need no multiplication (and no overflow check).
    private var rootShift: UInt64 = 0
    /// The leaf directory: for a tree of 3 or more levels whose leaves number
    /// at most `directoryLimit`, slot p holds leaf p (indexes p * 512 ..< (p +
    /// 1) * 512) once it exists, so that a read is two loads instead of a walk.
    /// The tree stays complete (the walks use it); the directory only
    /// shortcuts it. A writer publishes the leaf there before it writes an
    /// entry, so whoever can see the entry can see the leaf.
    private var directory: UnsafeMutablePointer<Atomic<UInt64>>?
    /// Slots in the directory (at least the leaves). Callers check indexes
    /// against the window, so the reads index it unmasked.
    private var directorySlots = 0
    /// 8192 leaves (64 KiB of directory): windows of up to 2^22 entries.
    static let directoryLimit = 8192
    /// What an empty directory slot holds: the shared all-zero leaf (so that
    /// a read through the directory needs no test), 0 without a directory.
    private var emptyLeaf: UInt64 = 0

    /// Storage for indexes 0..<entryCount, or nil when memory runs out.
    init?(entryCount: UInt64) {
        var levels = 1
        while levels < 8 && entryCount > UInt64(1) << UInt64(TCENode.slotBits * levels) {
            levels += 1
        }
        let leaves = (entryCount + UInt64(TCENode.slotCount - 1)) >> UInt64(TCENode.slotBits)
        var directory: UnsafeMutablePointer<Atomic<UInt64>>?
        var directorySlots = 0
        if levels >= 3 && leaves <= UInt64(TCEStorage.directoryLimit) && zeroLeaf != 0 {
            // Whole cache lines: aligned_alloc wants a multiple of its alignment.
            directorySlots = (Int(leaves) + 7) & ~7
            guard let raw = aligned_alloc(64, directorySlots * MemoryLayout<UInt64>.size) else { return nil }
            let slots = raw.bindMemory(to: Atomic<UInt64>.self, capacity: directorySlots)
            for i in 0..<directorySlots {
                (slots + i).initialize(to: Atomic(zeroLeaf))
            }
            directory = slots
        }
        guard let arena = NodeArena(), let root = arena.allocate() else {
            free(directory)
            return nil
        }
        self.arena = arena
        self.root = root
        self.levels = levels
        self.rootShift = UInt64((levels - 1) * TCENode.slotBits)
        self.directory = directory
        self.directorySlots = directorySlots
        self.emptyLeaf = directory == nil ? 0 : zeroLeaf
    }

    init() {}

    // MARK: - Reads (lock-free, allocation-free)

    /// The raw TCE at index; 0 where nothing was ever written. The hot path
    /// of translate: wrapping shifts and arithmetic only, so the compiled walk
    /// is a few loads with no traps, calls or reference counting.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        if let directory {
            let p = Int(truncatingIfNeeded: index &>> UInt64(TCENode.slotBits))
            // Acquire pairs with the publishing store: the leaf's zeroing is
            // visible. Never 0: an empty slot holds the zero leaf.
            let leaf = TCENode(unchecked: directory[p].load(ordering: .acquiring))
            return leaf.slot(Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1)).pointee.load(ordering: .relaxed)
        }
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
    /// be allocated, in which case nothing was changed. Inlined into the
    /// hypercalls: a call would copy this struct to the stack each time.
    @inline(__always)
    func store(_ index: UInt64, _ tce: UInt64) -> Bool {
        let published = directory.map {
            $0 + Int(truncatingIfNeeded: index &>> UInt64(TCENode.slotBits))
        }
        if let published {
            let leaf = published.pointee.load(ordering: .acquiring)
            if leaf != emptyLeaf {
                setLeafEntry(TCENode(unchecked: leaf), Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1), tce)
                return true
            }
        }
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
        if let published {
            // Before the entry: a reader that sees the entry sees the leaf. Every
            // writer stores the same pointer, so a lost race changes nothing.
            published.pointee.store(node.bitPattern, ordering: .releasing)
        }
        setLeafEntry(node, Int(truncatingIfNeeded: index) & (TCENode.slotCount - 1), tce)
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

    /// Writes one entry and keeps the leaf's "has a perm" bit exact enough:
    /// once the writers are done the bit is never clear under a mapped entry
    /// (it may stay set under an unmapped one, which replay skips). Writers
    /// may race on the same entry.
    ///
    /// Every change of a bitmap word is a sequentially consistent
    /// read-modify-write (RMW). A writer first peeks (relaxed) at the bit and
    /// the old entry: "looks set" if either says mapped. The peek only picks
    /// the path; each path is correct whatever it says:
    ///  - map, not looking set ("fresh"): store the entry, OR the bit in;
    ///  - map, looking set ("remap"): store the entry (seq_cst), re-read the
    ///    bit (seq_cst); done if set, else OR it in;
    ///  - unmap, looking set: store the entry, AND the bit out, re-read the
    ///    entry (seq_cst), OR the bit back if a mapping is there;
    ///  - unmap, not looking set: store the entry, nothing else.
    /// Why a mapping cannot be lost: let the last entry written be a mapping
    /// by M and the bit end clear; then some AND by an unmapper U is the last
    /// change of the bit, after M's OR if M did one. A fresh M's OR is a
    /// release and U's AND an acquire reading from a release sequence made of
    /// RMWs only, so M's entry store happens before U's re-read. A remapping
    /// M's seq_cst re-read of the bit comes before U's AND in the single
    /// order S (if after, it would see the bit clear and OR it in), so M's
    /// seq_cst entry store precedes U's seq_cst re-read in S and that re-read
    /// cannot see an older entry. Either way U's re-read sees M's mapping and
    /// puts the bit back: contradiction.
    ///
    /// Cost, in locked instructions (x86): one per map (the remap's is the
    /// entry's own store, on the line being written, with the bitmap only
    /// read), one per unmap of a mapped entry, none to clear an unmapped one.
    /// (The former all-seq_cst scheme took two for a fresh map and for an
    /// unmap, one for the others.)
    @inline(__always)
    private func setLeafEntry(_ leaf: TCENode, _ slot: Int, _ tce: UInt64) {
        let entry = leaf.slot(slot)
        let word = leaf.bitmapWord(for: slot)
        let bit = UInt64(1) &<< UInt64(slot & 63)
        // Both peeks first: on a cold leaf their two cache misses overlap, and
        // the entry's line is then at hand for the store (the hint decides
        // only the path; every path is correct whatever it says).
        let old = entry.pointee.load(ordering: .relaxed)
        let looksSet = word.pointee.load(ordering: .relaxed) & bit != 0 || old & permBits != 0
        if tce & permBits != 0 {
            if looksSet {
                entry.pointee.store(tce, ordering: .sequentiallyConsistent)
                if word.pointee.load(ordering: .sequentiallyConsistent) & bit != 0 { return }
            } else {
                entry.pointee.store(tce, ordering: .relaxed)
            }
            word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
        } else {
            entry.pointee.store(tce, ordering: .relaxed)
            if looksSet {
                word.pointee.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
                if entry.pointee.load(ordering: .sequentiallyConsistent) & permBits != 0 {
                    word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                }
            }
        }
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
        if levels == 1 {
            MappedWalk.deliver(root, base: 0, body)
            return
        }
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

    /// Bytes held: the arena's chunks (nodes and their slack) and the
    /// directory.
    var byteCount: Int {
        let directoryBytes = directorySlots * MemoryLayout<UInt64>.size
        return (arena?.byteCount ?? 0) + directoryBytes
    }

    /// Frees every node; the storage is empty afterwards.
    mutating func release() {
        arena?.release()
        arena = nil
        root = nil
        levels = 0
        rootShift = 0
        free(directory)
        directory = nil
        directorySlots = 0
    }
}

// MARK: - The walk migration needs

extension TCEStorage {
    /// Calls body(index, tce) for every non-zero entry in index order. The
    /// leaves' bitmaps mark only entries with a perm, so leaves are scanned
    /// whole; interior bitmaps still skip what was never written.
    func forEachNonZero(_ body: (UInt64, UInt64) -> Void) {
        guard let root else { return }
        func visit(_ node: TCENode, _ level: Int, _ base: UInt64) {
            if level == 0 {
                for slot in 0..<TCENode.slotCount {
                    let tce = node.slot(slot).pointee.load(ordering: .relaxed)
                    if tce != 0 { body(base | UInt64(slot), tce) }
                }
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
}
