import CSwiftTCEHost
import Glibc

// The C boundary of host.h for tables, translate and replay: each function
// turns C handles into typed ones and calls the engine.

extension TCETable {
    /// The table behind a C handle: its SwiftTCEFastPath, the state right
    /// after it.
    init?(_ handle: UnsafePointer<SwiftTCETable>?) {
        guard let handle else { return nil }
        // SAFETY: swifttce_table_new hands out only fast path blocks, each
        // followed by its TableState.
        self.init(state: (UnsafeMutableRawPointer(mutating: handle) + TCETable.fastPathBytes)
            .assumingMemoryBound(to: TableState.self))
    }

    /// The C handle of a table: its SwiftTCEFastPath (host.h).
    var handle: UnsafeMutablePointer<SwiftTCETable> {
        (UnsafeMutableRawPointer(state) - TCETable.fastPathBytes).assumingMemoryBound(to: SwiftTCETable.self)
    }
}

/// Hands a message to the host's error object, if it has a hook.
func setHostError(_ ops: SwiftTCEHostOps, _ errp: UnsafeMutableRawPointer?, _ message: String) {
    ops.set_error?(errp, message)
}

@c @implementation
public func swifttce_table_new(
    _ ops: UnsafePointer<SwiftTCEHostOps>?,
    _ host_table: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCETable>? {
    guard let ops else { return nil }
    return TCETable.create(ops: ops, hostTable: host_table)?.handle
}

@c @implementation
public func swifttce_table_enable(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let table = TCETable(t) else { return -EINVAL }
    guard let error = table.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table) else {
        return 0
    }
    setHostError(table.ops, host_errp, "swifttce_table_enable: \(error.message)")
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
    guard let table = TCETable(t) else { return -EINVAL }
    guard let entries else {
        setHostError(table.ops, host_errp, "swifttce_table_enable_external: no entries")
        return -EINVAL
    }
    guard let error = table.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table,
                                   entries: entries) else { return 0 }
    setHostError(table.ops, host_errp, "swifttce_table_enable_external: \(error.message)")
    return error.status
}

@c @implementation
public func swifttce_table_set_storage(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ entries: UnsafeMutablePointer<UInt64>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let table = TCETable(t) else { return -EINVAL }
    guard let error = table.setStorage(entries) else { return 0 }
    setHostError(table.ops, host_errp, "swifttce_table_set_storage: \(error.message)")
    return error.status
}

@c @implementation
public func swifttce_table_entries(_ t: UnsafePointer<SwiftTCETable>?) -> UnsafeMutablePointer<UInt64>? {
    TCETable(t)?.externalEntries
}

@c @implementation
public func swifttce_table_disable(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    TCETable(t)?.disable()
}

@c @implementation
public func swifttce_table_reset(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    TCETable(t)?.reset()
}

@c @implementation
public func swifttce_table_free(_ t: UnsafeMutablePointer<SwiftTCETable>?) {
    TCETable(t)?.destroy()
}

@c @implementation
public func swifttce_table_min_page_size(_ t: UnsafePointer<SwiftTCETable>?) -> UInt64 {
    TCETable(t)?.minPageSize ?? 0
}

@c @implementation
public func swifttce_table_page_shift(_ t: UnsafePointer<SwiftTCETable>?) -> UInt32 {
    TCETable(t)?.pageShift ?? 0
}

@c @implementation
public func swifttce_table_bus_offset(_ t: UnsafePointer<SwiftTCETable>?) -> UInt64 {
    TCETable(t)?.busOffset ?? 0
}

@c @implementation
public func swifttce_table_nb_table(_ t: UnsafePointer<SwiftTCETable>?) -> UInt32 {
    TCETable(t)?.nbTable ?? 0
}

@c @implementation
public func swifttce_table_set_notify(_ t: UnsafeMutablePointer<SwiftTCETable>?, _ on: Bool) {
    TCETable(t)?.setNotify(on)
}

@c @implementation
public func swifttce_table_storage_bytes(_ t: UnsafePointer<SwiftTCETable>?) -> Int {
    TCETable(t)?.storageBytes ?? 0
}

@c @implementation
public func swifttce_translate(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ addr: UInt64,
    _ out: UnsafeMutablePointer<SwiftTCEMapping>?
) {
    guard let out else { return }
    MappingBuffer(TCETable(t)?.translate(addr) ?? .unmapped).store(to: out)
}

@c @implementation
public func swifttce_lookup(_ t: UnsafePointer<SwiftTCETable>?, _ addr: UInt64) -> SwiftTCELookup {
    guard let table = TCETable(t) else { return SwiftTCELookup(tce: 0, page_mask: 0) }
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
    guard let table = TCETable(t), let fn else { return }
    table.replay(limit: limit) { mapping in
        var buffer = MappingBuffer(mapping)
        buffer.withMapping { fn(opaque, $0) }
    }
}
