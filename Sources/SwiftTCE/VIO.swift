import CSwiftTCE
import CSwiftTCEHost
import Glibc
import SwiftTCEEngine

// sPAPR VIO devices, reduced to their DMA (QEMU's hw/ppc/spapr_vio.c): a
// unit address, a table of its own (LIOBN = reg) that the hypercalls find
// like any other, and the bypass switch. A plain struct behind a pointer,
// like a PHB: `SpaprVioDevice *` in C.

struct SpaprVioState {
    let reg: UInt32
    let ramSize: UInt64
    /// nil for a device without DMA, or once its table was freed on its own.
    var table: SpaprTable?
    var next: SpaprVioRef? = nil
}

/// A device, by its state pointer (the C handle).
struct SpaprVioRef: Equatable {
    let state: UnsafeMutablePointer<SpaprVioState>

    init(state: UnsafeMutablePointer<SpaprVioState>) { self.state = state }

    init?(_ handle: UnsafePointer<SpaprVioDevice>?) {
        guard let handle else { return nil }
        // SAFETY: spapr_vio_device_new hands out only SpaprVioState pointers.
        self.init(state: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: SpaprVioState.self))
    }

    var handle: UnsafeMutablePointer<SpaprVioDevice> {
        UnsafeMutableRawPointer(state).assumingMemoryBound(to: SpaprVioDevice.self)
    }

    var table: SpaprTable? { state.pointee.table }
}

// MARK: - Registry

extension SpaprVioState: RegistryLinked {}
extension SpaprVioRef: RegistryNode {}

/// Every live device, for the RTAS calls (QEMU: the VIO bus's children).
nonisolated(unsafe) private var devices = Registry<SpaprVioRef>()

/// QEMU's spapr_vio_find_by_reg.
func findVIO(reg: UInt32) -> SpaprVioRef? {
    devices.first { $0.state.pointee.reg == reg }
}

/// A table freed on its own: its device forgets it (QEMU's dev->tcet).
func forgetVIOTable(_ table: SpaprTable) {
    table.vioDevice?.state.pointee.table = nil
    table.vioDevice = nil
}

// MARK: - Lifecycle

/// Why a configuration cannot make a device, or nil when it can.
private func configProblem(_ config: SpaprVioConfig) -> String? {
    let liobn = config.reg  // SPAPR_VIO_LIOBN(reg)
    if liobn & 0x8000_0000 != 0 {
        return "reg 0x\(hex(config.reg)) would give a PCI window's LIOBN"
    }
    if findVIO(reg: config.reg) != nil {
        return "reg 0x\(hex(config.reg)) is another device's"
    }
    let window = config.rtce_window_size
    if window & (SPAPR_TCE_PAGE_SIZE - 1) != 0 {
        return "a window of 0x\(hex(window)) bytes is not a whole number of 4 KiB pages"
    }
    if window >> SPAPR_TCE_PAGE_SHIFT > UInt64(UInt32.max) {
        return "a window of 0x\(hex(window)) bytes has more than 2^32 - 1 pages"
    }
    return nil
}

@c @implementation
public func spapr_vio_device_new(
    _ owner: UnsafeMutableRawPointer?,
    _ cfg: UnsafePointer<SpaprVioConfig>?,
    _ errp: ErrorOut?
) -> UnsafeMutablePointer<SpaprVioDevice>? {
    guard let cfg else {
        setError(errp, "spapr_vio_device_new: the configuration is NULL")
        return nil
    }
    let config = cfg.pointee
    if let problem = configProblem(config) {
        setError(errp, "spapr_vio_device_new: \(problem)")
        return nil
    }
    var table: SpaprTable?
    if config.rtce_window_size != 0 {
        guard let made = SpaprTable(spapr_tce_new_table(owner, config.reg, errp)) else { return nil }
        let pages = UInt32(config.rtce_window_size >> SPAPR_TCE_PAGE_SHIFT)
        guard spapr_tce_table_enable(made.handle, UInt32(SPAPR_TCE_PAGE_SHIFT), 0, pages, errp) == 0 else {
            spapr_tce_table_free(made.handle)
            return nil
        }
        table = made
    }
    let dev = SpaprVioRef(state: UnsafeMutablePointer<SpaprVioState>.allocate(capacity: 1))
    dev.state.initialize(to: SpaprVioState(reg: config.reg, ramSize: config.ram_size, table: table))
    table?.vioDevice = dev
    devices.add(dev)
    return dev.handle
}

