import CSwiftTCEHost
import Glibc

// The C boundary of host.h for QEMU's vmstate section of a table.

@c @implementation
public func swifttce_table_vmstate_save(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ liobn: UInt32,
    _ def_win: Bool,
    _ buf: UnsafeMutablePointer<UInt8>?,
    _ buf_size: Int
) -> Int {
    guard let table = TCETable(t) else { return 0 }
    let out = buf.map { UnsafeMutableRawBufferPointer(start: $0, count: buf_size) }
    return table.vmstateSave(liobn: liobn, defaultWindow: def_win, into: out) ?? 0
}

@c @implementation
public func swifttce_table_vmstate_load(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ liobn: UInt32,
    _ buf: UnsafePointer<UInt8>?,
    _ len: Int,
    _ def_win: UnsafeMutablePointer<Bool>?,
    _ host_errp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let table = TCETable(t) else { return -EINVAL }
    guard buf != nil || len == 0 else {
        setHostError(table.ops, host_errp, "swifttce_table_vmstate_load: no stream")
        return -EINVAL
    }
    switch table.vmstateLoad(liobn: liobn, from: UnsafeRawBufferPointer(start: buf, count: len)) {
    case .success(let defaultWindow):
        def_win?.pointee = defaultWindow
        return 0
    case .failure(.invalid(let why)):
        setHostError(table.ops, host_errp, "swifttce_table_vmstate_load: \(why)")
        return -EINVAL
    case .failure(.noMemory):
        setHostError(table.ops, host_errp, "swifttce_table_vmstate_load: out of memory")
        return -ENOMEM
    }
}
