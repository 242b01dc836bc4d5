import Glibc
import Synchronization

// One node of the radix tree (RadixTree): 512 slots of the next 9 bits of an
// index, held in one of two shapes.
//  - full: a bitmap of the slots in use, then all 512 slots (4 KiB); slot i
//    is at a fixed place, so a lookup is one load;
//  - sparse: up to 16 (slot number, slot) pairs in the order they came
//    (176 bytes); a lookup scans the numbers. Isolated mappings cost a few
//    of these instead of a 4 KiB leaf each.
// A leaf's slots are TCEs; an inner node's are its children.
//
// Readers (translate) never lock. A sparse node grows by appending a pair
// and then publishing the new count; a pair's number never changes, so a
// reader that saw the count sees the pairs before it. Anything else (a
// sparse node that is full, a full one that is mostly empty) is replaced by
// a fresh copy, published in its parent, and the old node is freed after a
// grace period.

enum NodeShape: UInt8 {
    case sparse
    case full
}

/// The first 16 bytes of every node. Readers read shape and published;
/// inEmptiedRing and live are the writer's (it holds the table's lock), atomics
/// only so that changing them is not an access to the whole header.
struct NodeHeader: ~Copyable {
    let shape: NodeShape
    /// 0 for a leaf; a node at level L picks its slot with index bits
    /// 9L..<9L+9.
    let level: UInt8
    /// In the table's EmptiedRing (leaves only).
    let inEmptiedRing: Atomic<Bool>
    /// Slots holding a non-zero TCE or a child.
    let live: Atomic<UInt16>
    /// Sparse: pairs a reader may look at.
    let published: Atomic<UInt16>
    /// The first index under the node.
    let base: UInt64
}

/// A node, through typed views of its memory. Two nodes are the same node
/// when their memory is.
struct RadixNode: Equatable {
    static let slotBits = 9
    static let slotCount = 1 << slotBits
    static var sparseCapacity: Int { SparseOrder.count }
    /// A sparse node's slot numbers, sorted (forEachLive): the capacity is
    /// written here, once (InlineArray's count must be a literal).
    private typealias SparseOrder = InlineArray<16, UInt32>
    /// A full node whose live slots drop to this becomes sparse again; a
    /// sparse one becomes full past sparseCapacity (hysteresis between them).
    static let shrinkAt = 4

    private static let keysOffset = 16
    private static let sparseSlotsOffset = keysOffset + sparseCapacity * 2
    private static let bitmapOffset = 16
    private static let fullSlotsOffset = bitmapOffset + slotCount / 8

    static let sparseBytes = sparseSlotsOffset + sparseCapacity * 8
    static let fullBytes = fullSlotsOffset + slotCount * 8

    let raw: UnsafeMutableRawPointer

