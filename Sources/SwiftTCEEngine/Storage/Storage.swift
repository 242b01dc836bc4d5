import CSwiftTCEHost
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

/// Safe to use from make to release(into:): each case's memory lives that
/// long (the host's array: as long as the window is in it, host.h), and
/// every entry access is checked against the count but loadDirect's.
@safe @usableFromInline
enum Storage {
    case flat(FlatStorage)
    case tree(RadixTree)
    case external(ExternalStorage)

    /// Storage for entryCount (at least 1) entries, all 0; nil when memory
    /// runs out. A flat one lives in the array flatArray gives (the
    /// table's, FlatStorage.reserveArray), which must read as zeros: no
    /// window may be in it.
    init?(entryCount: UInt64, flatArray: () -> UnsafeMutablePointer<Atomic<UInt64>>?) {
        if entryCount <= FlatStorage.entryLimit {
            // SAFETY: the table's array (flatArray's contract).
            guard let array = unsafe flatArray(), let flat = unsafe FlatStorage(entryCount: entryCount, array: array) else {
                return nil
            }
            self = .flat(flat)
        } else {
            guard let tree = RadixTree(entryCount: entryCount) else { return nil }
            self = .tree(tree)
        }
    }

    /// Over the host's array of count entries (8-byte aligned), as they are.
    @unsafe static func overHostArray(_ entries: UnsafeMutablePointer<UInt64>, count: UInt64) -> Storage {
        // SAFETY: the caller's: the host's array, as host.h describes it.
        unsafe .external(ExternalStorage(entries: entries, count: count))
    }

    /// What a window's entries are filled with: fill calls store(index,
    /// value) for each (store is false when memory runs out) and returns
    /// false to give up.
    typealias Fill = (_ store: (UInt64, UInt64) -> Bool) -> Bool

    /// Storage for a window of entryCount entries holding what fill stores,
    /// to take over from the table's current window, which withdrawCurrent
    /// takes away (no read sees it once that returns true). Whether the
    /// new storage is filled before or after is this type's to say: a flat
    /// one lives in the table's array, where the current window may be, so
    /// it is filled once the current window has left; any other is filled
    /// first, so that running out of memory leaves the current window as it
    /// was. On failure nothing was published; the current window is
    /// withdrawn only if a flat one could not be filled in its place
    /// because withdrawCurrent failed (.unsupported).
    static func replacing(entryCount: UInt64, flatArray: () -> UnsafeMutablePointer<Atomic<UInt64>>?,
                          fill: Fill, withdrawCurrent: () -> Bool) -> Result<Storage, EnableError> {
        // SAFETY: flatArray gives the table's array (the caller's contract).
        guard let storage = unsafe Storage(entryCount: entryCount, flatArray: flatArray) else {
            return .failure(.noMemory)
        }
        func discard() {
            // Never published: no read can be in it.
            var scratch = Garbage()
            storage.release(into: &scratch)
            scratch.freeAll()
        }
        func filled() -> Bool {
            var scratch = Garbage()
            let done = fill { index, value in index < entryCount && storage.store(index, value, garbage: &scratch) }
            scratch.freeAll()
            return done
        }
        switch storage {
        case .flat:
            guard withdrawCurrent() else {
                discard()
                return .failure(.notLetGo)
            }
            // Its stores cannot fail: what fill gives up on is left out.
            _ = filled()
        case .tree, .external:
            guard filled() else {
                discard()
                return .failure(.noMemory)
            }
            guard withdrawCurrent() else {
                discard()
                return .failure(.notLetGo)
            }
        }
        return .success(storage)
    }

    /// Refills the storage in place with what fill stores (every other
    /// entry 0), when it is the host's array, which stays the window's
    /// (QEMU's post_load copies into the table it has: under KVM, the
    /// kernel's); false, and nothing done, for the engine's own storage.
    func refillInPlace(_ fill: Fill) -> Bool {
        guard case .external(let external) = self else { return false }
        external.clear(from: 0, count: external.count)
        // Its stores cannot fail: what fill gives up on is left out.
        _ = fill { index, value in
            guard index < external.count else { return false }
            external.store(index, value)
            return true
        }
        return true
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
        // SAFETY: the host's own pointer, handed back.
        if case .external(let external) = self { return unsafe external.base }
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

// MARK: - The table's flat array, unannounced

extension Storage {
    /// translate's fast path: the entry at index of the table's flat array
    /// (FlatStorage.reserveArray), index below the count of a fast geometry
    /// the caller read (directCount). The array is never unmapped while the
    /// table's memory lives, so the load is safe whatever the window does;
    /// whether the value is the window's, the caller's second look at the
    /// geometry says.
    @inlinable @inline(__always) @unsafe
    static func loadDirect(_ array: UnsafeMutablePointer<Atomic<UInt64>>, _ index: UInt64) -> UInt64 {
        // SAFETY: the caller's: the table's array, index below a count.
        unsafe array[Int(truncatingIfNeeded: index)].load(ordering: .relaxed)
    }

    /// Starts bringing the line of the flat array's entry at index into the
    /// cache, for writing, for a writer about to store there: H_PUT_TCE does
    /// it before taking the table's lock. A prefetch, not a load: the lock's
    /// atomic instruction waits for every load before it, not for a
    /// prefetch, so the line comes in while the call goes on (its store
    /// then waits in the store buffer, and the next call's lock waits only
    /// for what is left of the miss). A load there cost make bench's
    /// put_tce 1.53 times the baseline's, median of 10 alternating runs,
    /// against 1.33. Any index is safe to pass (the fields it comes from may
    /// be a changing window's): beyond the array nothing is fetched.
    @inline(__always)
    static func touchDirect(_ array: UnsafeMutablePointer<Atomic<UInt64>>?, _ index: UInt64) {
        // SAFETY: a nil check of the caller's array.
        guard let array = unsafe array, index < FlatStorage.entryLimit else { return }
        // SAFETY: the table's array (the caller's), entryLimit entries long.
        unsafe swifttce_prefetch_for_write(array + Int(index))
    }
}
