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
// Everything but translate and H_GET_TCE runs under the table's lock, so a
// table has one writer at a time. Readers never lock. They see the window
// through two things the writer changes in an order they can rely on:
//  - the fast geometry (FastGeometry: a generation, the count of entries in
//    the table's flat array, the page shift, in one word), which
//    translate's fast path reads before and after its load from the array
//    (Translate.swift); every change moves the generation on;
//  - the fields (nbTable, pageShift, busOffset, storage), for reads that
//    announce themselves (GracePeriod). publish sets the storage and the
//    geometry fields, then nbTable (release), then the fast geometry;
//    withdraw clears the fast geometry and nbTable first, waits for a grace
//    period (no announced read can still hold the old fields), and only
//    then changes the rest.
// So a translate racing any change sees the old window or the new one whole,
// never a mix. The flat array is never unmapped while the table's memory
// lives (a fast read may be in it at any time); a table's memory is freed
// through the host's defer_free, or, with no host RCU, kept for the next
// table (TablePool). What a writer unlinks from a tree is freed through the
// table's Reclaimer once no announced read can hold it.

/// translate's fast path's view of a window: in one word, so that a read
/// of it is never torn, and with a generation, so that a read that saw it
/// before and after its load knows nothing changed in between. The count is
/// on top and the shift at the bottom, so that each is one instruction away:
/// count (23 bits) | generation (35 bits) | page shift (6 bits). C hosts
/// read it too (host.h's swifttce_lookup_inline): its encoding is ABI, and
/// the shim asserts that these constants are host.h's.
@usableFromInline
struct FastGeometry {
    @usableFromInline static let shiftBits: UInt64 = 6
    @usableFromInline static let countShift: UInt64 = 41
    static let generationMask: UInt64 = (1 << (countShift - shiftBits)) - 1

    @usableFromInline let word: UInt64

    @inlinable init(word: UInt64) { self.word = word }

    /// count entries of the flat array (at most FlatStorage.entryLimit,
    /// below 2^23), of 2^pageShift bytes, in generation (mod 2^35).
    init(generation: UInt64, count: UInt64, pageShift: UInt32) {
        word = count << FastGeometry.countShift | (generation & FastGeometry.generationMask) << FastGeometry.shiftBits |
            UInt64(pageShift)
    }

    /// The whole word works as a shift amount: a masking shift (&>>, &<<)
    /// takes its low 6 bits, which are the page shift.
    @inlinable var shiftAmount: UInt64 { word }
    @inlinable var count: UInt64 { word &>> FastGeometry.countShift }
    var generation: UInt64 { (word >> FastGeometry.shiftBits) & FastGeometry.generationMask }
}

@usableFromInline
struct TableState: ~Copyable {
    // MARK: What reads see (translate's fast path: in the SwiftTCEFastPath before)

    /// What the layer above hands its readers with every answer (the
    /// standalone library: the entries' target address space). In the
    /// state, atomic, because a read may be in a freed table's memory while
    /// the next table made there sets it.
    @usableFromInline let readerContext = Atomic<UnsafeMutableRawPointer?>(nil)
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
    var hostTable: UnsafeMutableRawPointer?
    /// Whether written entries are reported (swifttce_table_set_notify).
    let notifying = Atomic<Bool>(true)
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
        self.garbage = garbage
        self.reclaimer = reclaimer
        self.ops = ops
        self.hostTable = hostTable
        self.prefixBytes = prefixBytes
    }
}

/// Why a window could not be enabled.
package enum EnableError: Error {
    case invalid(String)
    case noMemory
    /// No grace period can be had on this machine, and the host's storage
    /// needs one.
    case unsupported(String)

    /// The -errno status C callers get.
    package var status: Int32 {
        switch self {
        case .invalid: return -EINVAL
        case .noMemory: return -ENOMEM
        case .unsupported: return -ENOTSUP
        }
    }

    package var message: String {
        switch self {
        case .invalid(let why), .unsupported(let why): return why
        case .noMemory: return "out of memory"
        }
    }
}

/// A table, by its state. Two handles are the same table when their states
/// are. Public (to Swift only) where a layer above must inline the read
/// path: package access does not inline across modules.
public struct TCETable: Equatable {
    @usableFromInline let state: UnsafeMutablePointer<TableState>

    @usableFromInline init(state: UnsafeMutablePointer<TableState>) { self.state = state }

