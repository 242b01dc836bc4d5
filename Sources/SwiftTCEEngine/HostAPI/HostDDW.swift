import CSwiftTCEHost

// The C boundary of host.h for a PHB's dynamic DMA windows.

extension PHB {
    /// The PHB behind a C handle that swifttce_phb_new made and the host
    /// has not freed.
    @unsafe init?(_ handle: UnsafePointer<SwiftTCEPhb>?) {
        // SAFETY: a nil check of the host's handle.
        guard let handle = unsafe handle else { return nil }
        // SAFETY: swifttce_phb_new hands out only PHBState pointers.
        unsafe self.init(state: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: PHBState.self))
    }

    var handle: UnsafeMutablePointer<SwiftTCEPhb> {
        // SAFETY: an address for C, never accessed as SwiftTCEPhb here.
        unsafe UnsafeMutableRawPointer(state).assumingMemoryBound(to: SwiftTCEPhb.self)
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
    // SAFETY: windows holds nwindows tables of swifttce_table_new's, or
    // NULLs (host.h); cfg and ops are the host's, read here.
    let reporter = unsafe windows.flatMap { windows in (0..<count).lazy.compactMap { unsafe TCETable(windows[$0]) }.first }
    @safe func refuse(_ why: String) -> UnsafeMutablePointer<SwiftTCEPhb>? {
        if let reporter { reporter.report(host_errp, "swifttce_phb_new: \(why)") }
        return nil
    }
    guard let cfg = unsafe cfg, let ops = unsafe ops, let windows = unsafe windows else { return refuse("NULL configuration, ops or windows") }
    guard nwindows == 1 || nwindows == UInt32(maxWindows) else {
        return refuse("a PHB has 1 or \(maxWindows) windows, not \(nwindows)")
    }
    var tables: [TCETable] = []
    for n in 0..<count {
        // SAFETY: windows[n] is below nwindows, a table of swifttce_table_new's or NULL (host.h).
        guard let table = unsafe TCETable(windows[n]) else { return refuse("window \(n) has no table") }
        tables.append(table)
    }
    // SAFETY: the host's configuration and ops (host.h); host_phb is kept.
    switch unsafe PHB.create(config: cfg.pointee, ops: ops, hostPHB: host_phb, windows: tables) {
    case .success(let phb): return unsafe phb.handle
    case .failure(let error): return refuse(error.message)
    }
}

@c @implementation
public func swifttce_phb_free(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?) {
    // SAFETY: phb is swifttce_phb_new's, not freed (host.h).
    unsafe PHB(phb)?.destroy()
}

@c @implementation
public func swifttce_phb_dma_reset(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?) {
    // SAFETY: phb is swifttce_phb_new's, not freed (host.h).
    unsafe PHB(phb)?.dmaReset()
}

@c @implementation
public func swifttce_phb_window_def_win(_ phb: UnsafePointer<SwiftTCEPhb>?, _ n: UInt32) -> Bool {
    // SAFETY: phb is swifttce_phb_new's, not freed (host.h).
    unsafe PHB(phb)?.isDefaultWindow(Int(n)) ?? false
}

@c @implementation
public func swifttce_phb_set_window_def_win(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ n: UInt32, _ def_win: Bool) {
    // SAFETY: phb is swifttce_phb_new's, not freed (host.h).
    unsafe PHB(phb)?.setDefaultWindow(Int(n), def_win)
}

/// An RTAS call on the PHB behind phb: body with the call's cells, or
/// RTAS_PARAM_ERROR in rets[0] for no PHB.
private func rtasCall(_ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
                      _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?,
                      _ body: (PHB, RTASArguments, RTASReturns) -> Void) {
    // SAFETY: phb is swifttce_phb_new's, not freed; args and rets hold
    // nargs and nret cells (host.h).
    let out = unsafe RTASReturns(rets, count: nret)
    guard let phb = unsafe PHB(phb) else {
        out.store(0, rtasParameterError)
        return
    }
    body(phb, unsafe RTASArguments(args, count: nargs), out)
}

@c @implementation
public func swifttce_rtas_query_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    // SAFETY: the host's handle and cells, as they came (rtasCall's).
    unsafe rtasCall(phb, nargs, args, nret, rets) { phb, _, out in
        phb.queryPEDMAWindow(nargs: nargs, nret: nret, out: out)
    }
}

@c @implementation
public func swifttce_rtas_create_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    // SAFETY: the host's handle and cells, as they came (rtasCall's).
    unsafe rtasCall(phb, nargs, args, nret, rets) { phb, cells, out in
        phb.createPEDMAWindow(nargs: nargs, args: cells, nret: nret, out: out)
    }
}

@c @implementation
public func swifttce_rtas_remove_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?, _ reset: UnsafeMutablePointer<Bool>?
) {
    var restored = false
    // SAFETY: the host's handle and cells, as they came (rtasCall's);
    // reset is the caller's out-parameter, or NULL (host.h).
    unsafe rtasCall(phb, nargs, args, nret, rets) { phb, cells, out in
        restored = phb.removePEDMAWindow(nargs: nargs, args: cells, nret: nret, out: out)
    }
    unsafe reset?.pointee = restored
}

@c @implementation
public func swifttce_rtas_reset_pe_dma_window(
    _ phb: UnsafeMutablePointer<SwiftTCEPhb>?, _ nargs: UInt32, _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32, _ rets: UnsafeMutablePointer<UInt32>?
) {
    // SAFETY: the host's handle and cells, as they came (rtasCall's).
    unsafe rtasCall(phb, nargs, args, nret, rets) { phb, _, out in
        phb.resetPEDMAWindow(nargs: nargs, nret: nret, out: out)
    }
}
