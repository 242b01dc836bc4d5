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

/// Where one storage's nodes live. A small tree takes one exact allocation
/// per node (a one-node chunk), so it holds what it uses; from the 257th node
/// on, nodes are carved from 2 MiB chunks, 2 MiB aligned and advised as huge
/// pages, so that a big tree's walks (sparse replay, random puts) do not miss
/// the TLB on every node. The slack is then at most one chunk, under half of
/// what such a tree holds. Nodes are never freed one by one: release() frees
/// the chunks.
///
/// Lock-free: a writer takes a node with one fetch-add on the current chunk's
/// fill mark; the first to find it full installs a new chunk with a CAS (a
/// loser frees its chunk and retries). A node that loses an install race is
/// kept as the spare and handed out next.
struct NodeArena {
    /// [0] the current chunk, [1] the spare node (0 when none).
    private let header: UnsafeMutablePointer<Atomic<UInt64>>

    /// A chunk starts with one line: [0] the previous chunk, [1] its size in
    /// bytes, [2] its fill mark (offset of the next free byte), [3] 1 if it
    /// was mapped with mmap (else aligned_alloc), [4] its ordinal.
    private static let chunkHeader = 64
    private static let oneNodeChunks: UInt64 = 256
    private static let hugeChunk = 2 << 20

    init?() {
        guard let raw = aligned_alloc(64, 64) else { return nil }
        header = raw.bindMemory(to: Atomic<UInt64>.self, capacity: 8)
        for i in 0..<8 { (header + i).initialize(to: Atomic(0)) }
    }

    /// A zeroed node, or nil when memory runs out (the guest asked for it).
    func allocate() -> TCENode? {
        let spare = header[1].exchange(0, ordering: .acquiring)
        if let node = TCENode(bitPattern: spare) {
            return node   // never installed, still zero
        }
        while true {
            let current = header[0].load(ordering: .acquiring)
            var ordinal: UInt64 = 0
            if let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(current)) {
                let size = Int(chunk[1].load(ordering: .relaxed))
                let offset = Int(chunk[2].wrappingAdd(UInt64(TCENode.stride), ordering: .relaxed).oldValue)
                if offset + TCENode.stride <= size {
                    return NodeArena.zeroed(UnsafeMutableRawPointer(chunk) + offset)
                }
                ordinal = chunk[4].load(ordering: .relaxed) &+ 1
            }
            // Full, or none yet.
            let nextSize = ordinal < NodeArena.oneNodeChunks
                ? NodeArena.chunkHeader + TCENode.stride : NodeArena.hugeChunk
            guard let fresh = NodeArena.newChunk(bytes: nextSize, previous: current, ordinal: ordinal) else {
                return nil
            }
            if !header[0].compareExchange(expected: current, desired: fresh, ordering: .acquiringAndReleasing).exchanged {
                NodeArena.freeChunk(fresh)
            }
        }
    }

    /// Takes back a node that was never installed (a lost install race).
    func recycle(_ node: TCENode) {
        // If a spare is there already this one is slack until release().
        _ = header[1].compareExchange(expected: 0, desired: node.bitPattern, ordering: .releasing)
    }

    /// Bytes of all chunks.
    var byteCount: Int {
        var bytes = 0
        var cursor = header[0].load(ordering: .acquiring)
        while let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(cursor)) {
            bytes += Int(chunk[1].load(ordering: .relaxed))
            cursor = chunk[0].load(ordering: .relaxed)
        }
        return bytes
    }

    /// Frees every chunk and the arena itself.
    func release() {
        var cursor = header[0].load(ordering: .acquiring)
        while let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(cursor)) {
            cursor = chunk[0].load(ordering: .relaxed)
            NodeArena.freeChunk(UInt64(UInt(bitPattern: chunk)))
        }
        free(header)
    }

    private static func zeroed(_ raw: UnsafeMutableRawPointer) -> TCENode {
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: TCENode.byteCount / 8)
        for i in 0..<(TCENode.byteCount / 8) {
            (words + i).initialize(to: Atomic(0))
        }
        return TCENode(raw)
    }

    private static func newChunk(bytes: Int, previous: UInt64, ordinal: UInt64) -> UInt64? {
        var raw: UnsafeMutableRawPointer?
        var mapped: UInt64 = 0
        if bytes >= hugeChunk {
            // 2 MiB aligned, so that it can be one huge page.
            let span = bytes + hugeChunk
            // MAP_FAILED is (void *)-1 (the overlay's constant is not linked).
            if let m = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               UInt(bitPattern: m) != UInt.max {
                let start = (UInt(bitPattern: m) + UInt(hugeChunk - 1)) & ~UInt(hugeChunk - 1)
                let head = Int(start - UInt(bitPattern: m))
                if head > 0 { munmap(m, head) }
                if span - head - bytes > 0 {
                    munmap(UnsafeMutableRawPointer(bitPattern: start + UInt(bytes)), span - head - bytes)
                }
                raw = UnsafeMutableRawPointer(bitPattern: start)
                _ = madvise(raw, bytes, 14 /* MADV_HUGEPAGE */)
                mapped = 1
            }
        } else {
            raw = aligned_alloc(64, bytes)
        }
        guard let raw else { return nil }
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: chunkHeader / 8)
        words.initialize(to: Atomic(previous))
        (words + 1).initialize(to: Atomic(UInt64(bytes)))
        (words + 2).initialize(to: Atomic(UInt64(chunkHeader)))
        (words + 3).initialize(to: Atomic(mapped))
        (words + 4).initialize(to: Atomic(ordinal))
        return UInt64(UInt(bitPattern: raw))
    }

    private static func freeChunk(_ bits: UInt64) {
        guard let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(bits)) else { return }
        if chunk[3].load(ordering: .relaxed) == 1 {
            munmap(UnsafeMutableRawPointer(chunk), Int(chunk[1].load(ordering: .relaxed)))
        } else {
            free(chunk)
        }
    }
}

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
    /// Directory slots - 1 (a power of two); indexes are masked with it so a
    /// stray index stays inside the directory.
    private var directoryMask: UInt64 = 0
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
            directorySlots = 1
            while UInt64(directorySlots) < leaves { directorySlots <<= 1 }
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
        self.directoryMask = UInt64(max(directorySlots, 1) - 1)
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
            let p = Int(truncatingIfNeeded: (index &>> UInt64(TCENode.slotBits)) & directoryMask)
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
            $0 + Int(truncatingIfNeeded: (index &>> UInt64(TCENode.slotBits)) & directoryMask)
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
        let directoryBytes = directory == nil ? 0 : Int(directoryMask + 1) * MemoryLayout<UInt64>.size
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
        directoryMask = 0
    }
}

