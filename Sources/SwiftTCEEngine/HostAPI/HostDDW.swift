import CSwiftTCEHost

// The C boundary of host.h for a PHB's dynamic DMA windows.

extension PHB {
    init?(_ handle: UnsafePointer<SwiftTCEPhb>?) {
        guard let handle else { return nil }
        // SAFETY: swifttce_phb_new hands out only PHBState pointers.
        self.init(state: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: PHBState.self))
    }

    var handle: UnsafeMutablePointer<SwiftTCEPhb> {
        UnsafeMutableRawPointer(state).assumingMemoryBound(to: SwiftTCEPhb.self)
    }
}

@c @implementation
public func swifttce_phb_new(
    _ cfg: UnsafePointer<SwiftTCEPhbConfig>?,
    _ ops: UnsafePointer<SwiftTCEPhbOps>?,
    _ host_phb: UnsafeMutableRawPointer?,
    _ windows: UnsafePointer<UnsafeMutablePointer<SwiftTCETable>?>?,
    _ nwindows: UInt32,
    _ host_errp: UnsafeMutableRawPointer?
) -> UnsafeMutablePointer<SwiftTCEPhb>? {
    // A PHB has no hooks of its own to report through: its messages go
    // through the set_error of the first table it is given (host.h says so).
    let count = Int(min(nwindows, UInt32(maxWindows)))
    let reporter = windows.flatMap { windows in (0..<count).lazy.compactMap { TCETable(windows[$0]) }.first }
    func refuse(_ why: String) -> UnsafeMutablePointer<SwiftTCEPhb>? {
        if let reporter { setHostError(reporter.ops, host_errp, "swifttce_phb_new: \(why)") }
        return nil
    }
    guard let cfg, let ops, let windows else { return refuse("NULL configuration, ops or windows") }
    guard nwindows == 1 || nwindows == UInt32(maxWindows) else {
        return refuse("a PHB has 1 or \(maxWindows) windows, not \(nwindows)")
    }
    var tables: [TCETable] = []
    for n in 0..<count {
        guard let table = TCETable(windows[n]) else { return refuse("window \(n) has no table") }
        tables.append(table)
    }
    switch PHB.create(config: cfg.pointee, ops: ops, hostPHB: host_phb, windows: tables) {
    case .success(let phb): return phb.handle
    case .failure(let error): return refuse(error.message)
    }
}

@c @implementation
public func swifttce_phb_free(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?) {
    PHB(phb)?.destroy()
}

@c @implementation
public func swifttce_phb_dma_reset(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?) {
    PHB(phb)?.dmaReset()
}

@c @implementation
public func swifttce_phb_window_def_win(_ phb: UnsafePointer<SwiftTCEPhb>?, _ n: UInt32) -> Bool {
    PHB(phb)?.isDefaultWindow(Int(n)) ?? false
}

@c @implementation
public func swifttce_phb_set_window_def_win(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ n: UInt32, _ def_win: Bool) {
    PHB(phb)?.setDefaultWindow(Int(n), def_win)
}

/// rets[0] for a call on no PHB.
private func refuseRTAS(_ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?) {
    RTASReturns(rets, count: nret).store(0, UInt32(bitPattern: Int32(SWIFTTCE_RTAS_PARAM_ERROR)))
}

@c @implementation
public func swifttce_rtas_query_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    guard let phb = PHB(phb) else { return refuseRTAS(nret, rets) }
    phb.queryPEDMAWindow(nargs: nargs, nret: nret, out: RTASReturns(rets, count: nret))
}

@c @implementation
public func swifttce_rtas_create_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    guard let phb = PHB(phb) else { return refuseRTAS(nret, rets) }
    phb.createPEDMAWindow(nargs: nargs, args: RTASArguments(args, count: nargs), nret: nret,
               out: RTASReturns(rets, count: nret))
}

@c @implementation
public func swifttce_rtas_remove_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?, _ reset: UnsafeMutablePointer<Bool>?
) {
    reset?.pointee = false
    guard let phb = PHB(phb) else { return refuseRTAS(nret, rets) }
    let restored = phb.removePEDMAWindow(nargs: nargs, args: RTASArguments(args, count: nargs), nret: nret,
                              out: RTASReturns(rets, count: nret))
    reset?.pointee = restored
}

@c @implementation
public func swifttce_rtas_reset_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    guard let phb = PHB(phb) else { return refuseRTAS(nret, rets) }
    phb.resetPEDMAWindow(nargs: nargs, nret: nret, out: RTASReturns(rets, count: nret))
}
