import CSwiftTCEHost
import Glibc
import Synchronization

// The storage of a window of up to 2^22 entries: QEMU's flat array, in a
// private anonymous mapping that the kernel commits one page at a time, on
// the first write to it. A read of a page never written finds the shared
// zero page and commits nothing, so translate is QEMU's one indexed load
// while the window costs what the guest maps.
//
// The array is the table's (FlatStorage.reserveArray): reserved once, for
// entryLimit entries, and kept for as long as the table's memory lives, so
// that translate's fast path may index it without announcing itself (see
// Translate.swift). A window uses its first count entries; when the window
// goes, its pages go back to the kernel and the array stays.
//
// A page of entries whose last entry is cleared is given back to the kernel
// (MADV_DONTNEED), but only once a few more pages have emptied after it
// (EmptiedRing): a guest that maps and unmaps in the same page over and over
// does not fault it in every time. Reads of a page being given back see
// zeros, which is what it holds, so this needs no grace period. Where the
// kernel refuses a page, it stays committed: the next window finds zeros in
// the array either way (release writes them where it must).
//
// Beside the entries, in a mapping of its own that only writers touch (they
// hold the table's lock, so it is exact and plain), a bit per entry that is
// not zero: replay and migration visit those only.

/// Safe to use while the window is the storage's (Storage's contract):
/// init made its state, release() frees it, and nothing uses the value
/// after. Its entries are the first count of the table's array, every
/// access checked against count but translate's fast path, which Storage
/// makes with its own check.
@safe @usableFromInline
struct FlatStorage {
    /// Windows of up to 2^22 entries (a 16 GiB window of 4 KiB pages, a
    /// 256 GiB one of 64 KiB pages) are flat: at most 32 MiB of address
    /// space. Bigger ones are trees.
    static var entryLimit: UInt64 { 1 << 22 }

    /// Bytes of a table's array.
    static var arrayBytes: Int { Int(entryLimit) * 8 }

    /// A table's array of entryLimit entries: address space only, zeros,
    /// committed a page at a time by writes. nil when it cannot be had.
    static func reserveArray() -> UnsafeMutablePointer<Atomic<UInt64>>? {
        // SAFETY: a new mapping, the table's array from now on.
        guard let raw = unsafe Pages.map(bytes: arrayBytes, reserveOnly: true) else { return nil }
        // A page of the guest's mappings at a time, not 2 MiB of them.
        // SAFETY: the whole of the mapping just made.
        unsafe Pages.avoidHugePages(raw, bytes: arrayBytes)
        // SAFETY: an Atomic<UInt64> is one plain word and the kernel's zeros
        // are Atomic(0); initialising would commit every page.
        return unsafe raw.bindMemory(to: Atomic<UInt64>.self, capacity: Int(entryLimit))
    }

    /// Everything about the window's storage, on the heap: a storage value
    /// is one pointer, cheap to pass around.
    @usableFromInline let state: UnsafeMutablePointer<State>

    /// The state, in place.
    @inlinable var fields: State {
        // SAFETY: init made it; release() frees it, after which the storage
        // is not used.
        unsafeAddress { unsafe UnsafePointer(state) }
    }

    @safe @usableFromInline
    struct State {
        /// Entries in the window.
        @usableFromInline let count: UInt64
        /// The table's array (entryLimit entries); the window's entries are
        /// its first count.
        @usableFromInline let entries: UnsafeMutablePointer<Atomic<UInt64>>
        /// Bit i: entry i is not zero. In a mapping of its own, so that its
        /// pages go back to the kernel as the entries' do.
        @usableFromInline let nonZero: BitWords
        let bitmapBytes: Int
        /// The kernel's page size, and log2 of the entries in one: a page
        /// of entries is a unit of commitment.
        let pageSize: Int
        @usableFromInline let unitShift: Int
        /// Bit u: unit u may hold committed pages.
        @usableFromInline let unitCommitted: BitWords
        /// Bit p: page p of the bitmap was written since it was last given back.
        let bitmapPageCommitted: BitWords
        /// Bit u: unit u is in the emptied ring.
        let unitInEmptiedRing: BitWords
        /// The counts and the ring, on their own: a writer's inout access to
        /// them must not count as one to what reads load above.
        let committedPages: UnsafeMutablePointer<CommittedPages>
    }

