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

/// A device, by its state (the C handle).
typealias SpaprVioRef = StateHandle<SpaprVioState, SpaprVioDevice>

extension StateHandle where State == SpaprVioState, CType == SpaprVioDevice {
    var reg: UInt32 { fields.reg }
    var ramSize: UInt64 { fields.ramSize }

    var table: SpaprTable? {
        get { fields.table }
        nonmutating set { fields.table = newValue }
    }
}

// MARK: - Registry

extension SpaprVioState: RegistryLinked {}

/// Every live device, for the RTAS calls (QEMU: the VIO bus's children).
/// Contract: changed only by new and free, which the C caller serialises
/// with every call that looks a device up (Registry.swift).
nonisolated(unsafe) private var devices = Registry<SpaprVioRef>()

/// QEMU's spapr_vio_find_by_reg.
func findVIO(reg: UInt32) -> SpaprVioRef? {
    unsafe devices.first { $0.reg == reg }  // SAFETY: the contract above
}

/// A table freed on its own: its device forgets it (QEMU's dev->tcet).
func forgetVIOTable(_ table: SpaprTable) {
    table.vioDevice?.table = nil
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
    guard let config = checkedConfig(cfg, for: "spapr_vio_device_new", errp, configProblem) else { return nil }
    var table: SpaprTable?
    if config.rtce_window_size != 0 {
        guard let made = SpaprTable.make(owner: owner, liobn: config.reg, errp) else { return nil }
        let pages = UInt32(config.rtce_window_size >> SPAPR_TCE_PAGE_SHIFT)
        guard made.enable(pageShift: UInt32(SPAPR_TCE_PAGE_SHIFT), busOffset: 0, nbTable: pages, errp) == 0 else {
            made.free()
            return nil
        }
        table = made
    }
    let dev = SpaprVioRef.allocate()
    dev.initialize(to: SpaprVioState(reg: config.reg, ramSize: config.ram_size, table: table))
    table?.vioDevice = dev
    unsafe devices.add(dev)  // SAFETY: the registry's contract
    return dev.handle
}

@c @implementation
public func spapr_vio_device_free(_ handle: UnsafeMutablePointer<SpaprVioDevice>?) {
    guard let dev = SpaprVioRef(handle) else { return }
    unsafe devices.remove(dev)  // SAFETY: the registry's contract
    dev.table?.free()
    dev.destroy()
}

@c @implementation
public func spapr_vio_find_by_reg(_ reg: UInt32) -> UnsafeMutablePointer<SpaprVioDevice>? {
    findVIO(reg: reg)?.handle
}

@c @implementation
public func spapr_vio_get_reg(_ handle: UnsafePointer<SpaprVioDevice>?) -> UInt32 {
    SpaprVioRef(handle)?.reg ?? 0
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
        // SAFETY: the table's own region.
        return unsafe swifttce_spapr_tce_translate(table.mr.pointer, addr, flag, 0)
    }
    // QEMU's bypass alias: RAM from 0 to ram_size, mapped 1:1.
    let page = addr & ~(SPAPR_TCE_PAGE_SIZE - 1)
    let inRAM = addr < dev.ramSize
    // SAFETY: an entry is a value; its target_as is handed on, never read.
    return unsafe IOMMUTLBEntry(target_as: table.targetAS,
                         iova: inRAM ? page : 0, translated_addr: inRAM ? page : 0,
                         addr_mask: inRAM ? SPAPR_TCE_PAGE_SIZE - 1 : ~0,
                         perm: inRAM ? IOMMU_RW : IOMMU_NONE)
}

/// QEMU's spapr_vio_quiesce_one, for DMA: the table's device reset.
private func quiesce(_ dev: SpaprVioRef) {
    dev.table?.engine.reset()
}

@c @implementation
public func spapr_vio_device_reset(_ handle: UnsafeMutablePointer<SpaprVioDevice>?) {
    guard let dev = SpaprVioRef(handle) else { return }
    quiesce(dev)
    dev.table?.bypass = false
}

// MARK: - RTAS

@c @implementation
public func rtas_set_tce_bypass(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    let call = RTASCall(nargs, args, nret, rets)
    guard nargs == 2, let reg = call.args[0], let enable = call.args[1],
          let table = findVIO(reg: reg)?.table else { return call.refuse() }
    table.bypass = enable != 0
    call.succeed()
}

@c @implementation
public func rtas_quiesce(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
    let call = RTASCall(nargs, args, nret, rets)
    guard nargs == 0 else { return call.refuse() }
    unsafe devices.forEach(quiesce)  // SAFETY: the registry's contract
    call.succeed()
}
