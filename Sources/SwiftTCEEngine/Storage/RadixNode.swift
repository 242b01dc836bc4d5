import CSwiftTCEHost
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

/// A node, through checked views of its memory. Two nodes are the same
/// node when their memory is.
///
/// Safe to use while the node is reachable, by this contract: raw is a node
/// that make() allocated and initialised for its shape, freed only through
/// a writer's Garbage after a grace period (or by destroy() before anyone
/// saw it). Every slot, key and bitmap access is checked against the
/// shape's size.
@safe
struct RadixNode: Equatable {
    static var slotBits: Int { 9 }
    static var slotCount: Int { 1 << slotBits }
    static var sparseCapacity: Int { SparseOrder.count }
    /// A sparse node's slot numbers, sorted (forEachLive): the capacity is
    /// written here, once (InlineArray's count must be a literal).
    private typealias SparseOrder = InlineArray<16, UInt32>
    /// A full node whose live slots drop to this becomes sparse again; a
    /// sparse one becomes full past sparseCapacity (hysteresis between them).
    static var shrinkAt: Int { 4 }

    // Computed, as every constant here: a lazily initialised global would
    // be one more thing for ThreadSanitizer to see racing.
    private static var keysOffset: Int { 16 }
    private static var sparseSlotsOffset: Int { keysOffset + sparseCapacity * 2 }
    private static var bitmapOffset: Int { 16 }
    private static var fullSlotsOffset: Int { bitmapOffset + slotCount / 8 }

    static var sparseBytes: Int { sparseSlotsOffset + sparseCapacity * 8 }
    static var fullBytes: Int { fullSlotsOffset + slotCount * 8 }

    /// The node's memory (what its parent's slot holds).
    let raw: UnsafeMutableRawPointer

    static func == (a: RadixNode, b: RadixNode) -> Bool {
        // SAFETY: addresses compared, not followed.
        unsafe a.raw == b.raw
    }

    /// The node at raw (a slot's child): make()'s memory.
    @unsafe init(_ raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller's: make()'s node (the contract above).
        unsafe self.raw = raw
    }

    /// A zeroed node of the shape, or nil when memory runs out.
    static func make(shape: NodeShape, level: Int, base: UInt64) -> RadixNode? {
        let bytes = shape == .full ? fullBytes : sparseBytes
        // SAFETY: fresh memory, the node's, freed through a grace period.
        guard let raw = unsafe calloc(1, bytes) else { return nil }
        // SAFETY: fresh memory of the shape's size. calloc's zeros are 0
        // TCEs and nil children, whichever the level makes the slots.
        unsafe raw.bindMemory(to: NodeHeader.self, capacity: 1).initialize(to: NodeHeader(
            shape: shape, level: UInt8(level), inEmptiedRing: Atomic(false), live: Atomic(0),
            published: Atomic(0), base: base))
        if level == 0 {
            unsafe (raw + slotsOffset(shape)).bindMemory(to: Atomic<UInt64>.self, capacity: slots(shape))
        } else {
            unsafe (raw + slotsOffset(shape)).bindMemory(to: Atomic<UnsafeMutableRawPointer?>.self, capacity: slots(shape))
        }
        return unsafe RadixNode(raw)
    }

    /// Frees a node no reader can reach (never published); it is not used
    /// again.
    @unsafe func destroy() {
        // SAFETY: the caller's: no reader saw it, and it is not used again.
        unsafe free(raw)
    }

    private static func slotsOffset(_ shape: NodeShape) -> Int {
        shape == .full ? fullSlotsOffset : sparseSlotsOffset
    }

    private static func slots(_ shape: NodeShape) -> Int {
        shape == .full ? slotCount : sparseCapacity
    }

    /// The header, in place.
    var header: NodeHeader {
        // SAFETY: make() bound the node's first 16 bytes to it.
        unsafeAddress { unsafe UnsafePointer(raw.assumingMemoryBound(to: NodeHeader.self)) }
    }

