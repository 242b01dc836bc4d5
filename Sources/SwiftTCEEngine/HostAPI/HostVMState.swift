import CSwiftTCEHost
import Glibc

// The C boundary of host.h for QEMU's vmstate section of a table: the
// entries a host's own vmstate core saves and loads, a load session
// (SwiftTCELoad is a StagedLoad in malloc'd memory), and the whole body.

extension StagedLoad {
    /// The load behind a C handle, which swifttce_load_new made (host.h:
    /// the caller's until commit or abort).
    @unsafe static func from(_ handle: UnsafeMutablePointer<SwiftTCELoad>?) -> UnsafeMutablePointer<StagedLoad>? {
        // SAFETY: swifttce_load_new hands out only StagedLoad pointers.
        unsafe handle.map { unsafe UnsafeMutableRawPointer($0).assumingMemoryBound(to: StagedLoad.self) }
    }
}

/// The C view of a commit's outcome.
private func loadResult(_ outcome: LoadOutcome) -> SwiftTCELoadResult {
    SwiftTCELoadResult(dropped: outcome.dropped, made: outcome.made, old_nb_table: outcome.old.nbTable,
                       old_page_shift: outcome.old.pageShift, old_bus_offset: outcome.old.busOffset)
}

/// A refusal's status, its message handed to the host.
@safe private func refuse(_ table: TCETable, _ errp: UnsafeMutableRawPointer?, _ function: String,
                    _ error: VMStateError) -> Int32 {
    table.report(errp, "\(function): \(error.message)")
    switch error {
    case .invalid: return -EINVAL
    case .noMemory: return -ENOMEM
    }
}

@c @implementation
public func swifttce_table_read_entries(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ first: UInt64,
    _ tces: UnsafeMutablePointer<UInt64>?,
    _ count: Int
) -> Int {
    // SAFETY: t is swifttce_table_new's, not freed (host.h); tces holds
    // count entries (host.h).
    guard let table = unsafe TCETable(t), let tces = unsafe tces, count > 0 else { return 0 }
    return unsafe table.readEntries(from: first, into: UnsafeMutableBufferPointer(start: tces, count: count)) ?? 0
}

/// A new session's handle, full or sparse; nil (with a message naming
/// function) when memory runs out.
private func newSession(_ table: TCETable, _ nbTable: UInt32, sparse: Bool,
                        _ errp: UnsafeMutableRawPointer?, _ function: String) -> UnsafeMutablePointer<SwiftTCELoad>? {
    // SAFETY: fresh memory of the struct's size, the handle's from now on
    // (load_abort frees it).
    guard let memory = unsafe malloc(MemoryLayout<StagedLoad>.stride) else {
        table.report(errp, "\(function): out of memory")
        return nil
    }
    unsafe memory.bindMemory(to: StagedLoad.self, capacity: 1)
        .initialize(to: StagedLoad(table: table, nbTable: nbTable, sparse: sparse))
    return unsafe memory.assumingMemoryBound(to: SwiftTCELoad.self)
}

@c @implementation
public func swifttce_load_new(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ nb_table: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCELoad>? {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return nil }
    return unsafe newSession(table, nb_table, sparse: false, host_errp, "swifttce_load_new")
}

@c @implementation
public func swifttce_load_entries(
    _ l: UnsafeMutablePointer<SwiftTCELoad>?,
    _ first: UInt64,
    _ tces: UnsafePointer<UInt64>?,
    _ count: Int,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: l is swifttce_load_new's, not yet consumed (host.h); tces
    // holds count entries (host.h), read below count.
    guard let load = unsafe StagedLoad.from(l) else { return -EINVAL }
    let table = unsafe load.pointee.table
    guard unsafe tces != nil || count == 0 else {
        return refuse(table, host_errp, "swifttce_load_entries", .invalid("no entries"))
    }
    guard let error = unsafe load.pointee.stage(first: first, count: count, { unsafe tces![$0] }) else { return 0 }
    return refuse(table, host_errp, "swifttce_load_entries", error)
}

@c @implementation
public func swifttce_load_commit(
    _ l: UnsafeMutablePointer<SwiftTCELoad>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ result: UnsafeMutablePointer<SwiftTCELoadResult>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: l is swifttce_load_new's, not yet consumed (host.h), and
    // consumed here; result is the caller's out-parameter (or NULL).
    guard let load = unsafe StagedLoad.from(l) else { return -EINVAL }
    let table = unsafe load.pointee.table
    defer { unsafe swifttce_load_abort(l) }
    switch unsafe load.pointee.commit(geometry: (page_shift, bus_offset)) {
    case .success(let outcome):
        unsafe result?.pointee = loadResult(outcome)
        return 0
    case .failure(let error):
        // SAFETY: result is the caller's out-parameter, or NULL (host.h).
        unsafe result?.pointee = loadResult(LoadOutcome(old: table.geometry))
        return refuse(table, host_errp, "swifttce_load_commit", error)
    }
}

