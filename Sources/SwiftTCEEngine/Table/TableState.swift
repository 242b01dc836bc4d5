import CSwiftTCEHost
import Synchronization

/// A table's state, right after its fast path block (TCETable.swift).
///
/// Safe to use: of its pointers, garbage is the table's own block (create,
/// freed with the table), and readerContext and hostTable are addresses the
/// engine keeps for others and never follows.
@safe @usableFromInline
struct TableState: ~Copyable {
    // MARK: What reads see (translate's fast path: in the SwiftTCEFastPath before)

    /// What the layer above hands its readers with every answer (the
    /// standalone library: the entries' target address space). In the
    /// state, atomic, because a read may be in a freed table's memory while
    /// the next table made there sets it.
    // SAFETY: an address kept, never followed (the contract above).
    @usableFromInline let readerContext = unsafe Atomic<UnsafeMutableRawPointer?>(nil)
    /// The window for announced reads: nbTable first, then the rest.
    @usableFromInline let nbTable = Atomic<UInt32>(0)
    @usableFromInline let pageShift = Atomic<UInt32>(0)
    @usableFromInline let busOffset = Atomic<UInt64>(0)
    /// The window's entries for announced reads: storage0 or storage1, as
    /// storageSlot says. A Storage is several words, so it is never written
    /// where a read may be loading it: the current one changes only while
    /// no announced read can see it (between withdraw and publish), and
    /// set_storage fills the other one, then flips storageSlot, then waits
    /// for a grace period before it clears the old one (switchStorage).
    /// Two fields, not a tuple: writing one is no access to the other.
    @usableFromInline var storage0: Storage? = nil
    @usableFromInline var storage1: Storage? = nil
    @usableFromInline let storageSlot = Atomic<Int>(0)

    @inlinable var storage: Storage? {
        // Acquiring: a read that sees a flip sees the storage filled before.
        storageSlot.load(ordering: .acquiring) == 0 ? storage0 : storage1
    }

    // MARK: The writer's

    @usableFromInline var reclaimer: Reclaimer
    var ops: SwiftTCEHostOps
    /// What the host's hooks get as their host_table.
    var hostTable: UnsafeMutableRawPointer?
    /// Whether written entries are reported (swifttce_table_set_notify).
    let notifying = Atomic<Bool>(true)
    /// Whether they are reported as runs: the host has notify_range, and
    /// the layer above has not asked for entries (setRunReports).
    let runReports = Atomic<Bool>(false)
    /// Whether translate's fast path may answer (setFastReads).
    let fastReads = Atomic<Bool>(true)
    @usableFromInline let lock = TableLock()
    /// What writers unlinked, under the lock. On its own, so that changing
    /// it is not an access to the state (see locked).
    @usableFromInline let garbage: UnsafeMutablePointer<Garbage>
    /// Bytes of the host's data before the state, in the same block.
    let prefixBytes: Int

    init(reclaimer: Reclaimer, ops: SwiftTCEHostOps, hostTable: UnsafeMutableRawPointer?,
         garbage: UnsafeMutablePointer<Garbage>, prefixBytes: Int) {
        // SAFETY: create()'s Garbage, and the host's address, kept.
        unsafe self.garbage = garbage
        self.reclaimer = reclaimer
        self.ops = ops
        unsafe self.hostTable = hostTable
        self.prefixBytes = prefixBytes
    }
}
