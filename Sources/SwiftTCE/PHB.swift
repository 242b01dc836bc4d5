import CSwiftTCE
import CSwiftTCEHost
import Glibc
import SwiftTCEEngine

// The standalone sPAPR PCI host bridge, reduced to its DMA windows (QEMU's
// spapr-pci-host-bridge with its dma_liobn[] tables): the engine's DDW logic
// (SwiftTCEEngine's DDW.swift) over standalone tables, hosted the way a
// QEMU-like emulator hosts it. A plain struct behind a pointer, like a table:
// `SpaprPhb *` in C.

struct SpaprPhbState {
    let config: SpaprPhbConfig
    let buid: UInt64
    /// dma_liobn[n]'s table; window 1 exists only with DDW, as in QEMU's
    /// realize, which creates one table per supported window.
    var windows = InlineArray<2, SpaprTable?>(repeating: nil)
    /// The engine's side of the PHB (nil only while spapr_phb_new builds it).
    var ddw: PHB?
    var listener: SpaprPhbWindowListener?
    var listenerOpaque: UnsafeMutableRawPointer?
    var next: SpaprPhbRef? = nil
}

/// A PHB, by its state pointer (the C handle).
struct SpaprPhbRef: Equatable {
    let state: UnsafeMutablePointer<SpaprPhbState>

    init(state: UnsafeMutablePointer<SpaprPhbState>) { self.state = state }

    init?(_ handle: UnsafePointer<SpaprPhb>?) {
        guard let handle else { return nil }
        // SAFETY: spapr_phb_new hands out only SpaprPhbState pointers.
        self.init(state: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: SpaprPhbState.self))
    }

    var handle: UnsafeMutablePointer<SpaprPhb> {
        UnsafeMutableRawPointer(state).assumingMemoryBound(to: SpaprPhb.self)
    }

    var ddw: PHB { state.pointee.ddw! }

    func window(_ n: Int) -> SpaprTable? {
        n >= 0 && n < maxWindows ? state.pointee.windows[n] : nil
    }

    /// The window number of a table of this PHB.
    func windowNumber(of table: SpaprTable) -> Int? {
        (0..<maxWindows).first { window($0) == table }
    }

    /// Tells the listener that a window appeared or goes.
    func announce(_ table: SpaprTable, added: Bool) {
        state.pointee.listener?(state.pointee.listenerOpaque, handle, table.handle, added)
    }
}

// MARK: - The engine's hooks for a standalone PHB

/// host_phb is the PHB's state. QEMU's spapr_tce_table_enable/disable, with
/// its memory listeners reduced to the PHB's window listener.
private let phbOps = SwiftTCEPhbOps(
    size: MemoryLayout<SwiftTCEPhbOps>.size,
    enable_window: { host, n, pageShift, busOffset, nbTable, creating in
        let phb = SpaprPhbRef(state: host!.assumingMemoryBound(to: SpaprPhbState.self))
        guard let table = phb.window(Int(n)) else { return }
        // A window being created is new and empty: a listener that attaches
        // while it is enabled must not walk billions of empty entries.
        if creating { table.fields.pointee.skippingReplay = true }
        if spapr_tce_table_enable(table.handle, pageShift, busOffset, nbTable, nil) == 0 {
            phb.announce(table, added: true)
        }
        if creating { table.fields.pointee.skippingReplay = false }
    },
    disable_window: { host, n in
        let phb = SpaprPhbRef(state: host!.assumingMemoryBound(to: SpaprPhbState.self))
        guard let table = phb.window(Int(n)), table.engine.nbTable != 0 else { return }
        // QEMU removes the region, and so the listeners' view of it, before
        // freeing the table.
        phb.announce(table, added: false)
        spapr_tce_table_disable(table.handle)
    },
    window_removed: { host, n in
        let phb = SpaprPhbRef(state: host!.assumingMemoryBound(to: SpaprPhbState.self))
        Trace.emit("spapr_iommu_ddw_remove liobn=0x\(hex(pciLIOBN(phb.state.pointee.config.index, Int(n))))")
    },
    // The lowest free window: the order QEMU 7.2's traces show.
    pick_free_window: nil)

// MARK: - Registry

extension SpaprPhbRef: RegistryNode {
    var next: SpaprPhbRef? {
        get { state.pointee.next }
        nonmutating set { state.pointee.next = newValue }
    }
}

/// Every live PHB, for the RTAS calls' BUID and LIOBN lookups.
nonisolated(unsafe) private var phbs = Registry<SpaprPhbRef>()

/// SPAPR_PCI_LIOBN(index, n): window n of PHB index.
func pciLIOBN(_ index: UInt32, _ n: Int) -> UInt32 {
    0x8000_0000 | index << 8 | UInt32(n)
}

/// QEMU's spapr_pci_find_phb.
func findPHB(buid: UInt64) -> SpaprPhbRef? {
    phbs.first { $0.state.pointee.buid == buid }
}

/// The PHB that owns a table (QEMU: the table's QOM parent), if any.
func findPHB(owning table: SpaprTable) -> SpaprPhbRef? {
    phbs.first { $0.windowNumber(of: table) != nil }
}

/// A table freed on its own: the PHB that had it as a window forgets it.
func forgetWindow(_ table: SpaprTable) {
    guard let phb = findPHB(owning: table), let n = phb.windowNumber(of: table) else { return }
    phb.state.pointee.windows[n] = nil
    phb.ddw.forgetWindow(n)
}

