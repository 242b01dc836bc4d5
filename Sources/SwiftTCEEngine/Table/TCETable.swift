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
public struct TCETable: Equatable {
    @usableFromInline let state: UnsafeMutablePointer<TableState>

    @usableFromInline init(state: UnsafeMutablePointer<TableState>) { self.state = state }

    /// Where the state goes after a prefix of that many bytes: after the
    /// fast path block, which starts 16-byte aligned.
    @inlinable
    public static func stateOffset(prefixBytes: Int) -> Int {
        ((prefixBytes + 15) & ~15) + fastPathBytes
    }

    /// The table whose prefix starts at prefix.
    @inlinable
    public init(prefix: UnsafeMutableRawPointer, prefixBytes: Int) {
        // SAFETY: create() put the state there.
        self.init(state: (prefix + TCETable.stateOffset(prefixBytes: prefixBytes))
            .assumingMemoryBound(to: TableState.self))
    }

    /// The start of the block: the host's prefix.
    package var prefix: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(state) - TCETable.stateOffset(prefixBytes: state.pointee.prefixBytes)
    }

    /// The window as the lock holder sees it (also right for the getters,
    /// whose callers serialise them with changes). A disabled table has no
    /// storage, whatever its slot holds (a withdraw that could not let the
    /// last one go).
    @inlinable
    var window: Window {
        let nbTable = state.pointee.nbTable.load(ordering: .relaxed)
        return Window(pageShift: state.pointee.pageShift.load(ordering: .relaxed),
                      busOffset: state.pointee.busOffset.load(ordering: .relaxed),
                      nbTable: nbTable, storage: nbTable == 0 ? nil : state.pointee.storage)
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
        locked { _ in state.pointee.storage?.byteCount ?? 0 } ?? 0
    }

    package func setNotify(_ on: Bool) {
        state.pointee.notifying.store(on, ordering: .relaxed)
    }

    var notifying: Bool { state.pointee.notifying.load(ordering: .relaxed) }

    /// The layer above's readerContext (nil after create).
    public var readerContext: UnsafeMutableRawPointer? {
        @inlinable get { state.pointee.readerContext.load(ordering: .relaxed) }
        nonmutating set { state.pointee.readerContext.store(newValue, ordering: .relaxed) }
    }

    var ops: SwiftTCEHostOps { state.pointee.ops }
}
