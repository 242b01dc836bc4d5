import CSwiftTCEHost
import Glibc

// The C boundary of host.h for QEMU's vmstate section of a table: the
// entries a host's own vmstate core saves and loads, a load session
// (SwiftTCELoad is a StagedLoad in malloc'd memory), and the whole body.

extension StagedLoad {
    /// The load behind a C handle.
    static func from(_ handle: UnsafeMutablePointer<SwiftTCELoad>?) -> UnsafeMutablePointer<StagedLoad>? {
        // SAFETY: swifttce_load_new hands out only StagedLoad pointers.
        handle.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: StagedLoad.self) }
    }
}

/// The C view of a commit's outcome.
private func loadResult(_ outcome: LoadOutcome) -> SwiftTCELoadResult {
    SwiftTCELoadResult(dropped: outcome.dropped, made: outcome.made, old_nb_table: outcome.old.nbTable,
                       old_page_shift: outcome.old.pageShift, old_bus_offset: outcome.old.busOffset)
}

/// A refusal's status, its message handed to the host.
private func refuse(_ table: TCETable, _ errp: UnsafeMutableRawPointer?, _ function: String,
                    _ error: VMStateError) -> Int32 {
    setHostError(table.ops, errp, "\(function): \(error.message)")
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
    guard let table = TCETable(t), let tces, count > 0 else { return 0 }
    return table.readEntries(from: first, into: UnsafeMutableBufferPointer(start: tces, count: count)) ?? 0
}

@c @implementation
public func swifttce_load_new(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ nb_table: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCELoad>? {
    guard let table = TCETable(t) else { return nil }
    guard let memory = malloc(MemoryLayout<StagedLoad>.stride) else {
        setHostError(table.ops, host_errp, "swifttce_load_new: out of memory")
        return nil
    }
    // SAFETY: fresh memory of the struct's size, the handle's from now on.
    memory.bindMemory(to: StagedLoad.self, capacity: 1).initialize(to: StagedLoad(table: table, nbTable: nb_table))
    return memory.assumingMemoryBound(to: SwiftTCELoad.self)
}

@c @implementation
public func swifttce_load_entries(
    _ l: UnsafeMutablePointer<SwiftTCELoad>?,
    _ first: UInt64,
    _ tces: UnsafePointer<UInt64>?,
    _ count: Int,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let load = StagedLoad.from(l) else { return -EINVAL }
    guard tces != nil || count == 0 else {
        return refuse(load.pointee.table, host_errp, "swifttce_load_entries", .invalid("no entries"))
    }
    guard let error = load.pointee.stage(first: first, count: count, { tces![$0] }) else { return 0 }
    return refuse(load.pointee.table, host_errp, "swifttce_load_entries", error)
}

@c @implementation
public func swifttce_load_commit(
    _ l: UnsafeMutablePointer<SwiftTCELoad>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ result: UnsafeMutablePointer<SwiftTCELoadResult>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let load = StagedLoad.from(l) else { return -EINVAL }
    let table = load.pointee.table
    defer { swifttce_load_abort(l) }
    switch load.pointee.commit(geometry: (page_shift, bus_offset)) {
    case .success(let outcome):
        result?.pointee = loadResult(outcome)
        return 0
    case .failure(let error):
        result?.pointee = loadResult(LoadOutcome(old: table.geometry))
        return refuse(table, host_errp, "swifttce_load_commit", error)
    }
}

@c @implementation
public func swifttce_load_abort(_ l: UnsafeMutablePointer<SwiftTCELoad>?) {
    guard let load = StagedLoad.from(l) else { return }
    // SAFETY: the handle is consumed here; the caller does not use it again.
    load.pointee.deinitialize()
    load.deinitialize(count: 1)
    free(load)
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
    guard let table = TCETable(t) else { return 0 }
    let out = buf.map { UnsafeMutableRawBufferPointer(start: $0, count: buf_size) }
    switch table.vmstateSave(liobn: liobn, bypass: bypass, defaultWindow: def_win, into: out) {
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
    guard let table = TCETable(t) else { return -EINVAL }
    guard buf != nil || len == 0 else {
        return refuse(table, host_errp, "swifttce_table_vmstate_load", .invalid("no stream"))
    }
    switch table.vmstateLoad(liobn: liobn, versionID: version_id, from: UnsafeRawBufferPointer(start: buf, count: len)) {
    case .success(let loaded):
        bypass?.pointee = loaded.bypass
        if let defaultWindow = loaded.defaultWindow { def_win?.pointee = defaultWindow }
        result?.pointee = loadResult(loaded.outcome)
        return 0
    case .failure(let error):
        result?.pointee = loadResult(LoadOutcome(old: table.geometry))
        return refuse(table, host_errp, "swifttce_table_vmstate_load", error)
    }
}
