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

@usableFromInline
struct FlatStorage {
    /// Windows of up to 2^22 entries (a 16 GiB window of 4 KiB pages, a
    /// 256 GiB one of 64 KiB pages) are flat: at most 32 MiB of address
    /// space. Bigger ones are trees.
    static let entryLimit: UInt64 = 1 << 22

    /// Bytes of a table's array.
    static let arrayBytes = Int(entryLimit) * 8

    /// A table's array of entryLimit entries: address space only, zeros,
    /// committed a page at a time by writes. nil when it cannot be had.
    static func reserveArray() -> UnsafeMutablePointer<Atomic<UInt64>>? {
        guard let raw = Pages.map(bytes: arrayBytes, reserveOnly: true) else { return nil }
        // A page of the guest's mappings at a time, not 2 MiB of them.
        Pages.avoidHugePages(raw, bytes: arrayBytes)
        // SAFETY: an Atomic<UInt64> is one plain word and the kernel's zeros
        // are Atomic(0); initialising would commit every page.
        return raw.bindMemory(to: Atomic<UInt64>.self, capacity: Int(entryLimit))
    }

    /// Everything about the window's storage, on the heap: a storage value
    /// is one pointer, cheap to pass around.
    @usableFromInline let state: UnsafeMutablePointer<State>

    @usableFromInline
    struct State {
        /// Entries in the window.
        @usableFromInline let count: UInt64
        /// The table's array; the window's entries are its first count.
        @usableFromInline let entries: UnsafeMutablePointer<Atomic<UInt64>>
        /// Bit i: entry i is not zero.
        @usableFromInline let nonZero: UnsafeMutablePointer<UInt64>
        let bitmapBytes: Int
        /// The kernel's page size, and log2 of the entries in one: a page
        /// of entries is a unit of commitment.
        let pageSize: Int
        @usableFromInline let unitShift: Int
        /// Bit u: unit u may hold committed pages.
        @usableFromInline let unitCommitted: UnsafeMutablePointer<UInt64>
        /// Bit p: page p of the bitmap was written since it was last given back.
        let bitmapPageCommitted: UnsafeMutablePointer<UInt64>
        /// Bit u: unit u is in the emptied ring.
        let unitInEmptiedRing: UnsafeMutablePointer<UInt64>
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

    @inlinable var count: UInt64 { state.pointee.count }
    @inlinable var entries: UnsafeMutablePointer<Atomic<UInt64>> { state.pointee.entries }
    @inlinable var nonZero: UnsafeMutablePointer<UInt64> { state.pointee.nonZero }
    @inlinable var unitShift: Int { state.pointee.unitShift }
    @inlinable var unitEntries: Int { 1 << unitShift }
    private var pageSize: Int { state.pointee.pageSize }
    /// A value, not a path through state: changing what it points at is
    /// then not an access to the state.
    private var committedPages: UnsafeMutablePointer<CommittedPages> { state.pointee.committedPages }
    private var bitmapBytes: Int { state.pointee.bitmapBytes }

    /// Storage for entryCount (1...entryLimit) entries in a table's array
    /// (all zero), or nil when memory cannot be had.
    init?(entryCount: UInt64, array: UnsafeMutablePointer<Atomic<UInt64>>) {
        precondition(entryCount > 0 && entryCount <= FlatStorage.entryLimit)
        let pageSize = Pages.size
        let unitEntries = pageSize / 8
        let units = (Int(entryCount) + unitEntries - 1) / unitEntries
        let bitmapBytes = ((units * unitEntries / 64) * 8 + pageSize - 1) & ~(pageSize - 1)
        let bitmapPageCount = bitmapBytes / pageSize
        guard let bitmap = Pages.map(bytes: bitmapBytes) else { return nil }
        let unitWords = (units + 63) / 64
        let pageWords = (bitmapPageCount + 63) / 64
        let state = calloc(1, MemoryLayout<State>.stride), books = calloc(1, MemoryLayout<CommittedPages>.stride)
        let committed = calloc(unitWords, 8), pending = calloc(unitWords, 8)
        let bitmapPages = calloc(pageWords, 8)
        guard let state, let books, let committed, let pending, let bitmapPages else {
            free(state); free(books); free(committed); free(pending); free(bitmapPages)
            Pages.unmap(bitmap, bytes: bitmapBytes)
            return nil
        }
        books.bindMemory(to: CommittedPages.self, capacity: 1).initialize(to: CommittedPages())
        self.state = state.bindMemory(to: State.self, capacity: 1)
        self.state.initialize(to: State(
            count: entryCount, entries: array,
            nonZero: bitmap.bindMemory(to: UInt64.self, capacity: bitmapBytes / 8),
            bitmapBytes: bitmapBytes, pageSize: pageSize, unitShift: unitEntries.trailingZeroBitCount,
            unitCommitted: committed.bindMemory(to: UInt64.self, capacity: unitWords),
            bitmapPageCommitted: bitmapPages.bindMemory(to: UInt64.self, capacity: pageWords),
            unitInEmptiedRing: pending.bindMemory(to: UInt64.self, capacity: unitWords),
            committedPages: books.assumingMemoryBound(to: CommittedPages.self)))
    }

    // MARK: - Reads (any thread; index < count)

