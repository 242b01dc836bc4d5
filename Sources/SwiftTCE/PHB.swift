import CSwiftTCE
import CSwiftTCEHost
import Glibc
import SwiftTCEEngine

// The standalone sPAPR PCI host bridge, reduced to its DMA windows (QEMU's
// spapr-pci-host-bridge with its dma_liobn[] tables): the engine's DDW logic
// (SwiftTCEEngine's DDW.swift) over standalone tables, hosted the way a
// QEMU-like emulator hosts it. A plain struct behind a pointer, like a table:
// `SpaprPhb *` in C.

/// @safe: the listener and its opaque are the caller's, handed back to it.
@safe struct SpaprPhbState {
    let config: SpaprPhbConfig
    let buid: UInt64
    /// The engine's side of the PHB: the DDW state, and the one list of its
    /// windows (dma_liobn[n]'s tables; window 1 exists only with DDW, as in
    /// QEMU's realize, which creates one table per supported window).
    let engine: PHB
    var listener: SpaprPhbWindowListener? = nil
    var listenerOpaque: UnsafeMutableRawPointer? = nil
    var next: SpaprPhbRef? = nil

    /// A new PHB's, with no listener yet.
    init(config: SpaprPhbConfig, buid: UInt64, engine: PHB) {
        self.config = config
        self.buid = buid
        self.engine = engine
    }
}

/// A PHB, by its state (the C handle).
typealias SpaprPhbRef = StateHandle<SpaprPhbState, SpaprPhb>

extension StateHandle where State == SpaprPhbState, CType == SpaprPhb {
    var config: SpaprPhbConfig { fields.config }
    var engine: PHB { fields.engine }
    var buid: UInt64 { fields.buid }

    /// spapr_phb_set_window_listener. @safe: fn and opaque are the caller's,
    /// kept to be handed back.
    @safe func setListener(_ fn: SpaprPhbWindowListener?, _ opaque: UnsafeMutableRawPointer?) {
        unsafe fields.listener = fn  // SAFETY: kept, called only by announce
        unsafe fields.listenerOpaque = fn == nil ? nil : opaque  // SAFETY: kept, handed back only
    }

    /// Window n's table: the engine's window, which is a standalone table.
    func window(_ n: Int) -> SpaprTable? {
        engine.window(n).map(SpaprTable.init(engine:))
    }

    /// The window number of a table of this PHB.
    func windowNumber(of table: SpaprTable) -> Int? {
        (0..<maxWindows).first { engine.window($0) == table.engine }
    }

    /// Tells the listener that a window appeared or goes.
    func announce(_ table: SpaprTable, added: Bool) {
        // SAFETY: the caller's listener, given its opaque, this PHB and its table.
        unsafe fields.listener?(fields.listenerOpaque, handle, table.handle, added)
    }
}

// MARK: - The engine's hooks for a standalone PHB

/// host_phb is the PHB's state (spapr_phb_new gives the engine that).
private func hostPHB(_ host: UnsafeMutableRawPointer?) -> SpaprPhbRef? {
    // SAFETY: the engine hands back what spapr_phb_new gave it, a SpaprPhbState.
    unsafe host.flatMap { unsafe SpaprPhbRef($0.assumingMemoryBound(to: SpaprPhb.self)) }
}

/// QEMU's spapr_tce_table_enable/disable, with its memory listeners reduced
/// to the PHB's window listener.
// SAFETY: C function pointers over the host_phb pointer, which hostPHB reads.
private let phbOps = unsafe SwiftTCEPhbOps(
    size: MemoryLayout<SwiftTCEPhbOps>.size,
    enable_window: { host, n, pageShift, busOffset, nbTable, creating in
        guard let phb = unsafe hostPHB(host), let table = phb.window(Int(n)) else { return }  // SAFETY: as above
        // A window being created is new and empty: a listener that attaches
        // while it is enabled must not walk billions of empty entries.
        if creating { table.skippingReplay = true }
        if table.enable(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable, nil) == 0 {
            phb.announce(table, added: true)
        }
        if creating { table.skippingReplay = false }
    },
    disable_window: { host, n in
        guard let phb = unsafe hostPHB(host), let table = phb.window(Int(n)),  // SAFETY: as above
              table.engine.nbTable != 0 else { return }
        // QEMU removes the region, and so the listeners' view of it, before
        // freeing the table.
        phb.announce(table, added: false)
        table.disable()
    },
    window_removed: { host, n in
        guard let phb = unsafe hostPHB(host) else { return }  // SAFETY: as above
        Trace.emit("spapr_iommu_ddw_remove liobn=0x\(hex(pciLIOBN(phb.config.index, Int(n))))")
    },
    // The lowest free window: the order QEMU 7.2's traces show.
    pick_free_window: nil)

// MARK: - Registry

extension SpaprPhbState: RegistryLinked {}

/// Every live PHB, for the RTAS calls' BUID and LIOBN lookups. Contract:
/// changed only by new and free, which the C caller serialises with every
/// call that looks a PHB up (Registry.swift).
nonisolated(unsafe) private var phbs = Registry<SpaprPhbRef>()