    var shape: NodeShape { header.shape }
    var base: UInt64 { header.base }

    /// The writer's count of live slots.
    var live: Int {
        get { Int(header.live.load(ordering: .relaxed)) }
        nonmutating set { header.live.store(UInt16(newValue), ordering: .relaxed) }
    }

    /// The writer's mark: in the emptied ring.
    var inEmptiedRing: Bool {
        get { header.inEmptiedRing.load(ordering: .relaxed) }
        nonmutating set { header.inEmptiedRing.store(newValue, ordering: .relaxed) }
    }
    var level: Int { Int(header.level) }
    var isLeaf: Bool { header.level == 0 }
    var byteCount: Int { shape == .full ? RadixNode.fullBytes : RadixNode.sparseBytes }

    // MARK: - Checked views of the memory

    /// The address of slot position i, checked against the shape's slots.
    @inline(__always)
    private func slotAddress(_ i: Int) -> UnsafeMutableRawPointer {
        let shape = self.shape
        precondition(UInt(bitPattern: i) < UInt(bitPattern: RadixNode.slots(shape)), "node slot out of range")
        // SAFETY: within the slots make() allocated for the shape.
        return unsafe raw + RadixNode.slotsOffset(shape) + i * 8
    }

    /// A leaf's TCE at position i.
    @inline(__always)
    func value(at i: Int) -> UInt64 {
        // SAFETY: a leaf's slots are Atomic<UInt64> (make), i checked.
        unsafe slotAddress(i).assumingMemoryBound(to: Atomic<UInt64>.self).pointee.load(ordering: .relaxed)
    }

    func setValue(_ value: UInt64, at i: Int) {
        // SAFETY: as value(at:).
        unsafe slotAddress(i).assumingMemoryBound(to: Atomic<UInt64>.self).pointee.store(value, ordering: .relaxed)
    }

    /// An inner node's child at position i (acquiring: a child's contents
    /// were published before it).
    @inline(__always)
    func child(at i: Int) -> RadixNode? {
        // SAFETY: an inner node's slots are Atomic<UnsafeMutableRawPointer?>
        // (make), i checked; a child is make()'s node, alive while linked.
        guard let raw = unsafe slotAddress(i).assumingMemoryBound(to: Atomic<UnsafeMutableRawPointer?>.self)
            .pointee.load(ordering: .acquiring) else { return nil }
        return unsafe RadixNode(raw)
    }

    /// Links (releasing: its contents before it) or unlinks a child.
    func setChild(_ child: RadixNode?, at i: Int) {
        // SAFETY: as child(at:).
        unsafe slotAddress(i).assumingMemoryBound(to: Atomic<UnsafeMutableRawPointer?>.self)
            .pointee.store(child?.raw, ordering: .releasing)
    }