/// The staged walk behind TCEStorage.forEachMapped: small buffers (on the
/// stack when it has room), filled and drained in index order.
private struct MappedWalk {
    static let parentCapacity = 32
    static let leafCapacity = 64
    static let entryCapacity = 256
    /// A leaf with a mapping in each of its 64-entry groups is delivered
    /// directly: its entries are consecutive lines, which the hardware
    /// prefetches anyway.
    static let allWords = (1 << TCENode.bitmapWords) - 1
    static let bufferBytes = (parentCapacity * 3 + leafCapacity * 4 + entryCapacity * 2) * 8

    /// Queued leaf parents (level-1 nodes), their first index, and the first
    /// word of their bitmap once loaded.
    let parentNodes: UnsafeMutablePointer<UInt64>
    let parentBases: UnsafeMutablePointer<UInt64>
    let parentFirstWords: UnsafeMutablePointer<UInt64>
    var parentCount = 0
    /// Queued leaves: the slot that holds each, then the leaf, its first
    /// index and the first word of its bitmap.
    let leafSlots: UnsafeMutablePointer<UInt64>
    let leafNodes: UnsafeMutablePointer<UInt64>
    let leafBases: UnsafeMutablePointer<UInt64>
    let leafFirstWords: UnsafeMutablePointer<UInt64>
    var leafCount = 0
    /// Queued entries whose bit is set: the entry's address, then its value;
    /// and its index.
    let entries: UnsafeMutablePointer<UInt64>
    let entryIndexes: UnsafeMutablePointer<UInt64>
    var entryCount = 0

    init(buffers: UnsafeMutableRawPointer) {
        let words = buffers.bindMemory(to: UInt64.self, capacity: MappedWalk.bufferBytes / 8)
        parentNodes = words
        parentBases = parentNodes + MappedWalk.parentCapacity
        parentFirstWords = parentBases + MappedWalk.parentCapacity
        leafSlots = parentFirstWords + MappedWalk.parentCapacity
        leafNodes = leafSlots + MappedWalk.leafCapacity
        leafBases = leafNodes + MappedWalk.leafCapacity
        leafFirstWords = leafBases + MappedWalk.leafCapacity
        entries = leafFirstWords + MappedWalk.leafCapacity
        entryIndexes = entries + MappedWalk.entryCapacity
    }