    /// Bytes of the SwiftTCEFastPath right before the state (the shim
    /// asserts host.h's size; TableState needs no more alignment than it).
    @usableFromInline static let fastPathBytes = 16

    /// Where the state goes after a prefix of that many bytes: after the
    /// fast path block, which starts 16-byte aligned.
    @inlinable
    public static func stateOffset(prefixBytes: Int) -> Int {
        ((prefixBytes + 15) & ~15) + fastPathBytes
    }

    /// The fast path block's geometry word: a FastGeometry.
    @inlinable
    var fastGeometry: UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: create() bound the block's first word to this type.
        (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    /// The fast path block's second word: the table's flat array
    /// (FlatStorage.reserveArray), reserved at the first flat window and
    /// kept for the memory's life.
    @inlinable
    var flatArray: UnsafeMutablePointer<Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>> {
        // SAFETY: create() bound the block's second word to this type.
        (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes + 8)
            .assumingMemoryBound(to: Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>.self)
    }

    /// A new, disabled table with the host's hooks (copied: a host built
    /// against an older header passes fewer); nil when ops is too short or
    /// memory runs out. prefixBytes (zeroed, 16-byte aligned) come before
    /// the state in the same block and are freed with it, after the grace
    /// period: a layer above keeps there what its readers read too, one
    /// fixed offset away from the table (QEMU's container_of). With a
    /// prefix, the hooks' host_table is the prefix.
    package static func create(ops: UnsafePointer<SwiftTCEHostOps>, hostTable: UnsafeMutableRawPointer?,
                               prefixBytes: Int = 0) -> TCETable? {
        var copied = SwiftTCEHostOps()
        let size = min(ops.pointee.size, MemoryLayout<SwiftTCEHostOps>.size)
        guard size >= MemoryLayout<Int>.size else { return nil }
        withUnsafeMutableBytes(of: &copied) { dest in
            dest.copyMemory(from: UnsafeRawBufferPointer(start: ops, count: size))
        }
        let reclaimer = Reclaimer(deferFree: copied.defer_free)
        if let pooled = TablePool.take(prefixBytes: prefixBytes) {
            // Its fast geometry and flat array stay: a stale read may be in
            // them, and the generation goes on.
            let block = pooled.prefix
            block.initializeMemory(as: UInt8.self, repeating: 0, count: prefixBytes)
            pooled.state.pointee.reclaimer = reclaimer
            pooled.state.pointee.ops = copied
            pooled.state.pointee.hostTable = prefixBytes > 0 ? block : hostTable
            pooled.state.pointee.notifying.store(true, ordering: .relaxed)
            pooled.state.pointee.fastReads.store(true, ordering: .relaxed)
            pooled.state.pointee.readerContext.store(nil, ordering: .relaxed)
            return pooled
        }
        let offset = stateOffset(prefixBytes: prefixBytes)
        precondition(MemoryLayout<TableState>.alignment <= 16)
        let block = calloc(1, offset + MemoryLayout<TableState>.stride)
        let garbageMemory = calloc(1, MemoryLayout<Garbage>.stride)
        guard let block, let garbageMemory else {
            free(block)
            free(garbageMemory)
            return nil
        }
        let garbage = garbageMemory.bindMemory(to: Garbage.self, capacity: 1)
        garbage.initialize(to: Garbage())
        // The fast path block: calloc's zeros are a geometry word with a
        // count of 0 and no array.
        let fast = block + offset - fastPathBytes
        fast.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        (fast + 8).bindMemory(to: Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>.self, capacity: 1)
        let state = (block + offset).bindMemory(to: TableState.self, capacity: 1)
        state.initialize(to: TableState(
            reclaimer: reclaimer, ops: copied,
            hostTable: prefixBytes > 0 ? block : hostTable, garbage: garbage, prefixBytes: prefixBytes))
        return TCETable(state: state)
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
    /// whose callers serialise them with changes).
    @inlinable
    var window: Window {
        Window(pageShift: state.pointee.pageShift.load(ordering: .relaxed),
               busOffset: state.pointee.busOffset.load(ordering: .relaxed),
               nbTable: state.pointee.nbTable.load(ordering: .relaxed),
               storage: state.pointee.storage)
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

    var hostTable: UnsafeMutableRawPointer? { state.pointee.hostTable }
    var ops: SwiftTCEHostOps { state.pointee.ops }

    // MARK: - The lock

    /// Runs body with the table locked, handing it the table's garbage;
    /// nil (body not run) when this thread holds the lock already. After
    /// unlocking, the garbage is reclaimed when there is enough of it, or
    /// always when `reclaim` says so.
    @inlinable @inline(__always)
    func locked<Result>(reclaim: Bool = false, _ body: (inout Garbage) -> Result) -> Result? {
        guard state.pointee.lock.lock() else { return nil }
        // Through a local: an inout access through state.pointee would be
        // one to the whole state, fields that reads load included.
        let garbage = state.pointee.garbage
        let result = body(&garbage.pointee)
        var taken = Garbage()
        if reclaim || garbage.pointee.bytes >= Garbage.batchBytes {
            swap(&taken, &garbage.pointee)
        }
        state.pointee.lock.unlock()
        if !taken.isEmpty { state.pointee.reclaimer.reclaim(&taken) }
        return result
    }

    // MARK: - Publishing and withdrawing windows (under the lock)

    /// The table's flat array, reserved now if it was not yet.
    func reservedFlatArray() -> UnsafeMutablePointer<Atomic<UInt64>>? {
        if let array = flatArray.pointee.load(ordering: .relaxed) { return array }
        guard let array = FlatStorage.reserveArray() else { return nil }
        flatArray.pointee.store(array, ordering: .releasing)
        return array
    }

    /// Storage for a window of that many entries: a flat one in the table's
    /// array, which the caller must not fill before the current window is
    /// withdrawn; nil when memory runs out.
    func makeStorage(entryCount: UInt32) -> Storage? {
        Storage(entryCount: UInt64(entryCount), flatArray: reservedFlatArray)
    }

    /// Makes a window that no read sees yet the table's (the table is
    /// disabled).
    func publish(_ window: Window) {
        writeStorage(slot: state.pointee.storageSlot.load(ordering: .relaxed), window.storage)
        state.pointee.pageShift.store(window.pageShift, ordering: .relaxed)
        state.pointee.busOffset.store(window.busOffset, ordering: .relaxed)
        state.pointee.nbTable.store(window.nbTable, ordering: .releasing)
        moveFastGeometry(count: window.storage?.directCount ?? 0, pageShift: window.pageShift)
    }

    /// A new fast geometry, in the next generation; with fast reads off,
    /// one that no address is in.
    private func moveFastGeometry(count: UInt64, pageShift: UInt32) {
        let old = FastGeometry(word: fastGeometry.pointee.load(ordering: .relaxed))
        let fast = state.pointee.fastReads.load(ordering: .relaxed)
        let new = FastGeometry(generation: old.generation &+ 1, count: fast ? count : 0, pageShift: pageShift)
        fastGeometry.pointee.store(new.word, ordering: .releasing)
    }

    /// Disables the table: no new read sees the window, then, once no
    /// announced read can still be in it, its storage goes.
    func withdraw(garbage: inout Garbage) {
        guard let storage = state.pointee.storage else { return }
        moveFastGeometry(count: 0, pageShift: 0)
        state.pointee.nbTable.store(0, ordering: .releasing)
        guard GracePeriod.synchronize() else {
            // No barrier on this machine: the old fields stay for any read
            // still in them, and the storage is never freed.
            return
        }
        storage.release(into: &garbage)
        writeStorage(slot: state.pointee.storageSlot.load(ordering: .relaxed), nil)
        state.pointee.pageShift.store(0, ordering: .relaxed)
        state.pointee.busOffset.store(0, ordering: .relaxed)
    }

    /// Turns translate's fast path on or off (on after create). Off, every
    /// translate goes to its `otherwise`, which a layer above can use to
    /// look at each one (tracing) at no cost to the fast path's.
    package func setFastReads(_ on: Bool) {
        _ = locked { _ in
            state.pointee.fastReads.store(on, ordering: .relaxed)
            let window = self.window
            moveFastGeometry(count: window.storage?.directCount ?? 0, pageShift: window.pageShift)
        }
    }

    // MARK: - Lifecycle

    /// QEMU's spapr_tce_table_enable: nil on success, else why not (the
    /// table is unchanged).
    package func enable(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) -> EnableError? {
        locked { garbage -> EnableError? in
            guard state.pointee.storage == nil else { return .invalid("the table is enabled already") }
            if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
                return .invalid(problem)
            }
            return replace(with: Geometry(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable),
                           fill: { _ in true }, garbage: &garbage)
        } ?? .invalid("a callback of the table cannot enable it")
    }

    /// Under the lock: the window becomes one of that geometry (nbTable 0:
    /// disabled) holding what fill stores (store returns false when memory
    /// runs out; fill returns false to give up). Nothing changes on error,
    /// but for a flat window whose bookkeeping was had and whose filling
    /// cannot fail. Nothing is notified.
    func replace(with geometry: Geometry, fill: (_ store: (UInt64, UInt64) -> Bool) -> Bool,
                 garbage: inout Garbage) -> EnableError? {
        guard geometry.nbTable != 0 else {
            withdraw(garbage: &garbage)
            return nil
        }
        if let problem = Geometry.problem(pageShift: geometry.pageShift, busOffset: geometry.busOffset,
                                          nbTable: geometry.nbTable) {
            return .invalid(problem)
        }
        if case .external(let external)? = state.pointee.storage, geometry == self.geometry {
            // QEMU's post_load copies into the table it has (under KVM, the
            // kernel's): the host's array stays the window's, refilled as a
            // flat window is (its stores cannot fail).
            external.clear(from: 0, count: external.count)
            _ = fill { index, value in
                guard index < external.count else { return false }
                external.store(index, value)
                return true
            }
            return nil
        }
        guard let storage = makeStorage(entryCount: geometry.nbTable) else { return .noMemory }
        func filled() -> Bool {
            // Not yet published: its own scratch garbage.
            var scratch = Garbage()
            let done = fill { index, value in
                index < UInt64(geometry.nbTable) && storage.store(index, value, garbage: &scratch)
            }
            scratch.freeAll()
            return done
        }
        switch storage {
        case .tree, .external:
            // Apart from the current window: filled before it goes.
            guard filled() else {
                var scratch = Garbage()
                storage.release(into: &scratch)
                scratch.freeAll()
                return .noMemory
            }
            withdraw(garbage: &garbage)
        case .flat:
            // In the table's array: filled once the current window left it.
            withdraw(garbage: &garbage)
            _ = filled()
        }
        publish(Window(pageShift: geometry.pageShift, busOffset: geometry.busOffset,
                       nbTable: geometry.nbTable, storage: storage))
        return nil
    }

    /// swifttce_table_enable_external: a disabled table gets a window over
    /// the host's array of nbTable entries, which are the window's entries
    /// as they are. nil on success, else why not (the table is unchanged).
    package func enable(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32,
                        entries: UnsafeMutablePointer<UInt64>) -> EnableError? {
        locked { _ -> EnableError? in
            guard state.pointee.storage == nil else { return .invalid("the table is enabled already") }
            if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
                return .invalid(problem)
            }
            if let problem = TCETable.externalProblem(entries) { return problem }
            publish(Window(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable,
                           storage: .external(ExternalStorage(entries: entries, count: UInt64(nbTable)))))
            return nil
        } ?? .invalid("a callback of the table cannot enable it")
    }

    /// Why the host's array cannot hold a window, or nil.
    private static func externalProblem(_ entries: UnsafeMutablePointer<UInt64>) -> EnableError? {
        guard UInt(bitPattern: entries) & 7 == 0 else {
            return .invalid("the entries at \(entries) are not 8-byte aligned")
        }
        // Without grace periods a read could still be in the host's array
        // when the call that leaves it returns, and the host unmaps it then.
        guard GracePeriod.isAvailable else {
            return .unsupported("no grace period can be had on this machine (membarrier or mprotect), "
                + "so the host's entries could not be let go safely")
        }
        return nil
    }

    /// The host's array the window's entries are in; nil for the engine's
    /// own storage or a disabled table.
    package var externalEntries: UnsafeMutablePointer<UInt64>? {
        locked { _ in state.pointee.storage?.externalEntries } ?? nil
    }

    /// swifttce_table_set_storage: every entry of an enabled table moves to
    /// the host's array (entries, all of it written) or to the engine's own
    /// storage (nil), and the old storage is let go once no read can be in
    /// it. nil on success (also when the entries are there already), else
    /// why not (the table is unchanged). Nothing is notified.
    package func setStorage(_ entries: UnsafeMutablePointer<UInt64>?) -> EnableError? {
        locked(reclaim: true) { garbage -> EnableError? in
            let window = self.window
            guard let old = window.storage else { return .invalid("the table is disabled") }
            guard old.externalEntries != entries else { return nil }
            let count = UInt64(window.nbTable)
            let new: Storage
            if let entries {
                if let problem = TCETable.externalProblem(entries) { return problem }
                let external = ExternalStorage(entries: entries, count: count)
                external.clear(from: 0, count: count)
                old.forEachNonZero(from: 0, count: count) { index, value in external.store(index, value) }
                new = .external(external)
            } else {
                // The old entries are the host's, so the table's flat array
                // is free for a flat window.
                guard let own = makeStorage(entryCount: window.nbTable) else { return .noMemory }
                var scratch = Garbage()
                var stored = true
                old.forEachNonZero(from: 0, count: count) { index, value in
                    if stored { stored = own.store(index, value, garbage: &scratch) }
                }
                if !stored { own.release(into: &scratch) }
                scratch.freeAll()
                guard stored else { return .noMemory }
                new = own
            }
            switchStorage(to: new, garbage: &garbage)
            return nil
        } ?? .invalid("a callback of the table cannot move its entries")
    }

    /// Under the lock, on an enabled table: its entries are new's (which
    /// holds what the old storage holds) from now on; the old storage is
    /// let go once no read can be in it.
    private func switchStorage(to new: Storage, garbage: inout Garbage) {
        let window = self.window
        guard let old = window.storage else { return }
        // The other slot: no read could see it since the last switch's
        // grace period.
        let current = state.pointee.storageSlot.load(ordering: .relaxed)
        writeStorage(slot: 1 - current, new)
        state.pointee.storageSlot.store(1 - current, ordering: .releasing)
        // A fast read of a flat old storage sees the word change before
        // its pages go (and one that came before saw the same entries).
        moveFastGeometry(count: new.directCount, pageShift: window.pageShift)
        // The host's array was checked to have grace periods; without one
        // the old storage stays, as withdraw leaves it.
        guard GracePeriod.synchronize() else { return }
        old.release(into: &garbage)
        writeStorage(slot: current, nil)
    }

    /// Writes one storage field (no read may be loading it): a stored
    /// property's assignment, an access to that field alone.
    private func writeStorage(slot: Int, _ storage: Storage?) {
        if slot == 0 { state.pointee.storage0 = storage } else { state.pointee.storage1 = storage }
    }

    /// QEMU's spapr_tce_table_disable: the window goes, nothing notified.
    package func disable() {
        _ = locked(reclaim: true) { garbage in withdraw(garbage: &garbage) }
    }

    /// Device reset: every entry 0, nothing notified, at the cost of what
    /// was mapped; the storage is given back down to an empty window's.
    package func reset() {
        _ = locked(reclaim: true) { garbage in
            let window = self.window
            guard let storage = window.storage else { return }
            storage.clear(from: 0, count: UInt64(window.nbTable), garbage: &garbage)
            storage.trim(garbage: &garbage)
        }
    }

    /// Frees the table: disabled first, then its memory. With the host's
    /// defer_free, the block and the flat array go after the host's grace
    /// period (its translate callers are in its read-side sections). With
    /// none, a fast translate may still be in them at any time: they go to
    /// the pool, for the next table made with the same prefix. The caller
    /// makes sure nothing else uses the table any more.
    package func destroy() {
        disable()
        guard case .host = state.pointee.reclaimer else {
            TablePool.give(self)
            return
        }
        var garbage = Garbage()
        if let array = flatArray.pointee.load(ordering: .relaxed) {
            garbage.add(mapping: UnsafeMutableRawPointer(array), length: FlatStorage.arrayBytes)
        }
        // Not deinitialised: every field is plain, and a racing translate
        // still reads the (disabled) window until the grace period is over.
        garbage.add(heap: prefix, bytes: MemoryLayout<TableState>.stride)
        garbage.add(heap: UnsafeMutableRawPointer(state.pointee.garbage), bytes: MemoryLayout<Garbage>.stride)
        state.pointee.reclaimer.reclaim(&garbage)
    }
}

/// Tables freed with no host RCU, kept for the next table with the same
/// prefix (a stale fast translate may be in their memory at any time, so
/// it is never given back). Disabled: they hold no storage, only their
/// block and the flat array's address space.
enum TablePool {
    private static let blocks = PosixLocked([Int: [TCETable]]())

    static func take(prefixBytes: Int) -> TCETable? {
        blocks.withLock { $0[prefixBytes]?.popLast() }
    }

    static func give(_ table: TCETable) {
        let prefixBytes = table.state.pointee.prefixBytes
        blocks.withLock { $0[prefixBytes, default: []].append(table) }
    }
}
