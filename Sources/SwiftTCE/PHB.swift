import CSwiftTCE

// The sPAPR PCI host bridge, reduced to its DMA windows (QEMU's
// spapr-pci-host-bridge with its dma_liobn[] tables and spapr_phb_dma_reset).
// A plain struct behind a pointer, like a table: `SpaprPhb *` in C.

/// QEMU's SPAPR_PCI_DMA_MAX_WINDOWS.
let maxWindows = Int(SPAPR_PCI_DMA_MAX_WINDOWS)

struct PHBState {
    let config: SpaprPhbConfig
    let buid: UInt64
    /// dma_liobn[n]'s table; window 1 exists only with DDW, as in QEMU's
    /// realize, which creates one table per supported window.
    var windows: (Table?, Table?) = (nil, nil)
    /// QEMU's def_win per table: set by the enable that restores the
    /// default window, cleared by the enable of a created one.
    var defaultWindow: (Bool, Bool) = (false, false)
    var listener: SpaprPhbWindowListener?
    var listenerOpaque: UnsafeMutableRawPointer?
    var next: PHB?
}

typealias PHB = UnsafeMutablePointer<PHBState>

extension PHB {
    init?(_ phb: OpaquePointer?) {
        guard let phb else { return nil }
        self.init(phb)
    }

    func window(_ n: Int) -> Table? {
        switch n {
        case 0: return pointee.windows.0
        case 1: return pointee.windows.1
        default: return nil
        }
    }

    func setWindow(_ n: Int, _ table: Table?) {
        if n == 0 { pointee.windows.0 = table } else { pointee.windows.1 = table }
    }

    func isDefaultWindow(_ n: Int) -> Bool {
        n == 0 ? pointee.defaultWindow.0 : pointee.defaultWindow.1
    }

    func setDefaultWindow(_ n: Int, _ value: Bool) {
        if n == 0 { pointee.defaultWindow.0 = value } else { pointee.defaultWindow.1 = value }
    }

    /// The window number of a table of this PHB.
    func windowNumber(of table: Table) -> Int? {
        (0..<maxWindows).first { window($0) == table }
    }

    /// QEMU's spapr_phb_get_active_win_num: enabled windows.
    var activeWindows: Int {
        (0..<maxWindows).reduce(0) { count, n in
            count + (window(n).map { $0.pointee.nbTable != 0 ? 1 : 0 } ?? 0)
        }
    }

    /// QEMU's spapr_phb_get_free_liobn: the first window that is disabled.
    var firstFreeWindow: Int? {
        (0..<maxWindows).first { n in window(n).map { $0.pointee.nbTable == 0 } ?? false }
    }

    func announce(_ table: Table, added: Bool) {
        if let listener = pointee.listener {
            listener(pointee.listenerOpaque, OpaquePointer(self), OpaquePointer(table), added)
        }
    }

    /// Disables window n, telling the listener first (QEMU removes the
    /// region, and so the listeners' view of it, before freeing the table).
    func disableWindow(_ n: Int) {
        guard let table = window(n), table.pointee.nbTable != 0 else { return }
        announce(table, added: false)
        spapr_tce_table_disable(OpaquePointer(table))
    }

    /// QEMU's spapr_phb_dma_reset: every window off, the default one on.
    func dmaReset() {
        for n in 0..<maxWindows {
            disableWindow(n)
        }
        guard let table = window(0) else { return }
        let config = pointee.config
        // spapr_phb_new checked that this enable cannot be refused.
        let status = spapr_tce_table_enable(
            OpaquePointer(table), UInt32(SPAPR_TCE_PAGE_SHIFT), config.dma_win_addr,
            UInt32(truncatingIfNeeded: config.dma_win_size >> UInt64(SPAPR_TCE_PAGE_SHIFT)), nil)
        guard status == 0 else { return }
        setDefaultWindow(0, true)
        announce(table, added: true)
    }
}

// MARK: - Registry

/// Every live PHB, for the RTAS calls' BUID and LIOBN lookups. A pointer cell
/// rather than a global var, as for the tables: no exclusivity check on each
/// RTAS call. Changed only by new/free, which the caller serialises.
nonisolated(unsafe) private let phbRegistry: UnsafeMutablePointer<PHB?> = {
    let cell = UnsafeMutablePointer<PHB?>.allocate(capacity: 1)
    cell.initialize(to: nil)
    return cell
}()

