import CSwiftTCEHost
import Glibc
import Synchronization

// A table's life: made, enabled (its storage made and filled), its window
// replaced or moved, disabled, reset, freed.

/// Why a window could not be enabled.
package enum EnableError: Error {
    case invalid(String)
    case noMemory
    /// No grace period can be had (a memory barrier that worked failed),
    /// and the call needs one.
    case unsupported(String)

    /// The table's last window went (no read sees it), but its storage
    /// could not be let go: a read may still be in it.
    static var notLetGo: EnableError {
        .unsupported("the last window's storage could not be let go (no grace period: the memory barrier failed)")
    }

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

extension TCETable {
    /// A new, disabled table with the host's hooks (copied: a host built
    /// against an older header passes fewer); nil when ops is too short or
    /// memory runs out. prefixBytes (zeroed, 16-byte aligned) come before
    /// the state in the same block and are freed with it, after the grace
    /// period: a layer above keeps there what its readers read too, one
    /// fixed offset away from the table (QEMU's container_of). With a
    /// prefix, the hooks' host_table is the prefix.
    package static func create(ops: UnsafePointer<SwiftTCEHostOps>, hostTable: UnsafeMutableRawPointer?,
                               prefixBytes: Int = 0) -> TCETable? {
        // SAFETY: the host's table (the caller's contract, host.h's).
        guard let copied = unsafe HostStruct.copy(ops, over: SwiftTCEHostOps()) else { return nil }
        let reclaimer = unsafe Reclaimer(deferFree: copied.defer_free)
        if let pooled = TablePool.take(prefixBytes: prefixBytes) {
            // Its fast geometry and flat array stay: a stale read may be in
            // them, and the generation goes on.
            // SAFETY: the prefix is the pooled block's first prefixBytes.
            let block = unsafe pooled.prefix
            unsafe block.initializeMemory(as: UInt8.self, repeating: 0, count: prefixBytes)
            pooled.fields.reclaimer = reclaimer
            pooled.fields.ops = copied
            unsafe pooled.fields.hostTable = prefixBytes > 0 ? block : hostTable
            pooled.fields.notifying.store(true, ordering: .relaxed)
            // SAFETY: the hook only compared with NULL.
            pooled.fields.runReports.store(unsafe copied.notify_range != nil, ordering: .relaxed)
            pooled.fields.fastReads.store(true, ordering: .relaxed)
            unsafe pooled.fields.readerContext.store(nil, ordering: .relaxed)
            return pooled
        }
        let offset = stateOffset(prefixBytes: prefixBytes)
        precondition(MemoryLayout<TableState>.alignment <= 16)
        // SAFETY: fresh zeroed memory: the block is the prefix, the fast
        // path block (calloc's zeros: a count of 0 and no array) and the
        // state, each bound to its type here and initialised; the Garbage
        // likewise. Both are freed only by destroy(), through a grace period.
        let block = unsafe calloc(1, offset + MemoryLayout<TableState>.stride)
        let garbageMemory = unsafe calloc(1, MemoryLayout<Garbage>.stride)
        guard let block = unsafe block, let garbageMemory = unsafe garbageMemory else {
            unsafe free(block)
            unsafe free(garbageMemory)
            return nil
        }
        // SAFETY: binding and initialising the memory just had, as above.
        let garbage = unsafe garbageMemory.bindMemory(to: Garbage.self, capacity: 1)
        unsafe garbage.initialize(to: Garbage())
        let fast = unsafe block + offset - fastPathBytes
        unsafe fast.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        unsafe (fast + 8).bindMemory(to: Atomic<UnsafeMutablePointer<Atomic<UInt64>>?>.self, capacity: 1)
        let state = unsafe (block + offset).bindMemory(to: TableState.self, capacity: 1)
        unsafe state.initialize(to: TableState(
            reclaimer: reclaimer, ops: copied,
            hostTable: prefixBytes > 0 ? block : hostTable, garbage: garbage, prefixBytes: prefixBytes))
        // SAFETY: the hook only compared with NULL.
        unsafe state.pointee.runReports.store(unsafe copied.notify_range != nil, ordering: .relaxed)
        return unsafe TCETable(state: state)
    }


    /// The table's flat array, reserved now if it was not yet.
    func reservedFlatArray() -> UnsafeMutablePointer<Atomic<UInt64>>? {
        // SAFETY: the fast path block's word (flatArray), and the array
        // it holds for the table's life.
        if let array = unsafe flatArray.pointee.load(ordering: .relaxed) { return unsafe array }
        guard let array = unsafe FlatStorage.reserveArray() else { return nil }
        unsafe flatArray.pointee.store(array, ordering: .releasing)
        return unsafe array
    }

    /// QEMU's spapr_tce_table_enable: nil on success, else why not (the
    /// table is unchanged).
    package func enable(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) -> EnableError? {
        locked { garbage -> EnableError? in
            guard self.nbTable == 0 else { return .invalid("the table is enabled already") }
            if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
                return .invalid(problem)
            }
            return replace(with: Geometry(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable),
                           fill: { _ in true }, garbage: &garbage)
        } ?? .invalid("a callback of the table cannot enable it")
    }

    /// Under the lock: the window becomes one of that geometry (nbTable 0:
    /// disabled) holding what fill stores. Nothing is notified. Nothing
    /// changes on error, but when the old window's storage could not be
    /// let go (no grace period: .unsupported), which leaves the table
    /// disabled.
    func replace(with geometry: Geometry, fill: Storage.Fill, garbage: inout Garbage) -> EnableError? {
        guard geometry.nbTable != 0 else {
            return withdraw(garbage: &garbage) ? nil : .notLetGo
        }
        if let problem = Geometry.problem(pageShift: geometry.pageShift, busOffset: geometry.busOffset,
                                          nbTable: geometry.nbTable) {
            return .invalid(problem)
        }
        if geometry == self.geometry, let current = window.storage, current.refillInPlace(fill) {
            return nil
        }
        // A table whose last storage could not be let go has none to give.
        if fields.storage != nil && !GracePeriod.isAvailable { return .notLetGo }
        // SAFETY: reservedFlatArray gives the table's array.
        let made = unsafe Storage.replacing(entryCount: UInt64(geometry.nbTable), flatArray: reservedFlatArray,
                                     fill: fill, withdrawCurrent: { withdraw(garbage: &garbage) })
        switch made {
        case .success(let storage):
            publish(Window(pageShift: geometry.pageShift, busOffset: geometry.busOffset,
                           nbTable: geometry.nbTable, storage: storage))
            return nil
        case .failure(let error):
            return error
        }
    }

    /// swifttce_table_enable_external: a disabled table gets a window over
    /// the host's array of nbTable entries, which are the window's entries
    /// as they are. nil on success, else why not (the table is unchanged).
    package func enable(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32,
                        entries: UnsafeMutablePointer<UInt64>) -> EnableError? {
        locked { garbage -> EnableError? in
            guard self.nbTable == 0 else { return .invalid("the table is enabled already") }
            if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
                return .invalid(problem)
            }
            // SAFETY: the host's array: only its address is checked.
            if let problem = unsafe TCETable.externalProblem(entries) { return problem }
            // A window that went without its storage let go: let it go now.
            guard withdraw(garbage: &garbage) else { return .notLetGo }
            // SAFETY: the host's array of nbTable entries (host.h's contract),
            // its alignment checked.
            unsafe publish(Window(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable,
                           storage: .overHostArray(entries, count: UInt64(nbTable))))
            return nil
        } ?? .invalid("a callback of the table cannot enable it")
    }

    /// Why the host's array cannot hold a window, or nil.
    private static func externalProblem(_ entries: UnsafeMutablePointer<UInt64>) -> EnableError? {
        guard UInt(bitPattern: entries) & 7 == 0 else {
            return .invalid("the entries at 0x\(String(UInt(bitPattern: entries), radix: 16)) are not 8-byte aligned")
        }
        // Without grace periods a read could still be in the host's array
        // when the call that leaves it returns, and the host unmaps it then.
        guard GracePeriod.isAvailable else {
            return .unsupported("no grace period can be had (the memory barrier failed), "
                + "so the host's entries could not be let go safely")
        }
        return nil
    }

    /// The host's array the window's entries are in; nil for the engine's
    /// own storage or a disabled table.
    package var externalEntries: UnsafeMutablePointer<UInt64>? {
        // SAFETY: the host's own pointer, handed back.
        unsafe locked { _ in unsafe window.storage?.externalEntries } ?? nil
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
            // SAFETY: addresses compared, the host's array (host.h's
            // contract) used over count entries, its alignment checked.
            guard unsafe old.externalEntries != entries else { return nil }
            guard freeOtherStorageSlot(garbage: &garbage) else { return .notLetGo }
            let count = UInt64(window.nbTable)
            let new: Storage
            if let entries = unsafe entries {
                if let problem = unsafe TCETable.externalProblem(entries) { return problem }
                new = unsafe .overHostArray(entries, count: count)
                new.clear(from: 0, count: count, garbage: &garbage)
                old.forEachNonZero(from: 0, count: count) { index, value in
                    _ = new.store(index, value, garbage: &garbage)
                }
            } else {
                // The old entries are the host's, so the table's flat array
                // is free for a flat window (and reads as zeros).
                // SAFETY: reservedFlatArray gives the table's array.
                guard let own = unsafe Storage(entryCount: count, flatArray: reservedFlatArray) else { return .noMemory }
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
        guard case .host = fields.reclaimer else {
            TablePool.give(self)
            return
        }
        var garbage = Garbage()
        // SAFETY: the table's own memory: its flat array, its block and its
        // Garbage, each freed once, after the host's grace period.
        if let array = unsafe flatArray.pointee.load(ordering: .relaxed) {
            unsafe garbage.add(mapping: UnsafeMutableRawPointer(array), length: FlatStorage.arrayBytes)
        }
        // Not deinitialised: every field is plain, and a racing translate
        // still reads the (disabled) window until the grace period is over.
        unsafe garbage.add(heap: prefix, bytes: MemoryLayout<TableState>.stride)
        unsafe garbage.add(heap: UnsafeMutableRawPointer(fields.garbage), bytes: MemoryLayout<Garbage>.stride)
        fields.reclaimer.reclaim(&garbage)
    }
}