    /// What the window's pages cost now, and which may go soon.
    struct CommittedPages {
        /// Units of the array committed (unitCommitted's bits set).
        var entryUnits = 0
        /// Pages of the bitmap committed (bitmapPageCommitted's bits set).
        var bitmapPages = 0
        /// Units emptied lately, given back once they fall out.
        var emptied = EmptiedRing()
    }

    @inlinable var count: UInt64 { fields.count }
    @inlinable var nonZero: BitWords { fields.nonZero }
    @inlinable var unitShift: Int { fields.unitShift }
    @inlinable var unitEntries: Int { 1 << unitShift }
    private var pageSize: Int { fields.pageSize }
    private var bitmapBytes: Int { fields.bitmapBytes }

    /// The counts and the ring, in place.
    private var pages: CommittedPages {
        // SAFETY: init made it, release() frees it (with the state).
        unsafeAddress { unsafe UnsafePointer(fields.committedPages) }
        nonmutating unsafeMutableAddress { unsafe fields.committedPages }
    }

    /// Storage for entryCount (1...entryLimit) entries in a table's array,
    /// or nil when memory cannot be had. The array is only recorded here:
    /// it must read as zeros by the time the storage is written.
    init?(entryCount: UInt64, array: UnsafeMutablePointer<Atomic<UInt64>>) {
        precondition(entryCount > 0 && entryCount <= FlatStorage.entryLimit)
        let pageSize = Pages.size
        let unitEntries = pageSize / 8
        let units = (Int(entryCount) + unitEntries - 1) / unitEntries
        let bitmapBytes = ((units * unitEntries / 64) * 8 + pageSize - 1) & ~(pageSize - 1)
        let unitWords = (units + 63) / 64
        let pageWords = (bitmapBytes / pageSize + 63) / 64
        // SAFETY: a new mapping, the bitmap's (freed below on failure, by release() else).
        let bitmap = unsafe Pages.map(bytes: bitmapBytes)
        let committed = BitWords.allocate(wordCount: unitWords), inRing = BitWords.allocate(wordCount: unitWords)
        let bitmapPages = BitWords.allocate(wordCount: pageWords)
        // SAFETY: fresh memory for the state and the counts, freed by release().
        let state = unsafe calloc(1, MemoryLayout<State>.stride)
        let books = unsafe calloc(1, MemoryLayout<CommittedPages>.stride)
        // SAFETY: each was made just above; on failure none is used again.
        guard let bitmap = unsafe bitmap, let committed, let inRing, let bitmapPages,
              let state = unsafe state, let books = unsafe books else {
            if let bitmap = unsafe bitmap { unsafe Pages.unmap(bitmap, bytes: bitmapBytes) }
            unsafe committed?.deallocate()
            unsafe inRing?.deallocate()
            unsafe bitmapPages?.deallocate()
            unsafe free(state)
            unsafe free(books)
            return nil
        }
        // SAFETY: fresh memory of each type's size, initialised here.
        unsafe books.bindMemory(to: CommittedPages.self, capacity: 1).initialize(to: CommittedPages())
        unsafe self.state = state.bindMemory(to: State.self, capacity: 1)
        unsafe self.state.initialize(to: State(
            count: entryCount, entries: array, nonZero: BitWords(over: bitmap, wordCount: bitmapBytes / 8),
            bitmapBytes: bitmapBytes, pageSize: pageSize, unitShift: unitEntries.trailingZeroBitCount,
            unitCommitted: committed, bitmapPageCommitted: bitmapPages, unitInEmptiedRing: inRing,
            committedPages: books.assumingMemoryBound(to: CommittedPages.self)))
    }