    init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }

    /// A zeroed node of the shape, or nil when memory runs out.
    static func make(shape: NodeShape, level: Int, base: UInt64) -> RadixNode? {
        let bytes = shape == .full ? fullBytes : sparseBytes
        guard let raw = calloc(1, bytes) else { return nil }
        raw.bindMemory(to: NodeHeader.self, capacity: 1).initialize(to: NodeHeader(
            shape: shape, level: UInt8(level), inEmptiedRing: Atomic(false), live: Atomic(0),
            published: Atomic(0), base: base))
        // SAFETY: calloc's zeros are 0 TCEs and nil children, whichever the
        // level makes these slots.
        if level == 0 {
            (raw + slotsOffset(shape)).bindMemory(to: Atomic<UInt64>.self, capacity: slots(shape))
        } else {
            (raw + slotsOffset(shape)).bindMemory(to: Atomic<UnsafeMutableRawPointer?>.self, capacity: slots(shape))
        }
        return RadixNode(raw)
    }

    /// Frees a node no reader can reach (never published).
    func destroy() { free(raw) }

    private static func slotsOffset(_ shape: NodeShape) -> Int {
        shape == .full ? fullSlotsOffset : sparseSlotsOffset
    }

    private static func slots(_ shape: NodeShape) -> Int {
        shape == .full ? slotCount : sparseCapacity
    }

    var header: UnsafeMutablePointer<NodeHeader> {
        raw.assumingMemoryBound(to: NodeHeader.self)
    }

    var shape: NodeShape { header.pointee.shape }

    /// The writer's count of live slots.
    var live: Int {
        get { Int(header.pointee.live.load(ordering: .relaxed)) }
        nonmutating set { header.pointee.live.store(UInt16(newValue), ordering: .relaxed) }
    }

    /// The writer's mark: in the emptied ring.
    var inEmptiedRing: Bool {
        get { header.pointee.inEmptiedRing.load(ordering: .relaxed) }
        nonmutating set { header.pointee.inEmptiedRing.store(newValue, ordering: .relaxed) }
    }
    var level: Int { Int(header.pointee.level) }
    var isLeaf: Bool { header.pointee.level == 0 }
    var byteCount: Int { shape == .full ? RadixNode.fullBytes : RadixNode.sparseBytes }

    // MARK: - Slots by position

    /// Sparse: the slot numbers of the pairs.
    var keys: UnsafeMutablePointer<UInt16> {
        (raw + RadixNode.keysOffset).assumingMemoryBound(to: UInt16.self)
    }

    /// Full: bit i set when slot i is live.
    var bitmap: UnsafeMutablePointer<UInt64> {
        (raw + RadixNode.bitmapOffset).assumingMemoryBound(to: UInt64.self)
    }

    /// A leaf's TCEs: by slot number (full) or by pair (sparse).
    var values: UnsafeMutablePointer<Atomic<UInt64>> {
        (raw + RadixNode.slotsOffset(shape)).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    /// An inner node's children: by slot number (full) or by pair (sparse).
    var children: UnsafeMutablePointer<Atomic<UnsafeMutableRawPointer?>> {
        (raw + RadixNode.slotsOffset(shape)).assumingMemoryBound(to: Atomic<UnsafeMutableRawPointer?>.self)
    }

    /// Where slot `slot` is: its position in values/children, or nil for a
    /// sparse node without it. Any thread.
    @inline(__always)
    func position(of slot: Int) -> Int? {
        if header.pointee.shape == .full { return slot }
        let count = Int(header.pointee.published.load(ordering: .acquiring))
        let keys = self.keys
        for i in 0..<count where Int(keys[i]) == slot { return i }
        return nil
    }

    // MARK: - Reads (any thread)

    /// The TCE in slot `slot` of a leaf.
    @inline(__always)
    func value(_ slot: Int) -> UInt64 {
        guard let i = position(of: slot) else { return 0 }
        return values[i].load(ordering: .relaxed)
    }

    /// The child in slot `slot` of an inner node.
    @inline(__always)
    func child(_ slot: Int) -> RadixNode? {
        guard let i = position(of: slot),
              let raw = children[i].load(ordering: .acquiring) else { return nil }
        return RadixNode(raw)
    }

    // MARK: - The writer's view

    /// Live slots as (slot number, position), ascending by slot number.
    func forEachLive(_ body: (Int, Int) -> Void) {
        if shape == .full {
            for w in 0..<(RadixNode.slotCount / 64) {
                var bits = bitmap[w]
                while bits != 0 {
                    let slot = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    body(slot, slot)
                }
            }
            return
        }
        // At most 16 pairs, in arrival order: sort a copy.
        var order = SparseOrder(repeating: 0)
        var n = 0
        let count = Int(header.pointee.published.load(ordering: .relaxed))
        for i in 0..<count where isLive(at: i) {
            var j = n
            let key = UInt32(keys[i]) << 8 | UInt32(i)
            while j > 0 && order[j - 1] > key {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = key
            n += 1
        }
        for k in 0..<n {
            body(Int(order[k] >> 8), Int(order[k] & 0xff))
        }
    }

    /// Whether the slot at a position holds a TCE or a child.
    func isLive(at i: Int) -> Bool {
        isLeaf ? values[i].load(ordering: .relaxed) != 0 : children[i].load(ordering: .relaxed) != nil
    }

    /// Marks a full node's slot live or not in its bitmap.
    func setBit(_ slot: Int, _ on: Bool) {
        let bit = UInt64(1) << UInt64(slot & 63)
        if on { bitmap[slot >> 6] |= bit } else { bitmap[slot >> 6] &= ~bit }
    }

    /// Appends a pair to a sparse node that has room, value (leaf) or child
    /// (inner) first, then publishes it.
    func append(slot: Int, value: UInt64 = 0, child: RadixNode? = nil) {
        let i = Int(header.pointee.published.load(ordering: .relaxed))
        keys[i] = UInt16(slot)
        if isLeaf {
            values[i].store(value, ordering: .relaxed)
        } else {
            children[i].store(child?.raw, ordering: .releasing)
        }
        header.pointee.published.store(UInt16(i + 1), ordering: .releasing)
    }

    /// Whether a sparse node can take one more pair.
    var hasRoom: Bool {
        Int(header.pointee.published.load(ordering: .relaxed)) < RadixNode.sparseCapacity
    }
}
