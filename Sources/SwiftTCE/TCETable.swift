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

/// The standalone layer's part of a table, after its region. @safe: it only
/// holds its pointers (the owner is handed back, never read; the name is
/// the table's, freed with it).
@safe struct SpaprTableState {
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
///
/// @safe by the C contract: a handle or region handed in is a live table's
/// (from spapr_tce_new_table until spapr_tce_table_free; a translate racing
/// the free, until the grace period after it), or translate's zero region.
@safe struct SpaprTable: Equatable {
    let mr: Region

    private static func aligned(_ offset: Int, _ alignment: Int) -> Int {
        (offset + alignment - 1) & ~(alignment - 1)
    }
    // SAFETY: a size, of a type with pointer fields.
    private static let stateOffset = unsafe aligned(MemoryLayout<IOMMUMemoryRegion>.stride,
                                                    MemoryLayout<SpaprTableState>.alignment)
    private static let bypassOffset =
        aligned(stateOffset + MemoryLayout<SpaprTableState>.stride, MemoryLayout<Atomic<Bool>>.alignment)
    /// The engine table's prefix: the region, the state and the bypass flag.
    static let prefixBytes = bypassOffset + MemoryLayout<Atomic<Bool>>.stride

    @inline(__always)
    init(block: Region) { self.mr = block }

    /// The table behind a C handle.
    @safe init?(_ handle: UnsafeMutablePointer<SpaprTceTable>?) {
        self.init(unsafe UnsafePointer(handle))  // SAFETY: the same handle, read-only
    }

    /// The table behind a C handle.
    @safe init?(_ handle: UnsafePointer<SpaprTceTable>?) {
        guard let handle = unsafe handle else { return nil }  // SAFETY: the contract above
        // SAFETY: spapr_tce_new_table hands out only blocks, whose first member is the region.
        let block = unsafe UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: IOMMUMemoryRegion.self)
        self.init(block: Region(block))
    }

    /// The standalone table an engine table is the engine side of (every
    /// engine table this layer meets is one it made).
    init(engine: TCETable) {
        // SAFETY: the engine's prefix is the block spapr_tce_new_table laid out.
        self.init(block: Region(unsafe engine.prefix.assumingMemoryBound(to: IOMMUMemoryRegion.self)))
    }

    /// The table behind one of its regions; nil for any other region.
    init?(region: Region?) {
        // Only spapr_tce_iommu_ops's regions are tables' (the ops table is the library's).
        // SAFETY: the table's address, compared only.
        guard let region, region.hasOps(unsafe swifttce_spapr_tce_ops()) else { return nil }
        self.init(block: region)
    }