// MARK: - Lifecycle

@c @implementation
public func spapr_phb_config_default(_ cfg: UnsafeMutablePointer<SpaprPhbConfig>?, _ index: UInt32) {
    cfg?.pointee = SpaprPhbConfig(
        index: index,
        dma_win_addr: 0,
        dma_win_size: 0x4000_0000,
        dma64_win_addr: SPAPR_PCI_DMA64_START,
        // 4 KiB, 64 KiB, 2 MiB and 16 MiB pages, QEMU's default pgsz.
        pgsz: (1 << 12) | (1 << 16) | (1 << 21) | (1 << 24),
        ddw: true)
}

/// Why a configuration cannot make a PHB, or nil when it can (the engine
/// checks the default window).
private func configProblem(_ config: SpaprPhbConfig) -> String? {
    // QEMU's spapr_phb_placement: the PHBs' MMIO windows end at 64 TiB.
    if config.index >= SPAPR_MAX_PHBS {
        return "\"index\" for PAPR PHB is too large (max \(SPAPR_MAX_PHBS - 1))"
    }
    if findPHB(buid: SPAPR_PCI_BASE_BUID + UInt64(config.index)) != nil {
        return "PHB index \(config.index) exists already"
    }
    return nil
}

/// Frees a PHB's state and the tables made for it.
private func discard(_ phb: SpaprPhbRef) {
    for n in 0..<maxWindows {
        if let table = phb.window(n) {
            phb.state.pointee.windows[n] = nil
            spapr_tce_table_free(table.handle)
        }
    }
    phb.state.pointee.ddw?.destroy()
    phb.state.deinitialize(count: 1)
    phb.state.deallocate()
}

@c @implementation
public func spapr_phb_new(
    _ cfg: UnsafePointer<SpaprPhbConfig>?,
    _ errp: ErrorOut?
) -> UnsafeMutablePointer<SpaprPhb>? {
    guard let cfg else {
        setError(errp, "spapr_phb_new: the configuration is NULL")
        return nil
    }
    let config = cfg.pointee
    if let problem = configProblem(config) {
        setError(errp, "spapr_phb_new: \(problem)")
        return nil
    }
    let phb = SpaprPhbRef(state: UnsafeMutablePointer<SpaprPhbState>.allocate(capacity: 1))
    phb.state.initialize(to: SpaprPhbState(config: config, buid: SPAPR_PCI_BASE_BUID + UInt64(config.index)))
    let count = config.ddw ? maxWindows : 1
    var engineWindows: [TCETable] = []
    for n in 0..<count {
        let liobn = pciLIOBN(config.index, n)
        guard let table = SpaprTable(spapr_tce_new_table(UnsafeMutableRawPointer(phb.handle), liobn, errp)) else {
            discard(phb)
            return nil
        }
        phb.state.pointee.windows[n] = table
        engineWindows.append(table.engine)
    }
    let ddwConfig = SwiftTCEPhbConfig(
        dma_liobn: (pciLIOBN(config.index, 0), pciLIOBN(config.index, 1)),
        dma_win_addr: config.dma_win_addr, dma_win_size: config.dma_win_size,
        dma64_win_addr: config.dma64_win_addr, pgsz: config.pgsz, ddw: config.ddw)
    let made = withUnsafePointer(to: phbOps) { ops in
        PHB.create(config: ddwConfig, ops: ops, hostPHB: UnsafeMutableRawPointer(phb.state),
                   windows: engineWindows)
    }
    switch made {
    case .success(let ddw):
        phb.state.pointee.ddw = ddw
    case .failure(let error):
        setError(errp, "spapr_phb_new: \(error.message)")
        discard(phb)
        return nil
    }
    ddwReset(phb)
    phbs.add(phb)
    return phb.handle
}

/// QEMU's spapr_phb_dma_reset.
func ddwReset(_ phb: SpaprPhbRef) {
    phb.ddw.dmaReset()
}

@c @implementation
public func spapr_phb_free(_ handle: UnsafeMutablePointer<SpaprPhb>?) {
    guard let phb = SpaprPhbRef(handle) else { return }
    phbs.remove(phb)
    // The listener hears every window go, as QEMU's do when the PHB's
    // regions are removed.
    for n in 0..<maxWindows {
        if let table = phb.window(n), table.engine.nbTable != 0 {
            phb.announce(table, added: false)
        }
    }
    discard(phb)
}

@c @implementation
public func spapr_phb_reset(_ handle: UnsafeMutablePointer<SpaprPhb>?) {
    SpaprPhbRef(handle).map(ddwReset)
}

@c @implementation
public func spapr_phb_get_buid(_ handle: UnsafePointer<SpaprPhb>?) -> UInt64 {
    SpaprPhbRef(handle)?.state.pointee.buid ?? 0
}

@c @implementation
public func spapr_phb_get_window(_ handle: UnsafeMutablePointer<SpaprPhb>?, _ n: UInt32) -> UnsafeMutablePointer<SpaprTceTable>? {
    SpaprPhbRef(handle)?.window(Int(n))?.handle
}

@c @implementation
public func spapr_phb_set_window_listener(
    _ handle: UnsafeMutablePointer<SpaprPhb>?,
    _ fn: SpaprPhbWindowListener?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let phb = SpaprPhbRef(handle) else { return }
    phb.state.pointee.listener = fn
    phb.state.pointee.listenerOpaque = fn == nil ? nil : opaque
}
