import CSwiftTCE
import CSwiftTCEHost
import SwiftTCEEngine

// The guest's TCE hypercalls: QEMU's LIOBN lookup, then the engine's checks
// and writes (SwiftTCEEngine's Hypercalls.swift), then the trace line QEMU
// would emit.

/// The table for a LIOBN register; the upper half must be zero.
@inline(__always)
private func table(liobn: UInt64) -> SpaprTable? {
    guard liobn >> 32 == 0 else { return nil }
    return findTable(liobn: UInt32(liobn))
}

@c @implementation
public func spapr_h_put_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    let status = table.engine.putTCE(ioba: ioba, tce: tce)
    Trace.call("put", liobn, "ioba=0x\(hex(ioba & ~(table.engine.minPageSize &- 1))) tce=0x\(hex(tce)) ret=\(status)")
    return status
}

@c @implementation
public func spapr_h_get_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UnsafeMutablePointer<UInt64>?) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    // Nowhere to put the answer is a bad argument, not a silent success.
    guard let tce else { return hParameter }
    let value = table.engine.getTCE(ioba: ioba)
    if let value { tce.pointee = value }
    let status = value == nil ? hParameter : hSuccess
    Trace.call("get", liobn, "ioba=0x\(hex(ioba & ~(table.engine.minPageSize &- 1))) ret=\(status) tce=0x\(hex(value ?? 0))")
    return status
}

@c @implementation
public func spapr_h_stuff_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce_value: UInt64, _ npages: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    var trace = CallTrace()
    let status = table.engine.stuffTCE(ioba: ioba, value: tce_value, npages: npages, trace: &trace)
    if trace.traced {
        Trace.call("stuff", liobn, "ioba=0x\(hex(trace.ioba)) tcevalue=0x\(hex(tce_value)) npages=\(npages) ret=\(status)")
    }
    return status
}

@c @implementation
public func spapr_h_put_tce_indirect(
    _ liobn: UInt64,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    // No guest memory at all is the caller's mistake; memory that cannot be
    // read is the guest's, and reads as zeros (the engine's putTCEIndirect).
    guard let mem, mem.pointee.read != nil else { return hParameter }
    var trace = CallTrace()
    let status = table.engine.putTCEIndirect(ioba: ioba, tceList: tce_list, npages: npages,
                                             guest: UnsafeMutableRawPointer(mutating: mem), trace: &trace)
    if trace.traced {
        Trace.call("indirect", liobn,
                   "ioba=0x\(hex(ioba)) tcelist=0x\(hex(tce_list)) iobaN=0x\(hex(trace.index)) tceN=0x\(hex(trace.tce)) ret=\(status)")
    }
    return status
}

@c @implementation
public func spapr_hcall_tce(
    _ opcode: UInt64,
    _ args: UnsafeMutablePointer<UInt64>?,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    // An opcode that is not a TCE call is H_FUNCTION whatever its arguments,
    // so each case checks the registers itself.
    switch opcode {
    case UInt64(H_PUT_TCE):
        guard let args else { return hParameter }
        return spapr_h_put_tce(args[0], args[1], args[2])
    case UInt64(H_GET_TCE):
        guard let args else { return hParameter }
        var tce: UInt64 = 0
        let status = spapr_h_get_tce(args[0], args[1], &tce)
        if status == hSuccess { args[0] = tce }
        return status
    case UInt64(H_STUFF_TCE):
        guard let args else { return hParameter }
        return spapr_h_stuff_tce(args[0], args[1], args[2], args[3])
    case UInt64(H_PUT_TCE_INDIRECT):
        guard let args else { return hParameter }
        return spapr_h_put_tce_indirect(args[0], args[1], args[2], args[3], mem)
    default:
        return Int64(H_FUNCTION)
    }
}