    /// The block, as bytes.
    private var block: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(mr.pointer)  // the region is the block's start
    }

    /// A new table's block (the engine's prefix, zeroed): its state and
    /// bypass flag made.
    func initialize(_ state: SpaprTableState) {
        // SAFETY: the block's state slot, laid out above, not yet bound.
        unsafe (block + SpaprTable.stateOffset).bindMemory(to: SpaprTableState.self, capacity: 1)
            .initialize(to: state)
        // SAFETY: as above, its bypass slot.
        unsafe (block + SpaprTable.bypassOffset).bindMemory(to: Atomic<Bool>.self, capacity: 1)
            .initialize(to: Atomic(false))
    }

    /// The C handle: the block. @safe: handed back to C, not read here.
    @safe var handle: UnsafeMutablePointer<SpaprTceTable> {
        unsafe block.assumingMemoryBound(to: SpaprTceTable.self)  // SAFETY: C sees the type opaque
    }

    /// The state, for the registry's link (RegistryNode).
    var state: UnsafeMutablePointer<SpaprTableState> {
        // SAFETY: initialize bound the state slot.
        unsafe (block + SpaprTable.stateOffset).assumingMemoryBound(to: SpaprTableState.self)
    }

    @inline(__always)
    var engine: TCETable {
        // SAFETY: the block is the engine table's prefix (spapr_tce_new_table).
        unsafe TCETable(prefix: block, prefixBytes: SpaprTable.prefixBytes)
    }

    var liobn: UInt32 { unsafe state.pointee.liobn }  // SAFETY: a live table's state
    /// The owner given to spapr_tce_new_table. @safe: handed back, never read.
    @safe var owner: UnsafeMutableRawPointer? { unsafe state.pointee.owner }  // SAFETY: as above

    /// QEMU's tcet->bypass (spapr_vio_set_bypass), migrated with the table;
    /// atomic, as the VIO device's DMA reads it from any thread.
    var bypass: Bool {
        get { unsafe bypassFlag.pointee.load(ordering: .relaxed) }  // SAFETY: a live table's flag
        nonmutating set { unsafe bypassFlag.pointee.store(newValue, ordering: .relaxed) }  // SAFETY: as above
    }

    private var bypassFlag: UnsafeMutablePointer<Atomic<Bool>> {
        // SAFETY: initialize bound the bypass slot.
        unsafe (block + SpaprTable.bypassOffset).assumingMemoryBound(to: Atomic<Bool>.self)
    }

    /// QEMU's need_vfio: whether an IOMMU notifier is registered.
    var needVFIO: Bool {
        get { unsafe state.pointee.needVFIO }  // SAFETY: a live table's state
        nonmutating set { unsafe state.pointee.needVFIO = newValue }  // SAFETY: as above
    }

    /// Whether replay skips the table (a window being created: empty, and
    /// perhaps vast).
    var skippingReplay: Bool {
        get { unsafe state.pointee.skippingReplay }  // SAFETY: as above
        nonmutating set { unsafe state.pointee.skippingReplay = newValue }  // SAFETY: as above
    }

    var vioDevice: SpaprVioRef? {
        get { unsafe state.pointee.vioDevice }  // SAFETY: as above
        nonmutating set { unsafe state.pointee.vioDevice = newValue }  // SAFETY: as above
    }

    /// The entries' target_as (spapr_tce_set_target_as), kept as the engine
    /// table's reader context. @safe: handed on in entries, never read.
    @inline(__always) @safe
    var targetAS: OpaquePointer? {
        get { unsafe engine.readerContext.map { OpaquePointer($0) } }  // SAFETY: as above
        nonmutating set { unsafe engine.readerContext = newValue.map { unsafe UnsafeMutableRawPointer($0) } }  // SAFETY: as above
    }
}

// MARK: - The engine's hooks for a standalone table

/// The host side of every standalone table: its host_table is the block,
/// guest is a SpaprGuestMemory, errp an Error **; no defer_free, so the
/// engine tracks readers itself. The engine calls each with what this
/// layer gave it (the SAFETY notes below).
// SAFETY: C function pointers over pointers, each safe as its note says.
private let hostOps = unsafe SwiftTCEHostOps(
    size: MemoryLayout<SwiftTCEHostOps>.size,
    notify: { block, mapping in
        // SAFETY: host_table is a table's block; mapping the engine's, for the call.
        guard let block = unsafe block, let mapping = unsafe mapping?.pointee else { return }
        // SAFETY: as above.
        let table = SpaprTable(block: Region(unsafe block.assumingMemoryBound(to: IOMMUMemoryRegion.self)))
        let type = mapping.perm == IOMMU_NONE.rawValue ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP
        // SAFETY: the event is a value; its target_as is passed on, never read.
        notifyRegion(table.mr, iommuIndex: 0, unsafe IOMMUTLBEvent(type: type, entry: tlbEntry(mapping, table.targetAS)))
    },
    read_guest: { guest, gpa, buf, len in
        // SAFETY: guest is the SpaprGuestMemory a hypercall was given; buf the engine's, of len bytes.
        guard let mem = unsafe guest?.assumingMemoryBound(to: SpaprGuestMemory.self).pointee,
              let read = unsafe mem.read else { return false }  // SAFETY: as above
        // SAFETY: as above: the caller's reader, with its opaque.
        return unsafe read(mem.opaque, gpa, buf, len)
    },
    defer_free: nil,
    set_error: { errp, message in
        // SAFETY: message is a C string for the call.
        guard let message = unsafe message else { return }
        // SAFETY: errp is what this layer passed the engine: NULL or an Error **.
        setError(unsafe errp?.assumingMemoryBound(to: UnsafeMutablePointer<CError>?.self),
                 unsafe String(cString: message))  // SAFETY: as above
    },
    notify_range: { block, first, count, stride in
        // SAFETY: host_table is a table's block; first the engine's, for the call.
        guard let block = unsafe block, let first = unsafe first?.pointee else { return }
        // SAFETY: as above.
        let table = SpaprTable(block: Region(unsafe block.assumingMemoryBound(to: IOMMUMemoryRegion.self)))
        notifyRun(table, Run(first: first, count: count, stride: stride))
    })

