import CSwiftTCE
import CSwiftTCEHost
import Glibc
import SwiftTCEEngine
import Synchronization

// The standalone SpaprTceTable: an engine table (SwiftTCEEngine) hosted the
// way a QEMU-like emulator hosts one, with this library's own IOMMU region,
// LIOBN registry and Error. One block holds the region, the state below and
// the engine's state (in the engine table's prefix), so translate reaches
// the table at a fixed offset from its region (QEMU's container_of).

/// The standalone layer's part of a table, after its region.
struct SpaprTableState {
    let liobn: UInt32
    let owner: UnsafeMutableRawPointer?
    let name: UnsafeMutablePointer<CChar>
    var needVFIO = false
    var skippingReplay = false
    /// The VIO device whose table this is (QEMU's tcet->vdev).
    var vioDevice: SpaprVioRef? = nil
    /// The next table in the registry.
    var next: SpaprTable? = nil
}

/// A standalone table, by its block: the region first, so that the block,
/// the region and the C handle are one pointer. The block:
///
///   [IOMMUMemoryRegion][SpaprTableState][bypass: Atomic<Bool>][engine's]
///
/// The bypass flag has a slot of its own: atomics are not copyable, and the
/// state is (RegistryNode reads its link).
struct SpaprTable: Equatable {
    let region: UnsafeMutablePointer<IOMMUMemoryRegion>

    private static func aligned(_ offset: Int, _ alignment: Int) -> Int {
        (offset + alignment - 1) & ~(alignment - 1)
    }
    private static let stateOffset =
        aligned(MemoryLayout<IOMMUMemoryRegion>.stride, MemoryLayout<SpaprTableState>.alignment)
    private static let bypassOffset =
        aligned(stateOffset + MemoryLayout<SpaprTableState>.stride, MemoryLayout<Atomic<Bool>>.alignment)
    /// The engine table's prefix: the region, the state and the bypass flag.
    static let prefixBytes = bypassOffset + MemoryLayout<Atomic<Bool>>.stride

    init(block region: UnsafeMutablePointer<IOMMUMemoryRegion>) { self.region = region }

    /// The table behind a C handle.
    init?(_ handle: UnsafePointer<SpaprTceTable>?) {
        guard let handle else { return nil }
        // SAFETY: spapr_tce_new_table hands out only block pointers.
        self.init(block: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: IOMMUMemoryRegion.self))
    }

    /// The standalone table an engine table is the engine side of (every
    /// engine table this layer meets is one it made).
    init(engine: TCETable) {
        self.init(block: engine.prefix.assumingMemoryBound(to: IOMMUMemoryRegion.self))
    }

    /// The table behind one of its regions; nil for any other region.
    init?(region: UnsafeMutablePointer<IOMMUMemoryRegion>?) {
        guard let region, region.pointee.ops == swifttce_spapr_tce_ops() else { return nil }
        self.init(block: region)
    }

    /// A new table's block (the engine's prefix, zeroed): its state and
    /// bypass flag made.
    static func initialize(block region: UnsafeMutablePointer<IOMMUMemoryRegion>, _ state: SpaprTableState) {
        (UnsafeMutableRawPointer(region) + stateOffset).bindMemory(to: SpaprTableState.self, capacity: 1)
            .initialize(to: state)
        (UnsafeMutableRawPointer(region) + bypassOffset).bindMemory(to: Atomic<Bool>.self, capacity: 1)
            .initialize(to: Atomic(false))
    }

    var handle: UnsafeMutablePointer<SpaprTceTable> {
        UnsafeMutableRawPointer(region).assumingMemoryBound(to: SpaprTceTable.self)
    }

    var state: UnsafeMutablePointer<SpaprTableState> {
        (UnsafeMutableRawPointer(region) + SpaprTable.stateOffset).assumingMemoryBound(to: SpaprTableState.self)
    }

    @inline(__always)
    var engine: TCETable { TCETable(prefix: UnsafeMutableRawPointer(region), prefixBytes: SpaprTable.prefixBytes) }

    var liobn: UInt32 { state.pointee.liobn }

    /// QEMU's tcet->bypass (spapr_vio_set_bypass), migrated with the table;
    /// atomic, as the VIO device's DMA reads it from any thread.
    var bypass: Bool {
        get { bypassFlag.pointee.load(ordering: .relaxed) }
        nonmutating set { bypassFlag.pointee.store(newValue, ordering: .relaxed) }
    }

    private var bypassFlag: UnsafeMutablePointer<Atomic<Bool>> {
        (UnsafeMutableRawPointer(region) + SpaprTable.bypassOffset).assumingMemoryBound(to: Atomic<Bool>.self)
    }

    /// QEMU's need_vfio: whether an IOMMU notifier is registered.
    var needVFIO: Bool {
        get { state.pointee.needVFIO }
        nonmutating set { state.pointee.needVFIO = newValue }
    }

    /// Whether replay skips the table (a window being created: empty, and
    /// perhaps vast).
    var skippingReplay: Bool {
        get { state.pointee.skippingReplay }
        nonmutating set { state.pointee.skippingReplay = newValue }
    }

    var vioDevice: SpaprVioRef? {
        get { state.pointee.vioDevice }
        nonmutating set { state.pointee.vioDevice = newValue }
    }

    /// The entries' target_as (spapr_tce_set_target_as), kept as the engine
    /// table's reader context.
    @inline(__always)
    var targetAS: OpaquePointer? { engine.readerContext.map(OpaquePointer.init) }
}