@c @implementation
public func spapr_vio_device_free(_ handle: UnsafeMutablePointer<SpaprVioDevice>?) {
    guard let dev = SpaprVioRef(handle) else { return }
    devices.remove(dev)
    if let table = dev.table {
        spapr_tce_table_free(table.handle)
    }
    dev.state.deinitialize(count: 1)
    dev.state.deallocate()
}

@c @implementation
public func spapr_vio_find_by_reg(_ reg: UInt32) -> UnsafeMutablePointer<SpaprVioDevice>? {
    findVIO(reg: reg)?.handle
}

@c @implementation
public func spapr_vio_get_reg(_ handle: UnsafePointer<SpaprVioDevice>?) -> UInt32 {
    SpaprVioRef(handle)?.state.pointee.reg ?? 0
}

@c @implementation
public func spapr_vio_get_tce_table(_ handle: UnsafeMutablePointer<SpaprVioDevice>?) -> UnsafeMutablePointer<SpaprTceTable>? {
    SpaprVioRef(handle)?.table?.handle
}

// MARK: - Bypass and reset

@c @implementation
public func spapr_vio_set_bypass(_ handle: UnsafeMutablePointer<SpaprVioDevice>?, _ bypass: Bool) {
    SpaprVioRef(handle)?.table?.bypass = bypass
}

@c @implementation
public func spapr_vio_dma_translate(
    _ handle: UnsafeMutablePointer<SpaprVioDevice>?,
    _ addr: hwaddr,
    _ flag: IOMMUAccessFlags
) -> IOMMUTLBEntry {
    guard let dev = SpaprVioRef(handle), let table = dev.table else {
        return tlbEntry(SwiftTCEMapping.unmapped, nil)
    }
    guard table.bypass else {
        return swifttce_spapr_tce_translate(table.region, addr, flag, 0)
    }
    // QEMU's bypass alias: RAM from 0 to ram_size, mapped 1:1.
    let page = addr & ~(SPAPR_TCE_PAGE_SIZE - 1)
    let inRAM = addr < dev.state.pointee.ramSize
    return IOMMUTLBEntry(target_as: table.targetAS,
                         iova: inRAM ? page : 0, translated_addr: inRAM ? page : 0,
                         addr_mask: inRAM ? SPAPR_TCE_PAGE_SIZE - 1 : ~0,
                         perm: inRAM ? IOMMU_RW : IOMMU_NONE)
}

/// QEMU's spapr_vio_quiesce_one, for DMA: the table's device reset.
private func quiesce(_ dev: SpaprVioRef) {
    if let table = dev.table { spapr_tce_table_reset(table.handle) }
}

@c @implementation
public func spapr_vio_device_reset(_ handle: UnsafeMutablePointer<SpaprVioDevice>?) {
    guard let dev = SpaprVioRef(handle) else { return }
    quiesce(dev)
    spapr_vio_set_bypass(handle, false)
}

// MARK: - RTAS

@c @implementation
public func rtas_set_tce_bypass(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let call = RTASCall(nargs, args, nret, rets)
    guard nargs == 2, let reg = call.args[0], let enable = call.args[1],
          let dev = findVIO(reg: reg), dev.table != nil else { return call.refuse() }
    spapr_vio_set_bypass(dev.handle, enable != 0)
    call.succeed()
}

@c @implementation
public func rtas_quiesce(
    _ nargs: UInt32,
    _ args: UnsafePointer<UInt32>?,
    _ nret: UInt32,
    _ rets: UnsafeMutablePointer<UInt32>?
) {
    let call = RTASCall(nargs, args, nret, rets)
    guard nargs == 0 else { return call.refuse() }
    devices.forEach(quiesce)
    call.succeed()
}
