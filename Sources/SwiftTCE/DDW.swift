import CSwiftTCE
import CSwiftTCEHost
import SwiftTCEEngine

// The four RTAS calls of dynamic DMA windows: QEMU's PHB lookup (by BUID, or
// by LIOBN for remove), then the engine's checks and decisions, then QEMU's
// trace line. Arguments and returns are QEMU's rtas_ld/rtas_st cells
// (RTASCall); the status is rets[0].

/// The calls' prologue: the cells, and the PHB they name (by default the
/// one whose BUID is in args[1..2]); without one, PARAM_ERROR and no body.
private func onPHB(
    _ call: RTASCall,
    foundBy find: (RTASCall) -> SpaprPhbRef? = { $0.buid.flatMap(findPHB(buid:)) },
    _ body: (RTASCall, SpaprPhbRef) -> Void
) {
    guard let phb = find(call) else { return call.refuse() }
    body(call, phb)
}

@c @implementation
public func rtas_ibm_query_pe_dma_window(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    onPHB(RTASCall(nargs, args, nret, rets)) { call, phb in
        phb.engine.queryPEDMAWindow(nargs: nargs, nret: nret, out: call.out)
        guard call.succeeded(returning: 5) else { return }
        let mask = call.ret(nret == 6 ? 4 : 3)
        Trace.emit("spapr_iommu_ddw_query buid=0x\(hex(phb.buid)) addr=0x\(hex(call.args[0] ?? 0)), \(call.ret(1)) windows available, max window size=0x80000000, mask=0x\(hex(mask))")
    }
}

@c @implementation
public func rtas_ibm_create_pe_dma_window(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    onPHB(RTASCall(nargs, args, nret, rets)) { call, phb in
        phb.engine.createPEDMAWindow(nargs: nargs, args: call.args, nret: nret, out: call.out)
        guard call.succeeded(returning: 4), let pageShift = call.args[3], let windowShift = call.args[4] else { return }
        let start = UInt64(call.ret(2)) << 32 | UInt64(call.ret(3))
        Trace.emit("spapr_iommu_ddw_create buid=0x\(hex(phb.buid)) addr=0x\(hex(call.args[0] ?? 0)), page size=0x\(hex(UInt64(1) << UInt64(pageShift))), requested=0x\(hex(UInt64(1) << UInt64(windowShift))), start addr=0x\(hex(start)), liobn=0x\(hex(call.ret(1)))")
    }
}

@c @implementation
public func rtas_ibm_remove_pe_dma_window(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    // QEMU finds the PHB as the parent of the LIOBN's table.
    onPHB(RTASCall(nargs, args, nret, rets), foundBy: { $0.args[0].flatMap(findTable(liobn:)).flatMap(findPHB(owning:)) }) { call, phb in
        let restored = phb.engine.removePEDMAWindow(nargs: nargs, args: call.args, nret: nret, out: call.out)
        // ddw_remove was traced by the PHB's window_removed hook, before the
        // restore's new_table.
        if restored { Trace.emit("spapr_iommu_ddw_reset buid=0x\(hex(phb.buid)) addr=0x0") }
    }
}

@c @implementation
public func rtas_ibm_reset_pe_dma_window(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    onPHB(RTASCall(nargs, args, nret, rets)) { call, phb in
        phb.engine.resetPEDMAWindow(nargs: nargs, nret: nret, out: call.out)
        guard call.succeeded(returning: 1) else { return }
        Trace.emit("spapr_iommu_ddw_reset buid=0x\(hex(phb.buid)) addr=0x\(hex(call.args[0] ?? 0))")
    }
}
