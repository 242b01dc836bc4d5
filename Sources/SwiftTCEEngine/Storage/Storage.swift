import Synchronization

// A window's entries: a raw 64-bit value per index, 0 where nothing was
// written. It knows nothing of TCEs: translate, the hypercalls, replay and
// migration all go through these few calls, so another IOMMU model could use
// it as it is.
//
// Reads are lock-free, from any thread, and never allocate. Writes and walks
// run under the table's lock; memory a write unlinks goes to the caller's
// Garbage, to be freed once no reader can be in it.
//
// Up to FlatStorage.entryLimit entries it is QEMU's flat array; beyond, a
// radix tree that costs what is mapped; or, whatever its size, an array the
// host provides (ExternalStorage: a KVM table).

@usableFromInline
enum Storage {
    case flat(FlatStorage)
    case tree(RadixTree)
    case external(ExternalStorage)

    /// Storage for entryCount (at least 1) entries, all 0; nil when memory
    /// runs out. A flat one lives in the array flatArray gives (the
    /// table's, FlatStorage.reserveArray).
    init?(entryCount: UInt64, flatArray: () -> UnsafeMutablePointer<Atomic<UInt64>>?) {
        if entryCount <= FlatStorage.entryLimit {
            guard let array = flatArray(), let flat = FlatStorage(entryCount: entryCount, array: array) else {
                return nil
            }
            self = .flat(flat)
        } else {
            guard let tree = RadixTree(entryCount: entryCount) else { return nil }
            self = .tree(tree)
        }
    }

    /// How many entries are one array (the table's flat array, indexed
    /// directly by translate's unannounced fast path): all of a flat
    /// storage's, none of a tree's or of the host's array (which the host
    /// may unmap once the window leaves it).
    var directCount: UInt64 {
        switch self {
        case .flat(let flat): return flat.count
        case .tree, .external: return 0
        }
    }

    /// The host's array, when the entries are there.
    var externalEntries: UnsafeMutablePointer<UInt64>? {
        if case .external(let external) = self { return external.base }
        return nil
    }

    /// The value at index (index < entry count).
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        switch self {
        case .flat(let flat): return flat.load(index)
        case .tree(let tree): return tree.load(index)
        case .external(let external): return external.load(index)
        }
    }

    /// Stores value at index; false when memory for the write could not be
    /// had (then nothing changed).
    @inline(__always)
    func store(_ index: UInt64, _ value: UInt64, garbage: inout Garbage) -> Bool {
        switch self {
        case .flat(let flat):
            flat.store(index, value)
            return true
        case .tree(let tree):
            return tree.store(index, value, garbage: &garbage)
        case .external(let external):
            external.store(index, value)
            return true
        }
    }

    /// Calls body(index, value) for every non-zero value in
    /// first..<first + count, in index order, at the cost of what is there.
    /// Inlined, so that body is too (replay's per-entry work).
    @inlinable @inline(__always)
    func forEachNonZero(from first: UInt64, count: UInt64, _ body: (UInt64, UInt64) -> Void) {
        switch self {
        case .flat(let flat): flat.forEachNonZero(from: first, count: count, body)
        case .tree(let tree): tree.forEachNonZero(from: first, count: count, body)
        case .external(let external): external.forEachNonZero(from: first, count: count, body)
        }
    }

    /// Zeroes first..<first + count at the cost of what was there.
    func clear(from first: UInt64, count: UInt64, garbage: inout Garbage) {
        switch self {
        case .flat(let flat):
            flat.clear(from: first, count: count)
        case .tree(let tree):
            tree.forEachNonZero(from: first, count: count) { index, _ in
                _ = tree.store(index, 0, garbage: &garbage)
            }
        case .external(let external):
            external.clear(from: first, count: count)
        }
    }

    /// Gives back at once what the hysteresis keeps (EmptiedRing): the
    /// parts that are empty now.
    func trim(garbage: inout Garbage) {
        switch self {
        case .flat(let flat): flat.trim()
        case .tree(let tree): tree.trim(garbage: &garbage)
        case .external: break
        }
    }

    /// Bytes of memory held now (the host's array is the host's: 0).
    var byteCount: Int {
        switch self {
        case .flat(let flat): return flat.byteCount
        case .tree(let tree): return tree.byteCount
        case .external: return 0
        }
    }

    /// Puts everything a read may still be in into the garbage (a flat
    /// storage's array is the table's and stays, the host's array is the
    /// host's); the storage is not used again.
    func release(into garbage: inout Garbage) {
        switch self {
        case .flat(let flat): flat.release()
        case .tree(let tree): tree.release(into: &garbage)
        case .external: break
        }
    }
}