/// QEMU's spapr_pci_find_phb.
func findPHB(buid: UInt64) -> PHB? {
    var cursor = phbRegistry.pointee
    while let phb = cursor {
        if phb.pointee.buid == buid { return phb }
        cursor = phb.pointee.next
    }
    return nil
}

/// The PHB that owns a table (QEMU: the table's QOM parent), if any.
func findPHB(owning table: Table) -> PHB? {
    var cursor = phbRegistry.pointee
    while let phb = cursor {
        if phb.windowNumber(of: table) != nil { return phb }
        cursor = phb.pointee.next
    }
    return nil
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

/// Why a configuration cannot make a PHB, or nil when it can.
private func configProblem(_ config: SpaprPhbConfig) -> String? {
    // LIOBN 0x80000000 | index << 8 | n must not lose bits of the index.
    if config.index >= 1 << 23 {
        return "index \(config.index) does not fit in a PCI LIOBN"
    }
    let pageSize = UInt64(SPAPR_TCE_PAGE_SIZE)
    let size = config.dma_win_size
    if size == 0 || size % pageSize != 0 || size / pageSize > UInt64(UInt32.max) {
        return "dma_win_size 0x\(String(size, radix: 16)) is not 1 to 2^32 pages of 4 KiB"
    }
    if config.dma_win_addr > UInt64.max - (size - 1) {
        return "the default window at 0x\(String(config.dma_win_addr, radix: 16)) passes 2^64"
    }
    if findPHB(buid: SPAPR_PCI_BASE_BUID + UInt64(config.index)) != nil {
        return "PHB index \(config.index) exists already"
    }
    return nil
}

@c @implementation
public func spapr_phb_new(
    _ cfg: UnsafePointer<SpaprPhbConfig>?,
    _ errp: UnsafeMutablePointer<OpaquePointer?>?
) -> OpaquePointer? {
    guard let cfg else {
        setError(errp, "spapr_phb_new: the configuration is NULL")
        return nil
    }
    let config = cfg.pointee
    if let problem = configProblem(config) {
        setError(errp, "spapr_phb_new: \(problem)")
        return nil
    }
    let phb = PHB.allocate(capacity: 1)
    phb.initialize(to: PHBState(config: config, buid: SPAPR_PCI_BASE_BUID + UInt64(config.index)))
    let windows = config.ddw ? maxWindows : 1
    for n in 0..<windows {
        let liobn = 0x8000_0000 | config.index << 8 | UInt32(n)
        guard let table = Table(spapr_tce_new_table(UnsafeMutableRawPointer(phb), liobn, errp)) else {
            for made in 0..<n {
                spapr_tce_table_free(OpaquePointer(phb.window(made)))
            }
            phb.deinitialize(count: 1)
            phb.deallocate()
            return nil
        }
        phb.setWindow(n, table)
    }
    phb.dmaReset()
    phb.pointee.next = phbRegistry.pointee
    phbRegistry.pointee = phb
    return OpaquePointer(phb)
}

@c @implementation
public func spapr_phb_free(_ phb: OpaquePointer?) {
    guard let phb = PHB(phb) else { return }
    var link = phbRegistry
    while let current = link.pointee {
        if current == phb {
            link.pointee = phb.pointee.next
            break
        }
        link = withUnsafeMutablePointer(to: &current.pointee.next) { $0 }
    }
    for n in 0..<maxWindows {
        phb.disableWindow(n)
        if let table = phb.window(n) {
            spapr_tce_table_free(OpaquePointer(table))
        }
    }
    phb.deinitialize(count: 1)
    phb.deallocate()
}

@c @implementation
public func spapr_phb_reset(_ phb: OpaquePointer?) {
    PHB(phb)?.dmaReset()
}

@c @implementation
public func spapr_phb_get_buid(_ phb: OpaquePointer?) -> UInt64 {
    PHB(phb)?.pointee.buid ?? 0
}

@c @implementation
public func spapr_phb_get_window(_ phb: OpaquePointer?, _ n: UInt32) -> OpaquePointer? {
    guard let phb = PHB(phb), n < UInt32(maxWindows) else { return nil }
    return phb.window(Int(n)).map(OpaquePointer.init)
}

@c @implementation
public func spapr_phb_set_window_listener(
    _ phb: OpaquePointer?,
    _ fn: SpaprPhbWindowListener?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let phb = PHB(phb) else { return }
    phb.pointee.listener = fn
    phb.pointee.listenerOpaque = fn == nil ? nil : opaque
}
