import CSwiftTCE
import CSwiftTCEHost
import SwiftTCEEngine

// The four RTAS calls of dynamic DMA windows: QEMU's PHB lookup (by BUID, or
// by LIOBN for remove), then the engine's checks and decisions, then QEMU's
// trace line. Arguments and returns are QEMU's rtas_ld/rtas_st cells; the
// status is rets[0].

/// QEMU reads the BUID from args[1] (high half) and args[2] (low half).
private func buid(_ args: RTASArguments) -> UInt64? {
    guard let high = args[1], let low = args[2] else { return nil }
    return UInt64(high) << 32 | UInt64(low)
}

/// The PHB named by the BUID in args, or nil (a PARAM_ERROR).
private func phb(_ args: RTASArguments) -> SpaprPhbRef? {
    buid(args).flatMap(findPHB(buid:))
}

private func refuse(_ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?) {
    swifttce_rtas_query_pe_dma_window(nil, 0, nil, nret, rets)
}

@c @implementation
public func rtas_ibm_query_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let cells = RTASArguments(args, count: nargs)
    guard let phb = phb(cells) else { return refuse(nret, rets) }
    phb.ddw.queryPEDMAWindow(nargs: nargs, nret: nret, out: RTASReturns(rets, count: nret))
    if nret >= 5, let rets, rets[0] == 0 {
        let mask = nret == 6 ? rets[4] : rets[3]
        Trace.emit("spapr_iommu_ddw_query buid=0x\(hex(buid(cells)!)) addr=0x\(hex(cells[0]!)), \(rets[1]) windows available, max window size=0x80000000, mask=0x\(hex(mask))")
    }
}

@c @implementation
public func rtas_ibm_create_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let cells = RTASArguments(args, count: nargs)
    guard let phb = phb(cells) else { return refuse(nret, rets) }
    phb.ddw.createPEDMAWindow(nargs: nargs, args: cells, nret: nret, out: RTASReturns(rets, count: nret))
    if nret >= 4, let rets, rets[0] == 0 {
        Trace.emit("spapr_iommu_ddw_create buid=0x\(hex(buid(cells)!)) addr=0x\(hex(cells[0]!)), page size=0x\(hex(UInt64(1) << UInt64(cells[3]!))), requested=0x\(hex(UInt64(1) << UInt64(cells[4]!))), start addr=0x\(hex(UInt64(rets[2]) << 32 | UInt64(rets[3]))), liobn=0x\(hex(rets[1]))")
    }
}

@c @implementation
public func rtas_ibm_remove_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let cells = RTASArguments(args, count: nargs)
    // QEMU finds the PHB as the parent of the LIOBN's table.
    guard let liobn = cells[0], let table = findTable(liobn: liobn),
          let phb = findPHB(owning: table) else { return refuse(nret, rets) }
    let reset = phb.ddw.removePEDMAWindow(nargs: nargs, args: cells, nret: nret, out: RTASReturns(rets, count: nret))
    // ddw_remove was traced by the PHB's window_removed hook, before the
    // restore's new_table.
    if reset { Trace.emit("spapr_iommu_ddw_reset buid=0x\(hex(phb.state.pointee.buid)) addr=0x0") }
}

@c @implementation
public func rtas_ibm_reset_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let cells = RTASArguments(args, count: nargs)
    guard let phb = phb(cells) else { return refuse(nret, rets) }
    phb.ddw.resetPEDMAWindow(nargs: nargs, nret: nret, out: RTASReturns(rets, count: nret))
    if nret >= 1, let rets, rets[0] == 0 {
        Trace.emit("spapr_iommu_ddw_reset buid=0x\(hex(buid(cells)!)) addr=0x\(hex(cells[0]!))")
    }
}
