import CSwiftTCEHost
import Glibc

// A migration load in steps, as QEMU's vmstate core delivers a table: the
// stream's entry count first, then its entries in order (QEMU calls a
// field's get once per element), then post_load. The entries are staged
// apart from the live window, as (index, TCE) pairs of the non-zero ones:
// a load costs what the stream maps, whatever its nb_table, and a refused
// one leaves the table as it was. Only commit touches the table, in one
// step under its lock.

/// A staged non-zero entry.
struct StagedEntry {
    var index: UInt64
    var tce: UInt64
}

/// What a commit did to the window, so that a host does its region work
/// from it (QEMU's post_load: spapr_tce_table_disable, then _enable).
package struct LoadOutcome {
    /// The old window went.
    package var dropped = false
    /// A new window was made.
    package var made = false
    /// The window before the load.
    package var old: Geometry

    package init(old: Geometry) { self.old = old }
}

/// A load in progress. Plain memory the caller owns (the C handle's
/// storage); deinitialize() frees what it staged. Safe to use: staged is
/// its own realloc'd list of capacity entries, count of them initialised.
@safe
package struct StagedLoad {
    let table: TCETable
    /// The stream's mig_nb_table.
    package let nbTable: UInt32
    /// A sparse stream: mapped entries only, as (index, TCE) pairs
    /// (stageMapped); its commit does not ask for every entry.
    package let sparse: Bool
    /// Entries delivered so far: the next one's index (sparse: one past the
    /// last index staged, the least the next pair may have).
    package private(set) var delivered: UInt64 = 0
    private var staged: UnsafeMutablePointer<StagedEntry>? = nil
    private var count = 0
    private var capacity = 0

    package init(table: TCETable, nbTable: UInt32, sparse: Bool = false) {
        self.table = table
        self.nbTable = nbTable
        self.sparse = sparse
    }

    /// Frees the staged entries; the load is over.
    package mutating func deinitialize() {
        // SAFETY: its own list, not used again.
        unsafe free(staged)
        unsafe staged = nil
        count = 0
        capacity = 0
    }

    /// Takes entries first..<first + count, entry(i) being first + i's raw
    /// TCE. They must come in order, within nbTable. On error nothing was
    /// staged. Inlined, so that entry is too: a stream is mostly zeros, each
    /// a load and a test.
    @inline(__always)
    package mutating func stage(first: UInt64, count: Int, _ entry: (Int) -> UInt64) -> VMStateError? {
        guard !sparse else {
            return .invalid("a sparse load takes mapped entries (swifttce_load_mapped), not runs")
        }
        guard first == delivered else {
            return .invalid("entries from \(first), but \(delivered) came so far: they must come in order")
        }
        guard count >= 0, UInt64(count) <= UInt64(nbTable) - first else {
            return .invalid("\(count) entries from \(first) pass the stream's \(nbTable)")
        }
        let before = self.count
        for i in 0..<count {
            let tce = entry(i)
            guard tce != 0 else { continue }
            guard append(StagedEntry(index: first + UInt64(i), tce: tce)) else {
                self.count = before
                return .noMemory
            }
        }
        delivered = first + UInt64(count)
        return nil
    }

    /// Takes count (index, TCE) pairs, pair(i) the i-th: a sparse stream's
    /// mapped entries, strictly ascending (also after the ones staged
    /// before), each index below nbTable and each TCE non-zero. All are
    /// checked before any is staged: on error nothing was.
    mutating func stageMapped(count: Int, _ pair: (Int) -> StagedEntry) -> VMStateError? {
        guard sparse else {
            return .invalid("a full load takes every entry in order (swifttce_load_entries), not pairs")
        }
        var least = delivered
        for i in 0..<max(count, 0) {
            let e = pair(i)
            guard e.index >= least else {
                return .invalid("entry \(e.index) after \(least == 0 ? "none" : String(least - 1)): mapped entries must "
                    + "come in strictly ascending order")
            }
            guard e.index < UInt64(nbTable) else {
                return .invalid("entry \(e.index) is past the stream's \(nbTable) entries")
            }
            guard e.tce != 0 else {
                return .invalid("entry \(e.index) is 0: a sparse stream carries mapped entries only")
            }
            least = e.index + 1
        }
        let before = self.count
        for i in 0..<max(count, 0) {
            guard append(pair(i)) else {
                self.count = before
                return .noMemory
            }
        }
        delivered = least
        return nil
    }

    private mutating func append(_ e: StagedEntry) -> Bool {
        // SAFETY: its own list: grown by realloc, written below capacity.
        if count == capacity {
            let grown = max(64, capacity * 2)
            guard let more = unsafe realloc(staged, grown * MemoryLayout<StagedEntry>.stride) else { return false }
            unsafe staged = more.bindMemory(to: StagedEntry.self, capacity: grown)
            capacity = grown
        }
        unsafe staged![count] = e
        count += 1
        return true
    }

    /// QEMU 7.2's post_load, checked first: every entry must have come, and
    /// a window of nbTable must be possible at (pageShift, busOffset), the
    /// geometry QEMU's fields hold once the subsection was loaded or not
    /// (nil: the table's own, read under its lock). A different nbTable
    /// drops the old window and (nbTable != 0) makes one; the same (not 0)
    /// keeps it, its entries replaced and its geometry the given one, as
    /// QEMU overwrites its fields. Nothing notified. The staging stays the
    /// caller's to free.
    package func commit(geometry given: (pageShift: UInt32, busOffset: UInt64)?) -> Result<LoadOutcome, VMStateError> {
        guard sparse || delivered == UInt64(nbTable) else {
            let why = nbTable > UInt32(Int32.max) ? " (QEMU 7.2 counts them in an int and sends none past 2^31 - 1)" : ""
            return .failure(.invalid("the stream delivered \(delivered) of \(nbTable) entries\(why)"))
        }
        let table = self.table
        // SAFETY: the first count entries of its own list, which lives
        // until deinitialize (after this returns).
        let entries = unsafe UnsafeBufferPointer(start: staged, count: count)
        let nbTable = self.nbTable
        let done = table.locked(reclaim: true) { garbage -> Result<LoadOutcome, VMStateError> in
            let old = table.geometry
            var outcome = LoadOutcome(old: old)
            guard nbTable != 0 else {
                if old.nbTable != 0 {
                    outcome.dropped = true
                    guard table.withdraw(garbage: &garbage) else {
                        return .failure(.invalid(EnableError.notLetGo.message))
                    }
                }
                return .success(outcome)
            }
            let (pageShift, busOffset) = given ?? (old.pageShift, old.busOffset)
            if pageShift == 0 && old.nbTable == 0 {
                // QEMU would enable a window of 1-byte pages here; the
                // geometry comes from the spapr_iommu_ex subsection, or
                // from the table's own window when the stream has none.
                return .failure(.invalid("page_shift 0: a disabled table has no geometry of its own, and the stream "
                    + "brought none (no spapr_iommu_ex subsection); enable (or reset) the window before loading into it"))
            }
            if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
                return .failure(.invalid("the stream's window cannot be enabled: \(problem)"))
            }
            let geometry = Geometry(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable)
            let error = table.replace(with: geometry, fill: { store in
                // SAFETY: entries, the staged list (above), alive for the commit.
                unsafe entries.allSatisfy { store($0.index, $0.tce) }
            }, garbage: &garbage)
            switch error {
            case nil:
                outcome.dropped = old.nbTable != 0 && old.nbTable != nbTable
                outcome.made = old.nbTable != nbTable
                return .success(outcome)
            case .invalid(let why), .unsupported(let why): return .failure(.invalid(why))
            case .noMemory: return .failure(.noMemory)
            }
        }
        return done ?? .failure(.invalid("a callback of the table cannot load it"))
    }
}

