import Synchronization

// A window's entries in an array the host provides (QEMU under KVM: the
// mapping of the kernel's TCE table fd), one host-endian 64-bit value per
// index. Someone other than the engine (the kernel's in-kernel H_PUT_TCE)
// may write any entry at any time, so the engine keeps no books about it:
// every access is an atomic load or store of the array itself, and walks
// scan all of it. The array is the host's: the engine never frees it, and
// once the window leaves it (disable, set_storage, free), a grace period has
// passed before the call returns, so the host may unmap it then.
//
// Translate's fast path never reads it (it reads the table's own flat array
// only, which lives as long as the table): a read of this array is always
// announced (GracePeriod), and that is what lets the host unmap it at once.

///
/// Safe to use while the window is in the host's array (host.h: the host
/// unmaps it only once the engine let go of it): every access is checked
/// against count.
@safe @usableFromInline
struct ExternalStorage {
    /// The host's array: count entries.
    @usableFromInline let entries: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let count: UInt64

    /// Over the host's array of count entries (8-byte aligned).
    @unsafe init(entries: UnsafeMutablePointer<UInt64>, count: UInt64) {
        // SAFETY: an Atomic<UInt64> is one naturally aligned plain word, as
        // the host's entries are (the caller checked the alignment).
        unsafe self.entries = UnsafeMutableRawPointer(entries).bindMemory(to: Atomic<UInt64>.self, capacity: Int(count))
        self.count = count
    }

    /// The host's array, as the host passed it.
    var base: UnsafeMutablePointer<UInt64> {
        // SAFETY: the address only: the engine does not access it as UInt64.
        unsafe UnsafeMutableRawPointer(entries).assumingMemoryBound(to: UInt64.self)
    }

    // MARK: - Reads (any thread, announced; index < count)

    @inlinable @inline(__always)
    func load(_ index: UInt64) -> UInt64 {
        precondition(index < count, "entry out of the host's array")
        // SAFETY: below count, the array's size.
        return unsafe entries[Int(truncatingIfNeeded: index)].load(ordering: .relaxed)
    }

    // MARK: - Writes and walks (under the table's lock)

    @inline(__always)
    func store(_ index: UInt64, _ value: UInt64) {
        precondition(index < count, "entry out of the host's array")
        // SAFETY: below count, the array's size.
        unsafe entries[Int(truncatingIfNeeded: index)].store(value, ordering: .relaxed)
    }

    /// Calls body(index, value) for every non-zero entry in
    /// first..<first + count, in index order: a scan of the whole range,
    /// each entry loaded once (what another writer stored is seen).
    @inlinable @inline(__always)
    func forEachNonZero(from first: UInt64, count: UInt64, _ body: (UInt64, UInt64) -> Void) {
        let end = first &+ count < first ? self.count : min(self.count, first + count)
        var index = min(first, self.count)
        while index < end {
            let value = load(index)
            if value != 0 { body(index, value) }
            index += 1
        }
    }

    /// Zeroes first..<first + count, storing only where an entry is not 0
    /// (a page of the host's that was never written stays unwritten).
    func clear(from first: UInt64, count: UInt64) {
        forEachNonZero(from: first, count: count) { index, _ in store(index, 0) }
    }
}