/// SPAPR_PCI_LIOBN(index, n): window n of PHB index.
func pciLIOBN(_ index: UInt32, _ n: Int) -> UInt32 {
    0x8000_0000 | index << 8 | UInt32(n)
}

/// QEMU's spapr_pci_find_phb.
func findPHB(buid: UInt64) -> SpaprPhbRef? {
    unsafe phbs.first { $0.buid == buid }  // SAFETY: the contract above
}

/// The PHB that owns a table (QEMU: the table's QOM parent), if any.
func findPHB(owning table: SpaprTable) -> SpaprPhbRef? {
    unsafe phbs.first { $0.windowNumber(of: table) != nil }  // SAFETY: as above
}

/// A table freed on its own: the PHB that had it as a window forgets it.
func forgetWindow(_ table: SpaprTable) {
    guard let phb = findPHB(owning: table), let n = phb.windowNumber(of: table) else { return }
    phb.engine.forgetWindow(n)
}

// MARK: - Lifecycle

@c @implementation
public func spapr_phb_config_default(_ cfg: UnsafeMutablePointer<SpaprPhbConfig>?, _ index: UInt32) {
    // SAFETY: a non-NULL cfg is the caller's struct (the C contract).
    unsafe cfg?.pointee = SpaprPhbConfig(
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

/// Frees a PHB's state and its windows' tables.
private func discard(_ phb: SpaprPhbRef) {
    for n in 0..<maxWindows {
        if let table = phb.window(n) {
            phb.engine.forgetWindow(n)
            table.free()
        }
    }
    phb.engine.destroy()
    phb.destroy()
}

@c @implementation
public func spapr_phb_new(
    _ cfg: UnsafePointer<SpaprPhbConfig>?,
    _ errp: ErrorOut?
) -> UnsafeMutablePointer<SpaprPhb>? {
    guard let config = checkedConfig(cfg, for: "spapr_phb_new", errp, configProblem) else { return nil }
    // The state's address first: it owns the tables and is the engine's
    // host_phb. It is initialised once the engine's PHB exists.
    let phb = SpaprPhbRef.allocate()
    var tables: [SpaprTable] = []
    func undo() {
        tables.forEach { $0.free() }
        phb.deallocateUninitialized()
    }
    for n in 0..<(config.ddw ? maxWindows : 1) {
        guard let table = SpaprTable.make(owner: UnsafeMutableRawPointer(phb.handle), liobn: pciLIOBN(config.index, n),
                                          errp) else {
            undo()
            return nil
        }
        tables.append(table)
    }
    let ddwConfig = SwiftTCEPhbConfig(
        dma_liobn: (pciLIOBN(config.index, 0), pciLIOBN(config.index, 1)),
        dma_win_addr: config.dma_win_addr, dma_win_size: config.dma_win_size,
        dma64_win_addr: config.dma64_win_addr, pgsz: config.pgsz, ddw: config.ddw)
    // SAFETY: the engine copies the ops; host_phb is the state, which outlives the engine's PHB.
    let made = unsafe withUnsafePointer(to: phbOps) { ops in
        // SAFETY: as above.
        unsafe PHB.create(config: ddwConfig, ops: ops, hostPHB: UnsafeMutableRawPointer(phb.handle),
                          windows: tables.map(\.engine))
    }
    guard case .success(let engine) = made else {
        if case .failure(let error) = made { setError(errp, "spapr_phb_new: \(error.message)") }
        undo()
        return nil
    }
    phb.initialize(to: SpaprPhbState(config: config, buid: SPAPR_PCI_BASE_BUID + UInt64(config.index),
                                     engine: engine))
    // QEMU's spapr_phb_dma_reset, as its realize's reset does.
    engine.dmaReset()
    unsafe phbs.add(phb)  // SAFETY: the registry's contract
    return phb.handle
}

@c @implementation
public func spapr_phb_free(_ handle: UnsafeMutablePointer<SpaprPhb>?) {
    guard let phb = SpaprPhbRef(handle) else { return }
    unsafe phbs.remove(phb)  // SAFETY: the registry's contract
    // The listener hears every window go, as QEMU's do when the PHB's
    // regions are removed.
    for n in 0..<maxWindows {
        if let table = phb.window(n), table.engine.nbTable != 0 {
            phb.announce(table, added: false)
        }
    }
    discard(phb)
}

/// QEMU's spapr_phb_reset: spapr_phb_dma_reset, the only reset a PHB's
/// DMA has.
@c @implementation
public func spapr_phb_reset(_ handle: UnsafeMutablePointer<SpaprPhb>?) {
    SpaprPhbRef(handle)?.engine.dmaReset()
}

@c @implementation
public func spapr_phb_get_buid(_ handle: UnsafePointer<SpaprPhb>?) -> UInt64 {
    SpaprPhbRef(handle)?.buid ?? 0
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
    SpaprPhbRef(handle)?.setListener(fn, opaque)
}
