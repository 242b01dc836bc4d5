import CSwiftTCEHost
import Glibc

// The C boundary of host.h for tables, translate and replay: each function
// turns C handles into typed ones and calls the engine.

extension TCETable {
    /// The table behind a C handle that swifttce_table_new made and the
    /// host has not freed: its SwiftTCEFastPath, the state right after it.
    @unsafe init?(_ handle: UnsafePointer<SwiftTCETable>?) {
        // SAFETY: a nil check of the host's handle.
        guard let handle = unsafe handle else { return nil }
        // SAFETY: swifttce_table_new hands out only fast path blocks, each
        // followed by its TableState.
        unsafe self.init(state: (UnsafeMutableRawPointer(mutating: handle) + TCETable.fastPathBytes)
            .assumingMemoryBound(to: TableState.self))
    }

    /// The C handle of a table: its SwiftTCEFastPath (host.h).
    var handle: UnsafeMutablePointer<SwiftTCETable> {
        // SAFETY: an address for C, never accessed as SwiftTCETable here.
        unsafe (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes).assumingMemoryBound(to: SwiftTCETable.self)
    }
}

extension TCETable {
    /// Hands a message to the host's error object through the table's
    /// set_error hook, if it has one. Safe: errp is only passed on.
    @safe func report(_ errp: UnsafeMutableRawPointer?, _ message: String) {
        // SAFETY: the host's hook, given the host_errp its call got (host.h).
        unsafe ops.set_error?(errp, message)
    }
}

@c @implementation
public func swifttce_table_new(
    _ ops: UnsafePointer<SwiftTCEHostOps>?,
    _ host_table: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCETable>? {
    // SAFETY: ops is the host's table (host.h); host_table is only kept.
    guard let ops = unsafe ops else { return nil }
    return unsafe TCETable.create(ops: ops, hostTable: host_table)?.handle
}

@c @implementation
public func swifttce_table_enable(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return -EINVAL }
    guard let error = table.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table) else {
        return 0
    }
    table.report(host_errp, "swifttce_table_enable: \(error.message)")
    return error.status
}

@c @implementation
public func swifttce_table_enable_external(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ entries: UnsafeMutablePointer<UInt64>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return -EINVAL }
    guard let entries = unsafe entries else {
        table.report(host_errp, "swifttce_table_enable_external: no entries")
        return -EINVAL
    }
    // SAFETY: the host's array (host.h: nb_table entries while the window
    // is there).
    guard let error = unsafe table.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table,
                                   entries: entries) else { return 0 }
    table.report(host_errp, "swifttce_table_enable_external: \(error.message)")
    return error.status
}

@c @implementation
public func swifttce_table_set_storage(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ entries: UnsafeMutablePointer<UInt64>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return -EINVAL }
    // SAFETY: the host's array (host.h: nb_table entries), or NULL.
    guard let error = unsafe table.setStorage(entries) else { return 0 }
    table.report(host_errp, "swifttce_table_set_storage: \(error.message)")
    return error.status
}

@c @implementation
public func swifttce_table_entries(_ t: UnsafePointer<SwiftTCETable>?) -> UnsafeMutablePointer<UInt64>? {
    // SAFETY: t is swifttce_table_new's, not freed (host.h); the answer is
    // the host's own pointer.
    unsafe TCETable(t)?.externalEntries
}

@c @implementation
public func swifttce_table_disable(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.disable()
}

@c @implementation
public func swifttce_table_reset(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.reset()
}

@c @implementation
public func swifttce_table_free(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.destroy()
}

@c @implementation
public func swifttce_table_min_page_size(_ t: UnsafePointer<SwiftTCETable>?) -> UInt64 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.minPageSize ?? 0
}

@c @implementation
public func swifttce_table_page_shift(_ t: UnsafePointer<SwiftTCETable>?) -> UInt32 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.pageShift ?? 0
}

@c @implementation
public func swifttce_table_bus_offset(_ t: UnsafePointer<SwiftTCETable>?) -> UInt64 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.busOffset ?? 0
}

@c @implementation
public func swifttce_table_nb_table(_ t: UnsafePointer<SwiftTCETable>?) -> UInt32 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.nbTable ?? 0
}

@c @implementation
public func swifttce_table_set_notify(_ t: UnsafeMutablePointer<SwiftTCETable>?, _ on: Bool) {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.setNotify(on)
}

@c @implementation
public func swifttce_table_storage_bytes(_ t: UnsafePointer<SwiftTCETable>?) -> Int {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.storageBytes ?? 0
}

@c @implementation
public func swifttce_translate(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ addr: UInt64,
    _ out: UnsafeMutablePointer<SwiftTCEMapping>?
) {
    // SAFETY: t is swifttce_table_new's, not freed; out is the caller's
    // mapping (host.h).
    guard let out = unsafe out else { return }
    unsafe MappingBuffer(TCETable(t)?.translate(addr) ?? .unmapped).store(to: out)
}

@c @implementation
public func swifttce_lookup(_ t: UnsafePointer<SwiftTCETable>?, _ addr: UInt64) -> SwiftTCELookup {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    guard let table = unsafe TCETable(t) else { return SwiftTCELookup(tce: 0, page_mask: 0) }
    return table.lookup(addr, as: { SwiftTCELookup(tce: $0, page_mask: $1) }, otherwise: {
        let (tce, mask) = table.lookupOutOfLine(addr)
        return SwiftTCELookup(tce: tce, page_mask: mask)
    })
}

@c @implementation
public func swifttce_replay(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ limit: UInt64,
    _ fn: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<SwiftTCEMapping>?) -> Void)?,
    _ opaque: UnsafeMutableRawPointer?
) {
    // SAFETY: t is swifttce_table_new's, not freed; fn is the host's,
    // given opaque and a mapping that lives for the call (host.h).
    guard let table = unsafe TCETable(t), let fn = unsafe fn else { return }
    table.replay(limit: limit) { mapping in
        var buffer = MappingBuffer(mapping)
        unsafe buffer.withMapping { unsafe fn(opaque, $0) }
    }
}

@c @implementation
public func swifttce_replay_range(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ start: UInt64,
    _ end: UInt64,
    _ fn: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<SwiftTCEMapping>?) -> Void)?,
    _ opaque: UnsafeMutableRawPointer?
) {
    // SAFETY: as swifttce_replay's.
    guard let table = unsafe TCETable(t), let fn = unsafe fn else { return }
    table.replay(start: start, end: end) { mapping in
        var buffer = MappingBuffer(mapping)
        unsafe buffer.withMapping { unsafe fn(opaque, $0) }
    }
}