@c @implementation
public func swifttce_load_abort(_ l: UnsafeMutablePointer<SwiftTCELoad>?) {
    // SAFETY: l is swifttce_load_new's, consumed here; the caller does not
    // use it again (host.h).
    guard let load = unsafe StagedLoad.from(l) else { return }
    unsafe load.pointee.deinitialize()
    unsafe load.deinitialize(count: 1)
    unsafe free(load)
}

@c @implementation
public func swifttce_table_vmstate_save(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ liobn: UInt32,
    _ bypass: Bool,
    _ def_win: Bool,
    _ buf: UnsafeMutablePointer<UInt8>?,
    _ buf_size: Int,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int {
    // SAFETY: t is swifttce_table_new's, not freed; buf holds buf_size
    // bytes (host.h).
    guard let table = unsafe TCETable(t) else { return 0 }
    let out = unsafe buf.map { unsafe UnsafeMutableRawBufferPointer(start: $0, count: buf_size) }
    switch unsafe table.vmstateSave(liobn: liobn, bypass: bypass, defaultWindow: def_win, into: out) {
    case .success(let size): return size
    case .failure(let error):
        _ = refuse(table, host_errp, "swifttce_table_vmstate_save", error)
        return 0
    }
}

@c @implementation
public func swifttce_table_vmstate_load(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ liobn: UInt32,
    _ version_id: Int32,
    _ buf: UnsafePointer<UInt8>?,
    _ len: Int,
    _ bypass: UnsafeMutablePointer<Bool>?,
    _ def_win: UnsafeMutablePointer<Bool>?,
    _ result: UnsafeMutablePointer<SwiftTCELoadResult>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: t is swifttce_table_new's, not freed; buf holds len bytes;
    // bypass, def_win and result are the caller's out-parameters, or NULL
    // (host.h).
    guard let table = unsafe TCETable(t) else { return -EINVAL }
    guard unsafe buf != nil || len == 0 else {
        return refuse(table, host_errp, "swifttce_table_vmstate_load", .invalid("no stream"))
    }
    switch unsafe table.vmstateLoad(liobn: liobn, versionID: version_id, from: UnsafeRawBufferPointer(start: buf, count: len)) {
    case .success(let loaded):
        unsafe bypass?.pointee = loaded.bypass
        if let defaultWindow = loaded.defaultWindow { unsafe def_win?.pointee = defaultWindow }
        unsafe result?.pointee = loadResult(loaded.outcome)
        return 0
    case .failure(let error):
        // SAFETY: result is the caller's out-parameter, or NULL (host.h).
        unsafe result?.pointee = loadResult(LoadOutcome(old: table.geometry))
        return refuse(table, host_errp, "swifttce_table_vmstate_load", error)
    }
}

// The sparse format: mapped entries as (index, TCE) pairs, for a host's
// opt-in stream that carries only what is mapped.

@c @implementation
public func swifttce_table_read_mapped(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ first: UInt64,
    _ entries: UnsafeMutablePointer<SwiftTCEMappedEntry>?,
    _ max: Int
) -> Int {
    // SAFETY: t is swifttce_table_new's, not freed (host.h); entries holds
    // max pairs (host.h).
    guard let table = unsafe TCETable(t), let entries = unsafe entries, max > 0 else { return 0 }
    return unsafe table.readMapped(from: first, into: UnsafeMutableBufferPointer(start: entries, count: max)) ?? 0
}

@c @implementation
public func swifttce_load_new_sparse(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ nb_table: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCELoad>? {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return nil }
    return unsafe newSession(table, nb_table, sparse: true, host_errp, "swifttce_load_new_sparse")
}

@c @implementation
public func swifttce_load_mapped(
    _ l: UnsafeMutablePointer<SwiftTCELoad>?,
    _ entries: UnsafePointer<SwiftTCEMappedEntry>?,
    _ count: Int,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: l is a session not yet consumed (host.h); entries holds
    // count pairs (host.h).
    guard let load = unsafe StagedLoad.from(l) else { return -EINVAL }
    let table = unsafe load.pointee.table
    let missing = unsafe entries == nil
    guard count == 0 || !missing else {
        return refuse(table, host_errp, "swifttce_load_mapped", .invalid("no entries"))
    }
    // SAFETY: as above: pair i < count of the caller's array.
    guard let error = unsafe load.pointee.stageMapped(count: count, { i in
        unsafe StagedEntry(index: entries![i].index, tce: entries![i].tce)
    }) else { return 0 }
    return refuse(table, host_errp, "swifttce_load_mapped", error)
}