    /// Queues every leaf parent below node (at level >= 1), in index order.
    mutating func parents(below node: TCENode, level: Int, base: UInt64, _ body: (UInt64, UInt64) -> Void) {
        if level == 1 {
            if parentCount == MappedWalk.parentCapacity { flushParents(body) }
            parentNodes[parentCount] = node.bitPattern
            parentBases[parentCount] = base
            parentCount &+= 1
            return
        }
        let shift = UInt64(level &* TCENode.slotBits)
        for w in 0..<TCENode.bitmapWords {
            var bits = node.words[w].load(ordering: .acquiring)
            while bits != 0 {
                let slot = w &<< 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                    parents(below: child, level: level &- 1, base: base | UInt64(slot) &<< shift, body)
                }
            }
        }
    }

    /// Turns the queued parents into queued leaves.
    mutating func flushParents(_ body: (UInt64, UInt64) -> Void) {
        let count = parentCount
        parentCount = 0
        // Every parent's bitmap line at once (independent loads).
        for i in 0..<count {
            parentFirstWords[i] = TCENode(bitPattern: parentNodes[i])!.words[0].load(ordering: .acquiring)
        }
        // The slots of their children, queued unread.
        for i in 0..<count {
            let node = TCENode(bitPattern: parentNodes[i])!
            var words = MappedWalk.nonzeroWords(node, first: parentFirstWords[i])
            while words != 0 {
                let w = words.trailingZeroBitCount
                words &= words &- 1
                var bits = w == 0 ? parentFirstWords[i] : node.words[w].load(ordering: .acquiring)
                while bits != 0 {
                    let slot = w &<< 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    if leafCount == MappedWalk.leafCapacity { flushLeaves(body) }
                    leafSlots[leafCount] = UInt64(UInt(bitPattern: node.slot(slot)))
                    leafBases[leafCount] = parentBases[i] | UInt64(slot) &<< UInt64(TCENode.slotBits)
                    leafCount &+= 1
                }
            }
        }
    }

    /// Turns the queued leaves into queued entries (or delivers dense ones).
    mutating func flushLeaves(_ body: (UInt64, UInt64) -> Void) {
        let count = leafCount
        leafCount = 0
        // The leaves, from their slots (independent loads).
        for i in 0..<count {
            let slot = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(leafSlots[i]))!
            leafNodes[i] = slot.pointee.load(ordering: .acquiring)
        }
        // Their bitmap lines (independent loads).
        for i in 0..<count {
            if let leaf = TCENode(bitPattern: leafNodes[i]) {
                leafFirstWords[i] = leaf.words[0].load(ordering: .acquiring)
            }
        }
        for i in 0..<count {
            guard let leaf = TCENode(bitPattern: leafNodes[i]) else { continue }
            var words = MappedWalk.nonzeroWords(leaf, first: leafFirstWords[i])
            if words == MappedWalk.allWords {
                flushEntries(body)
                MappedWalk.deliver(leaf, base: leafBases[i], body)
                continue
            }
            while words != 0 {
                let w = words.trailingZeroBitCount
                words &= words &- 1
                var bits = w == 0 ? leafFirstWords[i] : leaf.words[w].load(ordering: .acquiring)
                while bits != 0 {
                    let slot = w &<< 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    if entryCount == MappedWalk.entryCapacity { flushEntries(body) }
                    entries[entryCount] = UInt64(UInt(bitPattern: leaf.slot(slot)))
                    entryIndexes[entryCount] = leafBases[i] | UInt64(slot)
                    entryCount &+= 1
                }
            }
        }
    }

    /// Reads the queued entries (independent loads), then delivers them.
    mutating func flushEntries(_ body: (UInt64, UInt64) -> Void) {
        let count = entryCount
        entryCount = 0
        for i in 0..<count {
            let entry = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(entries[i]))!
            entries[i] = entry.pointee.load(ordering: .acquiring)
        }
        for i in 0..<count where entries[i] & permBits != 0 {
            body(entryIndexes[i], entries[i])
        }
    }

    /// Bit w set when the node's bitmap word w is not zero, computed without
    /// branches: a sparse node has one or two such words at random places,
    /// and scanning the eight words one by one mispredicts on each node.
    @inline(__always)
    static func nonzeroWords(_ node: TCENode, first: UInt64) -> Int {
        var mask = first != 0 ? 1 : 0
        for w in 1..<TCENode.bitmapWords {
            mask |= (node.words[w].load(ordering: .acquiring) != 0 ? 1 : 0) &<< w
        }
        return mask
    }

    /// Every entry of one leaf that has a perm, straight from its bitmap.
    static func deliver(_ leaf: TCENode, base: UInt64, _ body: (UInt64, UInt64) -> Void) {
        for w in 0..<TCENode.bitmapWords {
            var bits = leaf.words[w].load(ordering: .acquiring)
            while bits != 0 {
                let slot = w &<< 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                let value = leaf.slot(slot).pointee.load(ordering: .acquiring)
                if value & permBits != 0 {
                    body(base | UInt64(slot), value)
                }
            }
        }
    }
}