extension TCETable {
    /// Entries first..<first + out.count, clipped at nbTable, into out: raw
    /// TCEs, 0 where nothing is. How many were written; nil from a callback
    /// of the table itself. One consistent look, under the lock.
    @unsafe package func readEntries(from first: UInt64, into out: UnsafeMutableBufferPointer<UInt64>) -> Int? {
        // SAFETY: the caller's buffer (its contract).
        locked { _ in unsafe readEntriesLocked(from: first, into: out) }
    }

    /// readEntries with the lock held: at the cost of out.count and of what
    /// is mapped there.
    @unsafe func readEntriesLocked(from first: UInt64, into out: UnsafeMutableBufferPointer<UInt64>) -> Int {
        let window = self.window
        let nb = UInt64(window.nbTable)
        guard first < nb, let storage = window.storage, let base = out.baseAddress else { return 0 }
        let n = Int(min(UInt64(out.count), nb - first))
        // SAFETY: the caller's buffer of out.count words, written below n.
        unsafe base.initialize(repeating: 0, count: n)
        storage.forEachNonZero(from: first, count: UInt64(n)) { index, tce in
            unsafe base[Int(index - first)] = tce
        }
        return n
    }
}

extension TCETable {
    /// The mapped (non-zero) entries from index first on, ascending, into
    /// out as (index, TCE) pairs, up to out.count of them: how many were
    /// written; nil from a callback of the table itself. One consistent
    /// look, under the lock, at the cost of what is mapped: the span is
    /// walked in chunks that double, so that a full out stops the walk
    /// (what the last chunk held past it is passed over, not read twice).
    @unsafe package func readMapped(from first: UInt64, into out: UnsafeMutableBufferPointer<SwiftTCEMappedEntry>) -> Int? {
        locked { _ -> Int in
            let window = self.window
            let nb = UInt64(window.nbTable)
            guard first < nb, let storage = window.storage, let base = out.baseAddress, out.count > 0 else { return 0 }
            var written = 0
            var from = first
            var chunk: UInt64 = 4096
            while from < nb && written < out.count {
                let count = min(chunk, nb - from)
                storage.forEachNonZero(from: from, count: count) { index, tce in
                    guard written < out.count else { return }
                    // SAFETY: the caller's buffer of out.count pairs, written below it.
                    unsafe (base + written).initialize(to: SwiftTCEMappedEntry(index: index, tce: tce))
                    written += 1
                }
                from += count
                chunk = min(chunk &* 2, 1 << 40)
            }
            return written
        }
    }
}