    /// The raw TCE at index; 0 where nothing was written.
    @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        entries[Int(truncatingIfNeeded: index)].load(ordering: .relaxed)
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
        entries[i].store(value, ordering: .relaxed)
        let bit = UInt64(1) &<< UInt64(i & 63)
        let wasSet = nonZero[i >> 6] & bit != 0
        if value != 0 {
            if !wasSet { nonZero[i >> 6] |= bit }
        } else if wasSet {
            nonZero[i >> 6] &= ~bit
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
        state.pointee.unitCommitted[unit >> 6] & (UInt64(1) &<< UInt64(unit & 63)) != 0
    }

    private func commit(_ unit: Int) {
        state.pointee.unitCommitted[unit >> 6] |= UInt64(1) << UInt64(unit & 63)
        committedPages.pointee.entryUnits += 1
        let page = bitmapPage(of: unit)
        if state.pointee.bitmapPageCommitted[page >> 6] & (UInt64(1) << UInt64(page & 63)) == 0 {
            state.pointee.bitmapPageCommitted[page >> 6] |= UInt64(1) << UInt64(page & 63)
            committedPages.pointee.bitmapPages += 1
        }
    }

    /// Whether every entry of a unit is zero (its bitmap words are).
    private func isEmpty(_ unit: Int) -> Bool {
        let words = unitEntries / 64
        var any: UInt64 = 0
        for w in 0..<words { any |= nonZero[unit * words + w] }
        return any == 0
    }

    /// Queues an emptied unit (once); gives back the one that falls out of
    /// the ring if it is still empty.
    private func noteEmptied(_ unit: Int) {
        let bit = UInt64(1) << UInt64(unit & 63)
        guard state.pointee.unitInEmptiedRing[unit >> 6] & bit == 0 else { return }
        state.pointee.unitInEmptiedRing[unit >> 6] |= bit
        guard let evicted = committedPages.pointee.emptied.note(unit) else { return }
        state.pointee.unitInEmptiedRing[evicted >> 6] &= ~(UInt64(1) << UInt64(evicted & 63))
        if isCommitted(evicted) && isEmpty(evicted) { release(evicted) }
    }

    /// Gives back every unit in the ring that is empty (no hysteresis).
    func trim() {
        committedPages.pointee.emptied.drain { unit in
            state.pointee.unitInEmptiedRing[unit >> 6] &= ~(UInt64(1) << UInt64(unit & 63))
            if isCommitted(unit) && isEmpty(unit) { release(unit) }
        }
    }

    /// Gives an empty unit's pages back, and its bitmap's page when no
    /// committed unit is left on it. A page the kernel keeps stays
    /// committed (and counted): it holds zeros, as a given-back one reads.
    private func release(_ unit: Int) {
        let unitBytes = unitEntries * 8
        guard Pages.giveBack(UnsafeMutableRawPointer(entries) + unit * unitBytes, bytes: unitBytes) else { return }
        state.pointee.unitCommitted[unit >> 6] &= ~(UInt64(1) << UInt64(unit & 63))
        committedPages.pointee.entryUnits -= 1
        let page = bitmapPage(of: unit)
        let unitsPerPage = pageSize / (unitEntries / 8)
        let firstUnit = page * unitsPerPage
        for u in firstUnit..<(firstUnit + unitsPerPage) where isCommitted(u) { return }
        // Every bit on the page is a released unit's: zeros.
        guard Pages.giveBack(UnsafeMutableRawPointer(nonZero) + page * pageSize, bytes: pageSize) else { return }
        state.pointee.bitmapPageCommitted[page >> 6] &= ~(UInt64(1) << UInt64(page & 63))
        committedPages.pointee.bitmapPages -= 1
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
        while i < end {
            let unit = i &>> unitShift
            let unitEnd = min(end, (unit + 1) * unitEntries)
            if !isCommitted(unit) {
                i = unitEnd
                continue
            }
            while i < unitEnd {
                let w = i >> 6
                var bits = nonZero[w] & (~UInt64(0) &<< UInt64(i & 63))
                let wordEnd = min(unitEnd, (w + 1) << 6)
                if wordEnd & 63 != 0 { bits &= (UInt64(1) &<< UInt64(wordEnd & 63)) &- 1 }
                while bits != 0 {
                    let index = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    body(UInt64(index), entries[index].load(ordering: .relaxed))
                }
                i = wordEnd
            }
        }
    }

    /// Bytes of the pages that writes have committed and not given back.
    var byteCount: Int {
        committedPages.pointee.entryUnits * unitEntries * 8 + committedPages.pointee.bitmapPages * pageSize
    }

    /// The window goes: its committed pages go back to the kernel (a racing
    /// read sees zeros, as after the disable it races) and the array stays
    /// the table's, all zeros for the next window: a page the kernel keeps
    /// has its entries cleared here instead. The bits and the state are the
    /// writer's own: freed now.
    func release() {
        let unitBytes = unitEntries * 8
        let units = (Int(count) + unitEntries - 1) / unitEntries
        for unit in 0..<units where isCommitted(unit) {
            if !Pages.giveBack(UnsafeMutableRawPointer(entries) + unit * unitBytes, bytes: unitBytes) {
                forEachNonZero(from: UInt64(unit * unitEntries), count: UInt64(unitEntries)) { index, _ in
                    entries[Int(index)].store(0, ordering: .relaxed)
                }
            }
        }
        Pages.unmap(nonZero, bytes: bitmapBytes)
        free(state.pointee.unitCommitted)
        free(state.pointee.bitmapPageCommitted)
        free(state.pointee.unitInEmptiedRing)
        free(state.pointee.committedPages)
        free(state)
    }
}