/// An engine mapping as QEMU's IOMMUTLBEntry into target. @safe: target is
/// passed on, never read.
@inline(__always) @safe
func tlbEntry(_ m: SwiftTCEMapping, _ target: OpaquePointer?) -> IOMMUTLBEntry {
    // SAFETY: as above.
    unsafe IOMMUTLBEntry(target_as: target, iova: m.iova, translated_addr: m.translated_addr,
                         addr_mask: m.addr_mask, perm: IOMMUAccessFlags(rawValue: m.perm))
}

// MARK: - Registry

extension SpaprTableState: RegistryLinked {}
extension SpaprTable: RegistryNode {}

/// Every live table (QEMU's spapr_tce_tables). A constant initial value is
/// laid out statically: no lazy initialisation on the hypercall path.
/// Contract: changed only by new and free, which the C caller serialises
/// with every call that looks a table up (Registry.swift).
nonisolated(unsafe) private var tables = Registry<SpaprTable>()

func findTable(liobn: UInt32) -> SpaprTable? {
    unsafe tables.first { $0.liobn == liobn }  // SAFETY: the contract above
}

func forEachTable(_ body: (SpaprTable) -> Void) {
    unsafe tables.forEach(body)  // SAFETY: as above
}

// MARK: - Lifecycle

extension SpaprTable {
    /// The table behind tcet, or nil with "call: the table is NULL" in errp.
    /// @safe: errp is NULL or an Error ** (the C contract).
    @safe init?(_ tcet: UnsafeMutablePointer<SpaprTceTable>?, for call: String, _ errp: ErrorOut?) {
        guard let table = SpaprTable(tcet) else {
            setError(errp, "\(call): the table is NULL")
            return nil
        }
        self = table
    }

    /// spapr_tce_new_table: a new, disabled table. @safe: owner is handed
    /// back, never read; errp is NULL or an Error ** (the C contract).
    @safe static func make(owner: UnsafeMutableRawPointer?, liobn: UInt32, _ errp: ErrorOut?) -> SpaprTable? {
        if findTable(liobn: liobn) != nil {
            setError(errp, "spapr_tce_new_table: LIOBN 0x\(hex(liobn)) is in use")
            return nil
        }
        // SAFETY: strdup copies the string; the copy is the table's, or freed below.
        guard let name = unsafe strdup("tce-iommu-\(hex(liobn))") else {
            setError(errp, "spapr_tce_new_table: out of memory")
            return nil
        }
        // SAFETY: the engine copies the ops it is given.
        guard let engine = unsafe withUnsafePointer(to: hostOps, {
            unsafe TCETable.create(ops: $0, hostTable: nil, prefixBytes: SpaprTable.prefixBytes)  // SAFETY: as above
        }) else {
            unsafe Glibc.free(name)  // SAFETY: strdup's, not handed out
            setError(errp, "spapr_tce_new_table: out of memory")
            return nil
        }
        let table = SpaprTable(engine: engine)
        // SAFETY: the owner and name are the state's from now on.
        table.initialize(unsafe SpaprTableState(liobn: liobn, owner: owner, name: name))
        // SAFETY: the table's own region, ops and name, which live as long as it.
        _ = unsafe memory_region_init_iommu(table.mr.pointer, swifttce_spapr_tce_ops(), table.mr.pointer, name, 0, nil)
        // No notifier yet: the engine need not report writes (notify_flag_changed),
        // nor in runs until one asks for ranges (Notifiers.swift).
        engine.setNotify(false)
        engine.setRunReports(false)
        if Trace.on { engine.setFastReads(false) }
        unsafe tables.add(table)  // SAFETY: the registry's contract
        return table
    }

