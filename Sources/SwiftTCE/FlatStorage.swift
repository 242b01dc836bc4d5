import Glibc
import Synchronization

// The storage of a window of up to 2^22 entries: QEMU's flat array, in a
// private anonymous mapping that the kernel commits one page at a time, on
// the first write to it. A read of a page never written finds the shared
// zero page and commits nothing, and a clear in a leaf never written is
// skipped, so the window costs what the guest maps (a 4 KiB page per
// 512-entry leaf written, as a tree leaf would) while translate is QEMU's
// one indexed load, with no level to walk.
//
// After the entries, in the same mapping, the two bitmaps that replay and
// migration follow: a bit per entry with a perm (kept by writeEntry, like a
// tree leaf's), and a bit per leaf ever written.

/// What the kernel commits at a time here (huge pages are advised off).
private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

struct FlatStorage {
    /// Windows of up to 2^22 entries (a 16 GiB window of 4 KiB pages, or a
    /// 256 GiB one of 64 KiB pages) are flat: at most 32 MiB of address
    /// space each. Bigger ones are trees.
    static let entryLimit: UInt64 = 1 << 22
    private static let leafEntries = TCENode.slotCount

    /// Entries in the window (0 for an empty storage): callers check an
    /// index against it, and no read or write checks again.
    private(set) var count: UInt64 = 0
    private var entries: UnsafeMutablePointer<Atomic<UInt64>>?
    /// Bit i set: entry i has a perm (words 8p..<8p+8 cover leaf p).
    private var mapped: UnsafeMutablePointer<Atomic<UInt64>>?
    /// Bit p set: leaf p was written (its pages may be committed).
    private var written: UnsafeMutablePointer<Atomic<UInt64>>?
    private var mappingBytes = 0

    /// Storage for indexes 0..<entryCount (at most entryLimit), or nil when
    /// the address space cannot be had.
    init?(entryCount: UInt64) {
        precondition(entryCount <= FlatStorage.entryLimit)
        let leaves = Int((entryCount + UInt64(FlatStorage.leafEntries - 1)) >> UInt64(TCENode.slotBits))
        let entryWords = leaves * FlatStorage.leafEntries
        let mappedWords = entryWords / 64
        let writtenWords = (leaves + 63) / 64
        let bytes = max((entryWords + mappedWords + writtenWords) * 8 + pageSize - 1, pageSize) & ~(pageSize - 1)
        // MAP_FAILED is (void *)-1 (the overlay's constant is not linked).
        guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              UInt(bitPattern: raw) != UInt.max else { return nil }
        // A page at a time, not a 2 MiB huge page on the first write.
        _ = madvise(raw, bytes, 15 /* MADV_NOHUGEPAGE */)
        // SAFETY: an Atomic<UInt64> is one plain word, and the kernel's zeros
        // are Atomic(0); initialising would commit every page.
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: bytes / 8)
        self.count = entryCount
        self.entries = words
        self.mapped = words + entryWords
        self.written = words + entryWords + mappedWords
        self.mappingBytes = bytes
    }

    init() {}

    // MARK: - Reads and writes (index < count; lock-free, as the tree's)

    /// The raw TCE at index; 0 where nothing was ever written.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        entries.unsafelyUnwrapped[Int(truncatingIfNeeded: index)].load(ordering: .relaxed)
    }

    /// Stores the raw TCE at index. Cannot fail: the page is the kernel's to
    /// commit.
    @inline(__always)
    func store(_ index: UInt64, _ tce: UInt64) {
        let leaf = index &>> UInt64(TCENode.slotBits)
        let leafWord = written.unsafelyUnwrapped + Int(truncatingIfNeeded: leaf &>> 6)
        let leafBit = UInt64(1) &<< (leaf & 63)
        if leafWord.pointee.load(ordering: .relaxed) & leafBit == 0 {
            if tce == 0 { return }   // clearing what was never written
            // Before the entry: a walk that finds the entry's bit finds its leaf.
            leafWord.pointee.bitwiseOr(leafBit, ordering: .releasing)
        }
        let i = Int(truncatingIfNeeded: index)
        writeEntry(tce, at: entries.unsafelyUnwrapped + i, markedBy: UInt64(1) &<< (index & 63),
                   in: mapped.unsafelyUnwrapped + (i &>> 6))
    }

    // MARK: - Walks

    /// Calls body(p) for every leaf written, in order.
    private func forEachWrittenLeaf(_ body: (Int) -> Void) {
        guard let written else { return }
        let leaves = Int((count + UInt64(FlatStorage.leafEntries - 1)) >> UInt64(TCENode.slotBits))
        for w in 0..<(leaves + 63) / 64 {
            var bits = written[w].load(ordering: .acquiring)
            while bits != 0 {
                body(w &<< 6 | bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
    }

    /// Calls body(index, tce) for every entry with a perm, in index order:
    /// the leaves written, and in each the entries its bits mark.
    func forEachMapped(_ body: (UInt64, UInt64) -> Void) {
        guard let entries, let mapped else { return }
        forEachWrittenLeaf { p in
            MappedWalk.deliver(bitmap: mapped + p * TCENode.bitmapWords,
                               entries: entries + p * FlatStorage.leafEntries,
                               base: UInt64(p * FlatStorage.leafEntries), body)
        }
    }

    /// Calls body(index, tce) for every non-zero entry in index order (what
    /// migration sends): the leaves written, scanned whole.
    func forEachNonZero(_ body: (UInt64, UInt64) -> Void) {
        guard let entries else { return }
        forEachWrittenLeaf { p in
            let first = p * FlatStorage.leafEntries
            forEachNonZeroEntry(entries + first, count: min(FlatStorage.leafEntries, Int(count) - first),
                                base: UInt64(first), body)
        }
    }

    /// Bytes of the pages that writes can have committed: each written
    /// leaf's entries, its bitmap words and its bit. (Reads commit none.)
    var byteCount: Int {
        guard let entries, let mapped, let written else { return 0 }
        let base = UnsafeRawPointer(entries)
        func page(_ p: UnsafeRawPointer) -> Int { base.distance(to: p) / pageSize }
        var pages = Set<Int>()
        forEachWrittenLeaf { p in
            let first = UnsafeRawPointer(entries + p * FlatStorage.leafEntries)
            let last = UnsafeRawPointer(entries + (p + 1) * FlatStorage.leafEntries - 1)
            pages.formUnion(page(first)...page(last))
            pages.insert(page(UnsafeRawPointer(mapped + p * TCENode.bitmapWords)))
            pages.insert(page(UnsafeRawPointer(written + p / 64)))
        }
        return pages.count * pageSize
    }

    /// Unmaps everything; the storage is empty afterwards.
    mutating func release() {
        if let entries { munmap(entries, mappingBytes) }
        self = FlatStorage()
    }
}