// MARK: - The engine's hooks for a standalone table

/// The host side of every standalone table: its host_table is the block,
/// guest is a SpaprGuestMemory, errp an Error **; no defer_free, so the
/// engine tracks readers itself.
private let hostOps = SwiftTCEHostOps(
    size: MemoryLayout<SwiftTCEHostOps>.size,
    notify: { block, mapping in
        guard let block, let mapping else { return }
        let table = SpaprTable(block: block.assumingMemoryBound(to: IOMMUMemoryRegion.self))
        let entry = tlbEntry(mapping.pointee, table.targetAS)
        let type = entry.perm == IOMMU_NONE ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP
        notifyRegion(table.region, iommuIndex: 0, IOMMUTLBEvent(type: type, entry: entry))
    },
    read_guest: { guest, gpa, buf, len in
        guard let mem = guest?.assumingMemoryBound(to: SpaprGuestMemory.self),
              let read = mem.pointee.read else { return false }
        return read(mem.pointee.opaque, gpa, buf, len)
    },
    defer_free: nil,
    set_error: { errp, message in
        guard let message else { return }
        setError(errp?.assumingMemoryBound(to: UnsafeMutablePointer<CError>?.self), String(cString: message))
    })

/// An engine mapping as QEMU's IOMMUTLBEntry into target.
@inline(__always)
func tlbEntry(_ m: SwiftTCEMapping, _ target: OpaquePointer?) -> IOMMUTLBEntry {
    IOMMUTLBEntry(target_as: target, iova: m.iova, translated_addr: m.translated_addr,
                  addr_mask: m.addr_mask, perm: IOMMUAccessFlags(rawValue: m.perm))
}

// MARK: - Registry

extension SpaprTableState: RegistryLinked {}
extension SpaprTable: RegistryNode {}

/// Every live table (QEMU's spapr_tce_tables). A constant initial value is
/// laid out statically: no lazy initialisation on the hypercall path.
nonisolated(unsafe) private var tables = Registry<SpaprTable>()

func findTable(liobn: UInt32) -> SpaprTable? {
    tables.first { $0.liobn == liobn }
}

func forEachTable(_ body: (SpaprTable) -> Void) {
    tables.forEach(body)
}

// MARK: - Lifecycle

@c @implementation
public func spapr_tce_new_table(
    _ owner: UnsafeMutableRawPointer?,
    _ liobn: UInt32,
    _ errp: ErrorOut?
) -> UnsafeMutablePointer<SpaprTceTable>? {
    if findTable(liobn: liobn) != nil {
        setError(errp, "spapr_tce_new_table: LIOBN 0x\(String(liobn, radix: 16)) is in use")
        return nil
    }
    let name = strdup("tce-iommu-\(String(liobn, radix: 16))")
    guard let name, let engine = withUnsafePointer(to: hostOps, {
        TCETable.create(ops: $0, hostTable: nil, prefixBytes: SpaprTable.prefixBytes)
    }) else {
        free(name)
        setError(errp, "spapr_tce_new_table: out of memory")
        return nil
    }
    let table = SpaprTable(engine: engine)
    SpaprTable.initialize(block: table.region, SpaprTableState(liobn: liobn, owner: owner, name: name))
    _ = memory_region_init_iommu(table.region, swifttce_spapr_tce_ops(), table.region, name, 0, nil)
    // No notifier yet: the engine need not report writes (notify_flag_changed).
    engine.setNotify(false)
    if Trace.on { engine.setFastReads(false) }
    tables.add(table)
    return table.handle
}

@c @implementation
public func spapr_tce_table_enable(
    _ tcet: UnsafeMutablePointer<SpaprTceTable>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ errp: ErrorOut?
) -> Int32 {
    guard let table = SpaprTable(tcet) else {
        setError(errp, "spapr_tce_table_enable: the table is NULL")
        return statusInvalid
    }
    if let error = table.engine.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table) {
        setError(errp, "spapr_tce_table_enable: LIOBN 0x\(String(table.liobn, radix: 16)): \(error.message)")
        return error.status
    }
    table.syncRegionSize()
    traceNewTable(table)
    return 0
}

