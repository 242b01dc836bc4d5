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

/// H_PUT_TCE after the lookup; inlined, so that spapr_h_put_tce, the hot
/// one, has no call of its own.
@inline(__always)
private func putTCE(_ liobn: UInt64, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    let status = table.engine.putTCE(ioba: ioba, tce: tce)
    Trace.call("put", liobn, "ioba=0x\(hex(ioba & ~(table.engine.minPageSize &- 1))) tce=0x\(hex(tce)) ret=\(status)")
    return status
}

/// H_GET_TCE after the lookup: the status, and the TCE on success.
private func getTCE(_ liobn: UInt64, _ ioba: UInt64) -> (Int64, UInt64?) {
    guard let table = table(liobn: liobn) else { return (hParameter, nil) }
    let value = table.engine.getTCE(ioba: ioba)
    let status = value == nil ? hParameter : hSuccess
    Trace.call("get", liobn, "ioba=0x\(hex(ioba & ~(table.engine.minPageSize &- 1))) ret=\(status) tce=0x\(hex(value ?? 0))")
    return (status, value)
}

/// H_STUFF_TCE after the lookup.
private func stuffTCE(_ liobn: UInt64, _ ioba: UInt64, _ value: UInt64, _ npages: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    var trace = CallTrace()
    let status = table.engine.stuffTCE(ioba: ioba, value: value, npages: npages, trace: &trace)
    if trace.traced {
        Trace.call("stuff", liobn, "ioba=0x\(hex(trace.ioba)) tcevalue=0x\(hex(value)) npages=\(npages) ret=\(status)")
    }
    return status
}

/// H_PUT_TCE_INDIRECT after the lookup. @safe: mem is NULL or the caller's
/// SpaprGuestMemory (the C contract), read only through its own reader.
@safe private func putTCEIndirect(_ liobn: UInt64, _ ioba: UInt64, _ list: UInt64, _ npages: UInt64,
                                  _ mem: UnsafePointer<SpaprGuestMemory>?) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    // No guest memory at all is the caller's mistake; memory that cannot be
    // read is the guest's, and reads as zeros (the engine's putTCEIndirect).
    // SAFETY: the contract above.
    guard let mem = unsafe mem, unsafe mem.pointee.read != nil else { return hParameter }
    var trace = CallTrace()
    // SAFETY: the engine hands guest to read_guest (TCETable.swift), which reads it as one.
    let status = unsafe table.engine.putTCEIndirect(ioba: ioba, tceList: list, npages: npages,
                                                    guest: UnsafeMutableRawPointer(mutating: mem), trace: &trace)
    if trace.traced {
        Trace.call("indirect", liobn,
                   "ioba=0x\(hex(ioba)) tcelist=0x\(hex(list)) iobaN=0x\(hex(trace.index)) tceN=0x\(hex(trace.tce)) ret=\(status)")
    }
    return status
}

@c @implementation
public func spapr_h_put_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    putTCE(liobn, ioba, tce)
}

@c @implementation
public func spapr_h_get_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UnsafeMutablePointer<UInt64>?) -> Int64 {
    guard table(liobn: liobn) != nil else { return hParameter }
    // Nowhere to put the answer is a bad argument, not a silent success.
    guard let tce = unsafe tce else { return hParameter }  // SAFETY: NULL or the caller's (the C contract)
    let (status, value) = getTCE(liobn, ioba)
    if let value { unsafe tce.pointee = value }  // SAFETY: as above
    return status
}

@c @implementation
public func spapr_h_stuff_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce_value: UInt64, _ npages: UInt64) -> Int64 {
    stuffTCE(liobn, ioba, tce_value, npages)
}

@c @implementation
public func spapr_h_put_tce_indirect(
    _ liobn: UInt64,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    putTCEIndirect(liobn, ioba, tce_list, npages, mem)
}

/// The hypercall's registers, args[0...3]. @safe by the C contract: args is
/// NULL or holds the four registers the opcodes read.
@safe private struct HypercallArgs {
    let args: UnsafeMutablePointer<UInt64>

    @safe init?(_ args: UnsafeMutablePointer<UInt64>?) {
        guard let args = unsafe args else { return nil }  // SAFETY: the contract above
        unsafe self.args = args  // SAFETY: as above
    }

    subscript(_ i: Int) -> UInt64 {
        get { unsafe args[i] }  // SAFETY: i < 4, the contract above
        nonmutating set { unsafe args[i] = newValue }  // SAFETY: as above
    }
}

@c @implementation
public func spapr_hcall_tce(
    _ opcode: UInt64,
    _ args: UnsafeMutablePointer<UInt64>?,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    // An opcode that is not a TCE call is H_FUNCTION whatever its arguments,
    // so each case checks the registers itself.
    let regs = HypercallArgs(args)
    switch opcode {
    case UInt64(H_PUT_TCE):
        guard let regs else { return hParameter }
        return putTCE(regs[0], regs[1], regs[2])
    case UInt64(H_GET_TCE):
        guard let regs else { return hParameter }
        let (status, value) = getTCE(regs[0], regs[1])
        if let value { regs[0] = value }
        return status
    case UInt64(H_STUFF_TCE):
        guard let regs else { return hParameter }
        return stuffTCE(regs[0], regs[1], regs[2], regs[3])
    case UInt64(H_PUT_TCE_INDIRECT):
        guard let regs else { return hParameter }
        return putTCEIndirect(regs[0], regs[1], regs[2], regs[3], mem)
    default:
        return Int64(H_FUNCTION)
    }
}
