import CSwiftTCEHost
import Glibc
import Synchronization

// A TCE table: one DMA window's entries and the host's hooks for it. The
// state sits behind a pointer: no class, so translate has no reference
// counting and no exclusivity checks. Right before it, in the same block,
// is the C struct that translate's fast path reads (SwiftTCEFastPath in
// host.h, where a SwiftTCETable * points), so that a host can inline that
// read without knowing anything of the state's layout:
//
//   [layer above's prefix][pad to 16][SwiftTCEFastPath, 16 B][TableState]
//
// One writer at a time (the table's lock, TableLock.swift); readers never
// lock, and see a window appear and go whole (Publication.swift). The flat
// array is never unmapped while the table's memory lives (a fast read may be
// in it at any time); a table's memory is freed through the host's
// defer_free, or, with no host RCU, kept for the next table (TablePool). What
// a writer unlinks from a tree is freed through the table's Reclaimer once
// no announced read can hold it. The table's life is Lifecycle.swift.

/// A table, by its state. Two handles are the same table when their states
/// are. Public (to Swift only) where a layer above must inline the read
/// path: package access does not inline across modules.
///
/// Safe to use, by this contract: state is a TableState that create()
/// initialised, in a block that lives until destroy() hands it to a grace
/// period or to the pool, and no handle is used after destroy() (host.h:
/// freeing must not race other calls on the table; a translate racing it
/// reads memory the grace period keeps).
@safe
public struct TCETable: Equatable {
    @usableFromInline let state: UnsafeMutablePointer<TableState>

    @usableFromInline init(state: UnsafeMutablePointer<TableState>) {
        // SAFETY: the caller's: a state create() made (the contract above).
        unsafe self.state = state
    }

    public static func == (a: TCETable, b: TCETable) -> Bool {
        // SAFETY: addresses compared, not followed.
        unsafe a.state == b.state
    }

    /// The state, in place (a borrow, never a copy).
    @inlinable var fields: TableState {
        // SAFETY: the contract above.
        unsafeAddress { unsafe UnsafePointer(state) }
        nonmutating unsafeMutableAddress { unsafe state }
    }

    /// Where the state goes after a prefix of that many bytes: after the
    /// fast path block, which starts 16-byte aligned.
    @inlinable
    public static func stateOffset(prefixBytes: Int) -> Int {
        ((prefixBytes + 15) & ~15) + fastPathBytes
    }

    /// The table whose prefix starts at prefix: the block of a table that
    /// create() made with prefixBytes.
    @inlinable @unsafe
    public init(prefix: UnsafeMutableRawPointer, prefixBytes: Int) {
        // SAFETY: create() bound the state there (the caller's contract).
        unsafe self.init(state: (prefix + TCETable.stateOffset(prefixBytes: prefixBytes))
            .assumingMemoryBound(to: TableState.self))
    }

    /// The start of the block: the host's prefix.
    package var prefix: UnsafeMutableRawPointer {
        // SAFETY: the state is stateOffset bytes into the block.
        unsafe UnsafeMutableRawPointer(state) - TCETable.stateOffset(prefixBytes: fields.prefixBytes)
    }

    /// The window as the lock holder sees it (also right for the getters,
    /// whose callers serialise them with changes). A disabled table has no
    /// storage, whatever its slot holds (a withdraw that could not let the
    /// last one go).
    @inlinable
    var window: Window {
        let nbTable = fields.nbTable.load(ordering: .relaxed)
        return Window(pageShift: fields.pageShift.load(ordering: .relaxed),
                      busOffset: fields.busOffset.load(ordering: .relaxed),
                      nbTable: nbTable, storage: nbTable == 0 ? nil : fields.storage)
    }

    package var geometry: Geometry {
        let window = self.window
        return Geometry(pageShift: window.pageShift, busOffset: window.busOffset, nbTable: window.nbTable)
    }

    package var pageShift: UInt32 { window.pageShift }
    package var busOffset: UInt64 { window.busOffset }
    package var nbTable: UInt32 { window.nbTable }
    /// QEMU's get_min_page_size: 1 << page_shift (1 while disabled).
    package var minPageSize: UInt64 { window.pageSize }
    package var storageBytes: Int {
        locked { _ in fields.storage?.byteCount ?? 0 } ?? 0
    }

    package func setNotify(_ on: Bool) {
        fields.notifying.store(on, ordering: .relaxed)
    }

    var notifying: Bool { fields.notifying.load(ordering: .relaxed) }

    /// Whether written entries go to notify_range as runs (on from create
    /// when the host has the hook) or to notify one by one: the standalone
    /// library turns runs on only while a notifier asks for ranges, so that
    /// the others get QEMU's notifications exactly, when QEMU makes them.
    /// Without the hook, always off.
    package func setRunReports(_ on: Bool) {
        // SAFETY: the hook only compared with NULL.
        let hooked = unsafe ops.notify_range != nil
        fields.runReports.store(on && hooked, ordering: .relaxed)
    }

    var runReports: Bool { fields.runReports.load(ordering: .relaxed) }

    /// The layer above's readerContext (nil after create): an address the
    /// engine only keeps.
    public var readerContext: UnsafeMutableRawPointer? {
        // SAFETY: an address the engine keeps and does not follow.
        @inlinable get { unsafe fields.readerContext.load(ordering: .relaxed) }
        nonmutating set { unsafe fields.readerContext.store(newValue, ordering: .relaxed) }
    }

    var ops: SwiftTCEHostOps { fields.ops }
}

/// @unchecked Sendable, by this contract: a table synchronises itself.
/// Readers load only atomics and memory a grace period keeps (Publication
/// .swift), and everything else runs under the table's lock (TableLock).
extension TCETable: @unchecked Sendable {}