    /// spapr_tce_table_enable. @safe: errp as above.
    @safe func enable(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32, _ errp: ErrorOut?) -> Int32 {
        if let error = engine.enable(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
            setError(errp, "spapr_tce_table_enable: LIOBN 0x\(hex(liobn)): \(error.message)")
            return error.status
        }
        syncRegionSize()
        traceNewTable(self)
        return 0
    }

    /// QEMU sizes the region nb_table << page_shift on enable, 0 on disable.
    func syncRegionSize() {
        let geometry = engine.geometry
        mr.size = UInt64(geometry.nbTable) << UInt64(geometry.pageShift)
    }

    /// spapr_tce_table_disable.
    func disable() {
        guard engine.nbTable != 0 else { return }
        mr.size = 0
        engine.disable()
    }

    /// spapr_tce_table_free.
    func free() {
        disable()
        // A PHB's window freed on its own: the PHB forgets it rather than keep
        // a dangling pointer (it then has one window fewer).
        forgetWindow(self)
        forgetVIOTable(self)
        // Notifiers still registered leave, so that they can be registered again.
        dropNotifiers(mr)
        unsafe tables.remove(self)  // SAFETY: the registry's contract
        unsafe Glibc.free(state.pointee.name)  // SAFETY: the name is the table's
        // The block goes after the grace period: a racing translate reads it.
        engine.destroy()
    }
}

/// QEMU's spapr_tce_alloc_table traces the table it allocates, which every
/// enable does (no KVM here: fd -1).
func traceNewTable(_ table: SpaprTable) {
    Trace.emit("spapr_iommu_new_table liobn=0x\(hex(table.liobn)) table=0x\(hex(UInt(bitPattern: table.mr.pointer))) fd=-1")
}

// MARK: - Lifecycle

@c @implementation
public func spapr_tce_new_table(
    _ owner: UnsafeMutableRawPointer?,
    _ liobn: UInt32,
    _ errp: ErrorOut?
) -> UnsafeMutablePointer<SpaprTceTable>? {
    SpaprTable.make(owner: owner, liobn: liobn, errp)?.handle
}

@c @implementation
public func spapr_tce_table_enable(
    _ tcet: UnsafeMutablePointer<SpaprTceTable>?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ errp: ErrorOut?
) -> Int32 {
    guard let table = SpaprTable(tcet, for: "spapr_tce_table_enable", errp) else { return statusInvalid }
    return table.enable(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table, errp)
}

@c @implementation
public func spapr_tce_table_disable(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    SpaprTable(tcet)?.disable()
}

@c @implementation
public func spapr_tce_table_reset(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    SpaprTable(tcet)?.engine.reset()
}

@c @implementation
public func spapr_tce_table_free(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) {
    SpaprTable(tcet)?.free()
}

// MARK: - Lookup and properties

@c @implementation
public func spapr_tce_find_by_liobn(_ liobn: UInt32) -> UnsafeMutablePointer<SpaprTceTable>? {
    findTable(liobn: liobn)?.handle
}

@c @implementation
public func spapr_tce_get_iommu_mr(_ tcet: UnsafeMutablePointer<SpaprTceTable>?) -> UnsafeMutablePointer<IOMMUMemoryRegion>? {
    SpaprTable(tcet)?.mr.pointer
}

@c @implementation
public func spapr_tce_set_target_as(_ tcet: UnsafeMutablePointer<SpaprTceTable>?, _ target_as: OpaquePointer?) {
    SpaprTable(tcet)?.targetAS = unsafe target_as  // SAFETY: kept and handed on, never read
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
    SpaprTable(tcet)?.owner
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
