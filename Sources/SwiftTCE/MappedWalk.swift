import CSwiftTCE
import Glibc
import Synchronization

// Replay's walk of a TCETree: only the nodes that exist, only the entries
// with a perm, in index order, with cache misses overlapped.

/// The staged walk behind TCETree.forEachMapped: small buffers (on the
/// stack when it has room), filled and drained in index order.
struct MappedWalk {
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
                MappedWalk.deliver(bitmap: leaf.words, entries: leaf.slot(0), base: leafBases[i], body)
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

    /// Every entry of one leaf that has a perm, straight from its bitmap:
    /// a tree leaf's, or a leaf of the flat array.
    static func deliver(
        bitmap: UnsafeMutablePointer<Atomic<UInt64>>,
        entries: UnsafeMutablePointer<Atomic<UInt64>>,
        base: UInt64,
        _ body: (UInt64, UInt64) -> Void
    ) {
        for w in 0..<TCENode.bitmapWords {
            var bits = bitmap[w].load(ordering: .acquiring)
            while bits != 0 {
                let slot = w &<< 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                let value = entries[slot].load(ordering: .acquiring)
                if value & permBits != 0 {
                    body(base | UInt64(slot), value)
                }
            }
        }
    }
}
