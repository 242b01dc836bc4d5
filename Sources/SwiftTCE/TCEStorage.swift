// The TCE storage of one enabled window, costing what the guest maps. QEMU
// keeps one flat array (a 128 TiB window of 64 KiB pages is 16 GiB of it).
// Here a window of up to 2^22 entries is that flat array, committed by the
// kernel a page at a time as the guest writes (FlatStorage), so translate is
// QEMU's one load; a bigger window is a radix tree that grows as the guest
// writes (TCETree), with translate a walk of three or four loads.
//
// Exactly one of the two holds the window; the other is empty, so the walks
// and the byte count simply ask both.
struct TCEStorage {
    /// Indexes below flat.count are the flat array's (translate tests this
    /// first); every other index is the tree's.
    private(set) var flat = FlatStorage()
    private var tree = TCETree()

    /// Storage for indexes 0..<entryCount, or nil when memory runs out.
    init?(entryCount: UInt64) {
        if entryCount <= FlatStorage.entryLimit {
            guard let flat = FlatStorage(entryCount: entryCount) else { return nil }
            self.flat = flat
        } else {
            guard let tree = TCETree(entryCount: entryCount) else { return nil }
            self.tree = tree
        }
    }

    init() {}

    /// The raw TCE at an index of the window; 0 where nothing was written.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        index < flat.count ? flat.load(index) : tree.load(index)
    }

    /// Stores the raw TCE at an index of the window. Returns false only when
    /// a tree node could not be allocated, in which case nothing was
    /// changed. Inlined into the hypercalls: a call would copy this struct to
    /// the stack each time.
    @inline(__always)
    func store(_ index: UInt64, _ tce: UInt64) -> Bool {
        if index < flat.count {
            flat.store(index, tce)
            return true
        }
        return tree.store(index, tce)
    }

    /// Calls body(index, tce) for every entry with a perm, in index order,
    /// visiting only what was written.
    func forEachMapped(_ body: (UInt64, UInt64) -> Void) {
        flat.forEachMapped(body)
        tree.forEachMapped(body)
    }

    /// Calls body(index, tce) for every non-zero entry in index order.
    func forEachNonZero(_ body: (UInt64, UInt64) -> Void) {
        flat.forEachNonZero(body)
        tree.forEachNonZero(body)
    }

    /// Bytes held.
    var byteCount: Int { flat.byteCount + tree.byteCount }

    /// Frees everything; the storage is empty afterwards.
    mutating func release() {
        flat.release()
        tree.release()
    }
}
