import CSwiftTCE

// Dynamic DMA windows: the four RTAS calls of QEMU's spapr_rtas_ddw.c with
// its argument checks, limits and status codes, in its order. Arguments and
// returns are QEMU's rtas_ld/rtas_st cells; the status is rets[0].

private let rtasSuccess = UInt32(bitPattern: RTAS_OUT_SUCCESS)
private let rtasHardwareError = UInt32(bitPattern: RTAS_OUT_HW_ERROR)
private let rtasParameterError = UInt32(bitPattern: RTAS_OUT_PARAM_ERROR)

/// The ibm,query-pe-dma-window answer for the largest window. QEMU has sent
/// this constant since 2019 whatever the RAM size (the traces show it).
private let largestWindow: UInt32 = 0x8000_0000

/// The returns a call may write: QEMU writes guest memory unchecked; here a
/// cell past nret (or a NULL array) is not written.
private struct RTASReturns {
    let cells: UnsafeMutablePointer<UInt32>?
    let count: UInt32

    func store(_ index: UInt32, _ value: UInt32) {
        guard let cells, index < count else { return }
        cells[Int(index)] = value
    }
}

/// args[i], or nil when the caller passed no array.
private func argument(_ args: UnsafePointer<UInt32>?, _ i: Int) -> UInt32? {
    args?[i]
}

/// QEMU reads the BUID from args[1] (high half) and args[2] (low half).
private func phbWithDDW(_ args: UnsafePointer<UInt32>?) -> PHB? {
    guard let high = argument(args, 1), let low = argument(args, 2),
          let phb = findPHB(buid: UInt64(high) << 32 | UInt64(low)),
          phb.pointee.config.ddw else { return nil }
    return phb
}

/// spapr_page_mask_to_query_mask: the PHB's pgsz bits in LoPAPR's encoding.
func ddwQueryMask(pageSizes: UInt64) -> UInt32 {
    let encoding: [(shift: UInt64, bit: UInt32)] = [
        (12, 0x01), (16, 0x02), (24, 0x04), (25, 0x08), (26, 0x10),
        (27, 0x20), (28, 0x40), (34, 0x80), (21, 0x100),
    ]
    var mask: UInt32 = 0
    for (shift, bit) in encoding where pageSizes & (1 << shift) != 0 {
        mask |= bit
    }
    return mask
}

@c @implementation
public func rtas_ibm_query_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let out = RTASReturns(cells: rets, count: nret)
    // nret 6 is LoPAPR's extension: the largest window as a 64-bit count.
    guard nargs == 3, nret == 5 || nret == 6, let phb = phbWithDDW(args) else {
        out.store(0, rtasParameterError)
        return
    }
    let mask = ddwQueryMask(pageSizes: phb.pointee.config.pgsz)
    let available = UInt32(maxWindows - phb.activeWindows)
    out.store(0, rtasSuccess)
    out.store(1, available)
    if nret == 6 {
        // QEMU's 1 << (58 - 21) TCEs, split high/low.
        out.store(2, 0x20)
        out.store(3, 0)
        out.store(4, mask)
        out.store(5, 0)
    } else {
        out.store(2, largestWindow)
        out.store(3, mask)
        out.store(4, 0)   // DMA migration mask: not supported
    }
}

@c @implementation
public func rtas_ibm_create_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let out = RTASReturns(cells: rets, count: nret)
    guard nargs == 5, nret == 4, let phb = phbWithDDW(args),
          let pageShift = argument(args, 3), let windowShift = argument(args, 4) else {
        out.store(0, rtasParameterError)
        return
    }
    let free = phb.firstFreeWindow
    let windows = phb.activeWindows
    // QEMU shifts 1ULL by the guest's page_shift unchecked; a shift of 64 or
    // more is undefined in C, so it is refused here as a size not offered.
    guard pageShift < 64, phb.pointee.config.pgsz & (1 << UInt64(pageShift)) != 0,
          windowShift >= pageShift else {
        out.store(0, rtasParameterError)
        return
    }
    guard let n = free, windows < maxWindows, let table = phb.window(n) else {
        out.store(0, rtasHardwareError)
        return
    }
    let config = phb.pointee.config
    let address = windows == 0 ? config.dma_win_addr : config.dma64_win_addr
    // QEMU passes 1ULL << (window_shift - page_shift) to a uint32_t nb_table:
    // 2^32 entries or more arrive as 0 and the enable leaves the table off.
    let shift = windowShift - pageShift
    let entries: UInt32 = shift < 32 ? 1 << shift : 0
    // The window is new and empty: a listener that attaches while it is
    // being enabled must not walk billions of empty entries.
    table.pointee.skippingReplay = true
    if spapr_tce_table_enable(OpaquePointer(table), pageShift, address, entries, nil) == 0 {
        phb.setDefaultWindow(n, false)
        phb.announce(table, added: true)
    }
    table.pointee.skippingReplay = false
    guard table.pointee.nbTable != 0 else {
        out.store(0, rtasHardwareError)
        return
    }
    let busOffset = table.pointee.busOffset
    out.store(0, rtasSuccess)
    out.store(1, table.pointee.liobn)
    out.store(2, UInt32(truncatingIfNeeded: busOffset >> 32))
    out.store(3, UInt32(truncatingIfNeeded: busOffset))
}

@c @implementation
public func rtas_ibm_remove_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let out = RTASReturns(cells: rets, count: nret)
    guard nargs == 1, nret == 1, let liobn = argument(args, 0),
          let table = findTable(liobn: liobn),
          let phb = findPHB(owning: table), phb.pointee.config.ddw,
          table.pointee.nbTable != 0, let n = phb.windowNumber(of: table) else {
        out.store(0, rtasParameterError)
        return
    }
    let wasDefault = phb.isDefaultWindow(n)
    phb.disableWindow(n)
    // LoPAPR: removing the last window, when it is not the default one,
    // brings the default window back.
    if phb.activeWindows == 0 && !wasDefault {
        phb.dmaReset()
    }
    out.store(0, rtasSuccess)
}

@c @implementation
public func rtas_ibm_reset_pe_dma_window(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let out = RTASReturns(cells: rets, count: nret)
    guard nargs == 3, nret == 1, let phb = phbWithDDW(args) else {
        out.store(0, rtasParameterError)
        return
    }
    phb.dmaReset()
    out.store(0, rtasSuccess)
}