/// QEMU's spapr_tce_alloc_table traces the table it allocates, which every
/// enable does (no KVM here: fd -1).
func traceNewTable(_ table: SpaprTable) {
    Trace.emit("spapr_iommu_new_table liobn=0x\(hex(table.liobn)) table=0x\(hex(UInt(bitPattern: table.region))) fd=-1")
}

extension SpaprTable {
    /// QEMU sizes the region nb_table << page_shift on enable, 0 on disable.
    func syncRegionSize() {
        let geometry = engine.geometry
        memory_region_set_size(region, UInt64(geometry.nbTable) << UInt64(geometry.pageShift))
    }
}

@c @implementation
public func spapr_tce_table_disable(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    guard let table = SpaprTable(tcet), table.engine.nbTable != 0 else { return }
    memory_region_set_size(table.region, 0)
    table.engine.disable()
}

@c @implementation
public func spapr_tce_table_reset(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    SpaprTable(tcet)?.engine.reset()
}

@c @implementation
public func spapr_tce_table_free(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    guard let table = SpaprTable(tcet) else { return }
    spapr_tce_table_disable(tcet)
    // A PHB's window freed on its own: the PHB forgets it rather than keep
    // a dangling pointer (it then has one window fewer).
    forgetWindow(table)
    forgetVIOTable(table)
    // Notifiers still registered leave, so that they can be registered again.
    dropNotifiers(table.region)
    tables.remove(table)
    free(table.state.pointee.name)
    // The block goes after the grace period: a racing translate reads it.
    table.engine.destroy()
}

// MARK: - Lookup and properties

@c @implementation
public func spapr_tce_find_by_liobn(_ liobn: UInt32) -> UnsafeMutablePointer<SpaprTceTable>? {
    findTable(liobn: liobn)?.handle
}

@c @implementation
public func spapr_tce_get_iommu_mr(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) -> UnsafeMutablePointer<IOMMUMemoryRegion>? {
    SpaprTable(tcet)?.region
}

@c @implementation
public func spapr_tce_set_target_as(_ tcet: UnsafeMutablePointer<SpaprTceTable>?, _ target_as: OpaquePointer?) {
    SpaprTable(tcet)?.engine.readerContext = target_as.map(UnsafeMutableRawPointer.init)
}

@c @implementation
public func spapr_tce_get_target_as(_ tcet: UnsafePointer<SpaprTceTable>?) -> OpaquePointer? {
    SpaprTable(tcet)?.targetAS
}

@c @implementation
public func spapr_tce_get_bypass(_ tcet: UnsafePointer<SpaprTceTable>?) -> Bool {
    SpaprTable(tcet)?.bypass ?? false
}

@c @implementation
public func spapr_tce_get_owner(_ tcet: UnsafePointer<SpaprTceTable>?) -> UnsafeMutableRawPointer? {
    SpaprTable(tcet)?.state.pointee.owner
}

@c @implementation
public func spapr_tce_get_liobn(_ tcet: UnsafePointer<SpaprTceTable>?) -> UInt32 {
    SpaprTable(tcet)?.liobn ?? 0
}

@c @implementation
public func spapr_tce_get_page_shift(_ tcet: UnsafePointer<SpaprTceTable>?) -> UInt32 {
    SpaprTable(tcet)?.engine.pageShift ?? 0
}

@c @implementation
public func spapr_tce_get_bus_offset(_ tcet: UnsafePointer<SpaprTceTable>?) -> UInt64 {
    SpaprTable(tcet)?.engine.busOffset ?? 0
}

@c @implementation
public func spapr_tce_get_nb_table(_ tcet: UnsafePointer<SpaprTceTable>?) -> UInt32 {
    SpaprTable(tcet)?.engine.nbTable ?? 0
}

@c @implementation
public func spapr_tce_get_need_vfio(_ tcet: UnsafePointer<SpaprTceTable>?) -> Bool {
    SpaprTable(tcet)?.needVFIO ?? false
}

@c @implementation
public func spapr_tce_set_need_vfio(_ tcet: UnsafeMutablePointer<SpaprTceTable>?, _ need_vfio: Bool) {
    SpaprTable(tcet)?.needVFIO = need_vfio
}

@c @implementation
public func spapr_tce_set_skipping_replay(_ tcet: UnsafeMutablePointer<SpaprTceTable>?, _ skipping: Bool) {
    SpaprTable(tcet)?.skippingReplay = skipping
}

@c @implementation
public func spapr_tce_get_skipping_replay(_ tcet: UnsafePointer<SpaprTceTable>?) -> Bool {
    SpaprTable(tcet)?.skippingReplay ?? false
}

@c @implementation
public func spapr_tce_table_storage_bytes(_ tcet: UnsafePointer<SpaprTceTable>?) -> Int {
    SpaprTable(tcet)?.engine.storageBytes ?? 0
}