    // MARK: - The entries (index < count)

    /// The raw TCE at index; 0 where nothing was written. Any thread.
    @inlinable @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        precondition(index < count, "flat entry out of range")
        // SAFETY: below count, which is at most the array's entryLimit.
        return unsafe fields.entries[Int(truncatingIfNeeded: index)].load(ordering: .relaxed)
    }

    /// Writes entry index (under the table's lock).
    @inline(__always)
    private func write(_ index: Int, _ value: UInt64) {
        precondition(UInt(bitPattern: index) < UInt(count), "flat entry out of range")
        // SAFETY: below count, which is at most the array's entryLimit.
        unsafe fields.entries[index].store(value, ordering: .relaxed)
    }

    /// Gives unit's pages of the array back to the kernel; false when it
    /// kept them (they hold what they held).
    private func giveBack(unit: Int) -> Bool {
        let unitBytes = unitEntries * 8
        precondition(unit >= 0 && unit * unitEntries < Int(count), "unit out of range")
        // SAFETY: a whole unit of the array, below count.
        return unsafe Pages.giveBack(UnsafeMutableRawPointer(fields.entries) + unit * unitBytes, bytes: unitBytes)
    }

    // MARK: - Writes (under the table's lock; index < count)

    /// Stores value at index. Cannot fail: the page is the kernel's to
    /// commit. The entry's bit says what was there, so the entry itself is
    /// not read: the store does not wait for its line.
    @inline(__always)
    func store(_ index: UInt64, _ value: UInt64) {
        let i = Int(truncatingIfNeeded: index)
        let unit = i &>> unitShift
        if !isCommitted(unit) {
            if value == 0 { return }   // clearing what was never written
            commit(unit)
        }
        write(i, value)
        let wasSet = nonZero.test(i)
        if value != 0 {
            if !wasSet { nonZero.set(i) }
        } else if wasSet {
            nonZero.clear(i)
            if isEmpty(unit) { noteEmptied(unit) }
        }
    }

    /// Zeroes count entries from first on: what H_STUFF_TCE of 0 does when
    /// no one listens, at the cost of what was written there.
    func clear(from first: UInt64, count: UInt64) {
        forEachNonZero(from: first, count: count) { index, _ in
            store(index, 0)
        }
    }

    @inlinable @inline(__always)
    func isCommitted(_ unit: Int) -> Bool {
        fields.unitCommitted.test(unit)
    }

    private func commit(_ unit: Int) {
        fields.unitCommitted.set(unit)
        pages.entryUnits += 1
        let page = bitmapPage(of: unit)
        if !fields.bitmapPageCommitted.test(page) {
            fields.bitmapPageCommitted.set(page)
            pages.bitmapPages += 1
        }
    }

    /// Whether every entry of a unit is zero (its bitmap words are).
    private func isEmpty(_ unit: Int) -> Bool {
        let words = unitEntries / 64
        return !nonZero.anySet(words: unit * words, count: words)
    }

    /// Queues an emptied unit (once); gives back the one that falls out of
    /// the ring if it is still empty.
    private func noteEmptied(_ unit: Int) {
        guard !fields.unitInEmptiedRing.test(unit) else { return }
        fields.unitInEmptiedRing.set(unit)
        guard let evicted = pages.emptied.note(unit) else { return }
        fields.unitInEmptiedRing.clear(evicted)
        if isCommitted(evicted) && isEmpty(evicted) { release(evicted) }
    }

    /// Gives back every unit in the ring that is empty (no hysteresis).
    func trim() {
        pages.emptied.drain { unit in
            fields.unitInEmptiedRing.clear(unit)
            if isCommitted(unit) && isEmpty(unit) { release(unit) }
        }
    }

    /// Gives an empty unit's pages back, and its bitmap's page when no
    /// committed unit is left on it. A page the kernel keeps stays
    /// committed (and counted): it holds zeros, as a given-back one reads.
    private func release(_ unit: Int) {
        guard giveBack(unit: unit) else { return }
        fields.unitCommitted.clear(unit)
        pages.entryUnits -= 1
        let page = bitmapPage(of: unit)
        let unitsPerPage = pageSize / (unitEntries / 8)
        let firstUnit = page * unitsPerPage
        for u in firstUnit..<(firstUnit + unitsPerPage) where isCommitted(u) { return }
        // Every bit on the page is a released unit's: zeros.
        precondition(page >= 0 && (page + 1) * pageSize <= bitmapBytes, "bitmap page out of range")
        // SAFETY: a whole page of the bitmap's mapping, checked just above.
        guard unsafe Pages.giveBack(nonZero.baseAddress + page * pageSize, bytes: pageSize) else { return }
        fields.bitmapPageCommitted.clear(page)
        pages.bitmapPages -= 1
    }

    /// The page of the bitmap that holds a unit's bits.
    private func bitmapPage(of unit: Int) -> Int {
        unit * (unitEntries / 8) / pageSize
    }

    // MARK: - Walks (under the table's lock)

    /// Calls body(index, value) for every non-zero entry in
    /// first..<first + count, in index order, visiting committed units only.
    @inlinable @inline(__always)
    func forEachNonZero(from first: UInt64, count: UInt64, _ body: (UInt64, UInt64) -> Void) {
        let end = Int(min(self.count, first &+ count < first ? self.count : first + count))
        var i = Int(min(first, self.count))
        // SAFETY: every index below is below end, so within the window's
        // entries and their bit words: checked once here, not at each entry
        // (a dense replay visits every one).
        let entries = unsafe fields.entries
        precondition(end <= Int(self.count) && (end + 63) >> 6 <= nonZero.wordCount, "walk out of range")
        while i < end {
            let unit = i &>> unitShift
            let unitEnd = min(end, (unit + 1) * unitEntries)
            if !isCommitted(unit) {
                i = unitEnd
                continue
            }
            while i < unitEnd {
                let w = i >> 6
                // SAFETY: w < (end + 63) / 64, checked above.
                var bits = unsafe nonZero.wordUnchecked(w) & (~UInt64(0) &<< UInt64(i & 63))
                let wordEnd = min(unitEnd, (w + 1) << 6)
                if wordEnd & 63 != 0 { bits &= (UInt64(1) &<< UInt64(wordEnd & 63)) &- 1 }
                while bits != 0 {
                    let index = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    // SAFETY: index < end <= count, checked above.
                    body(UInt64(index), unsafe entries[index].load(ordering: .relaxed))
                }
                i = wordEnd
            }
        }
    }

    /// Bytes of the pages that writes have committed and not given back.
    var byteCount: Int {
        pages.entryUnits * unitEntries * 8 + pages.bitmapPages * pageSize
    }

    /// The window goes: its committed pages go back to the kernel (a racing
    /// read sees zeros, as after the disable it races) and the array stays
    /// the table's, all zeros for the next window: a page the kernel keeps
    /// has its entries cleared here instead. The bits and the state are the
    /// writer's own: freed now, and the storage is not used again.
    func release() {
        let units = (Int(count) + unitEntries - 1) / unitEntries
        for unit in 0..<units where isCommitted(unit) && !giveBack(unit: unit) {
            forEachNonZero(from: UInt64(unit * unitEntries), count: UInt64(unitEntries)) { index, _ in
                write(Int(index), 0)
            }
        }
        // SAFETY: made by init, used no more (the caller's contract).
        unsafe Pages.unmap(nonZero.baseAddress, bytes: bitmapBytes)
        unsafe fields.unitCommitted.deallocate()
        unsafe fields.bitmapPageCommitted.deallocate()
        unsafe fields.unitInEmptiedRing.deallocate()
        unsafe free(fields.committedPages)
        unsafe free(state)
    }
}