    /// Sparse: the slot number of pair i.
    private func key(at i: Int) -> Int {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: RadixNode.sparseCapacity), "pair out of range")
        // SAFETY: a sparse node's 16 keys follow the header, i checked.
        return unsafe Int((raw + RadixNode.keysOffset).assumingMemoryBound(to: UInt16.self)[i])
    }

    private func setKey(_ slot: Int, at i: Int) {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: RadixNode.sparseCapacity), "pair out of range")
        // SAFETY: as key(at:).
        unsafe (raw + RadixNode.keysOffset).assumingMemoryBound(to: UInt16.self)[i] = UInt16(slot)
    }

    /// Full: word w of the bitmap of live slots.
    private func bitmapWord(_ w: Int) -> UInt64 {
        precondition(UInt(bitPattern: w) < UInt(bitPattern: RadixNode.slotCount / 64), "bitmap word out of range")
        // SAFETY: a full node's 8 bitmap words follow the header, w checked.
        return unsafe (raw + RadixNode.bitmapOffset).assumingMemoryBound(to: UInt64.self)[w]
    }

    private func setBitmapWord(_ w: Int, _ bits: UInt64) {
        precondition(UInt(bitPattern: w) < UInt(bitPattern: RadixNode.slotCount / 64), "bitmap word out of range")
        // SAFETY: as bitmapWord.
        unsafe (raw + RadixNode.bitmapOffset).assumingMemoryBound(to: UInt64.self)[w] = bits
    }

    /// Where slot `slot` is: its position in the slots, or nil for a
    /// sparse node without it. Any thread.
    @inline(__always)
    func position(of slot: Int) -> Int? {
        if header.shape == .full { return slot }
        let count = Int(header.published.load(ordering: .acquiring))
        for i in 0..<count where key(at: i) == slot { return i }
        return nil
    }

    // MARK: - Reads (any thread)

    /// The TCE in slot `slot` of a leaf.
    @inline(__always)
    func value(_ slot: Int) -> UInt64 {
        guard let i = position(of: slot) else { return 0 }
        return value(at: i)
    }

    /// The child in slot `slot` of an inner node.
    @inline(__always)
    func child(_ slot: Int) -> RadixNode? {
        guard let i = position(of: slot) else { return nil }
        return child(at: i)
    }

    // MARK: - The writer's view

    /// Live slots as (slot number, position), ascending by slot number.
    /// Inlined: walks call it once a node.
    @inline(__always)
    func forEachLive(_ body: (Int, Int) -> Void) {
        if shape == .full {
            for w in 0..<(RadixNode.slotCount / 64) {
                var bits = bitmapWord(w)
                while bits != 0 {
                    let slot = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    body(slot, slot)
                }
            }
            return
        }
        let count = Int(header.published.load(ordering: .relaxed))
        if count == 1 {
            // An isolated mapping's node: nothing to sort.
            if isLive(at: 0) { body(key(at: 0), 0) }
            return
        }
        // At most 16 pairs, in arrival order: sort a copy.
        var order = SparseOrder(repeating: 0)
        var n = 0
        for i in 0..<count where isLive(at: i) {
            var j = n
            let key = UInt32(key(at: i)) << 8 | UInt32(i)
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
    @inline(__always)
    func isLive(at i: Int) -> Bool {
        isLeaf ? value(at: i) != 0 : child(at: i) != nil
    }

    /// Marks a full node's slot live or not in its bitmap.
    func setBit(_ slot: Int, _ on: Bool) {
        let bit = UInt64(1) << UInt64(slot & 63)
        let word = bitmapWord(slot >> 6)
        setBitmapWord(slot >> 6, on ? word | bit : word & ~bit)
    }

    /// Appends a pair to a sparse node that has room, value (leaf) or child
    /// (inner) first, then publishes it.
    func append(slot: Int, value: UInt64 = 0, child: RadixNode? = nil) {
        let i = Int(header.published.load(ordering: .relaxed))
        setKey(slot, at: i)
        if isLeaf {
            setValue(value, at: i)
        } else {
            setChild(child, at: i)
        }
        header.published.store(UInt16(i + 1), ordering: .releasing)
    }

    /// Starts bringing the node's first line (its header and, sparse, its
    /// first pairs) into the cache, for a walk that is about to visit it.
    func prefetch() {
        // SAFETY: a prefetch neither faults nor touches memory.
        unsafe swifttce_prefetch(raw)
    }

    /// One of an inner node's children, cheap to find (for a walk's
    /// prefetch: the first pair of a sparse node, the lowest child of a
    /// full one); nil when it has none.
    func someChild() -> RadixNode? {
        if shape == .sparse {
            return header.published.load(ordering: .acquiring) > 0 ? child(at: 0) : nil
        }
        for w in 0..<(RadixNode.slotCount / 64) {
            let bits = bitmapWord(w)
            if bits != 0 { return child(at: w << 6 | bits.trailingZeroBitCount) }
        }
        return nil
    }

    /// Whether a sparse node can take one more pair.
    var hasRoom: Bool {
        Int(header.published.load(ordering: .relaxed)) < RadixNode.sparseCapacity
    }
}
