import CSwiftTCE
import Glibc

// The sPAPR TCE table: one DMA window (LIOBN) of the guest's IOMMU.
//
// A table is a plain struct behind a pointer: `SpaprTceTable *` in C. No
// class, so the translate path has no reference counting and no exclusivity
// checks. Lifecycle calls are serialised by the caller (QEMU's big lock).

struct TCETable {
    let liobn: UInt32
    let owner: UnsafeMutableRawPointer?
    /// The IOMMU region the table drives: in the same allocation, just
    /// before the table (see TableBlock); its opaque points back here too.
    let iommu: Region
    let name: UnsafeMutablePointer<CChar>
    var pageShift: UInt32 = 0
    var busOffset: UInt64 = 0
    var nbTable: UInt32 = 0
    var needVFIO = false
    var skippingReplay = false
    var storage = TCEStorage()
    /// The next table in the registry.
    var next: Table?

    /// The bits of an address above the page offset (all of them while
    /// disabled, as in QEMU, where page_shift is then 0).
    var pageMask: UInt64 {
        @inline(__always) get { ~UInt64(0) &<< UInt64(pageShift) }
    }
}

/// A table and its IOMMU region share one allocation, the region first, so
/// translate reaches the table at a fixed offset from the region (QEMU's
/// container_of) instead of loading the region's opaque on the hot path.
enum TableBlock {
    static var tableOffset: Int {
        let align = MemoryLayout<TCETable>.alignment
        return (MemoryLayout<IOMMUMemoryRegion>.stride + align - 1) & ~(align - 1)
    }

    static func allocate() -> (Region, Table) {
        // translate reads swifttce_zero_region as the block of a NULL region.
        precondition(tableOffset + MemoryLayout<TCETable>.size <= Int(SWIFTTCE_ZERO_REGION_BYTES))
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: tableOffset + MemoryLayout<TCETable>.stride,
            alignment: max(MemoryLayout<IOMMUMemoryRegion>.alignment, MemoryLayout<TCETable>.alignment))
        return (block.bindMemory(to: IOMMUMemoryRegion.self, capacity: 1),
                (block + tableOffset).bindMemory(to: TCETable.self, capacity: 1))
    }

    /// Frees a block whose table was deinitialised.
    static func deallocate(_ region: Region) {
        UnsafeMutableRawPointer(region).deallocate()
    }
}

typealias Table = UnsafeMutablePointer<TCETable>

extension Table {
    init?(_ tcet: OpaquePointer?) {
        guard let tcet else { return nil }
        self.init(tcet)
    }

    /// The table behind one of our IOMMU regions.
    @inline(__always)
    init?(region: Region?) {
        guard let region, region.pointee.ops == swifttce_spapr_tce_ops() else { return nil }
        self.init(ownRegion: region)
    }

    /// The table behind a region known to be ours: the ops table passes only
    /// its own regions, so translate skips the check (QEMU's container_of).
    @inline(__always)
    init(ownRegion region: Region) {
        // SAFETY: only new_table gives a region these ops, in a TableBlock.
        self = (UnsafeMutableRawPointer(region) + TableBlock.tableOffset).assumingMemoryBound(to: TCETable.self)
    }

    /// What translate answers for a TCE at index.
    @inline(__always)
    func tlbEntry(index: UInt64, tce: UInt64) -> IOMMUTLBEntry {
        let mask = pointee.pageMask
        return SwiftTCE.tlbEntry(iova: (index << UInt64(pointee.pageShift)) & mask, tce: tce, mask: mask)
    }
}

/// What translate answers for a TCE (QEMU's field by field), mask being the
/// page mask and iova the page's address.
@inline(__always)
func tlbEntry(iova: UInt64, tce: UInt64, mask: UInt64) -> IOMMUTLBEntry {
    IOMMUTLBEntry(
        target_as: nil,
        iova: iova,
        translated_addr: tce & mask,
        addr_mask: ~mask,
        perm: IOMMUAccessFlags(rawValue: UInt32(truncatingIfNeeded: tce & permBits)))
}

// MARK: - Registry

/// Every live table, newest first (QEMU's spapr_tce_tables). Changed only by
/// new/free, which the caller serialises; read concurrently by hypercalls.
private enum Registry {
    /// The head of the list. A constant initial value is laid out statically:
    /// no lazy initialisation on the hypercall path.
    nonisolated(unsafe) static var head: Table? = nil
}

@inline(__always)
func findTable(liobn: UInt32) -> Table? {
    var cursor = Registry.head
    while let table = cursor {
        if table.pointee.liobn == liobn { return table }
        cursor = table.pointee.next
    }
    return nil
}

// MARK: - Lifecycle

@c @implementation
public func spapr_tce_new_table(
    _ owner: UnsafeMutableRawPointer?,
    _ liobn: UInt32,
    _ errp: UnsafeMutablePointer<OpaquePointer?>?
) -> OpaquePointer? {
    if findTable(liobn: liobn) != nil {
        setError(errp, "spapr_tce_new_table: LIOBN 0x\(String(liobn, radix: 16)) is in use")
        return nil
    }
    let name = strdup("iommu-spapr-\(String(liobn, radix: 16))")!
    let (iommu, table) = TableBlock.allocate()
    table.initialize(to: TCETable(liobn: liobn, owner: owner, iommu: iommu, name: name,
                                  next: Registry.head))
    _ = memory_region_init_iommu(iommu, swifttce_spapr_tce_ops(), table, name, 0, nil)
    Registry.head = table
    return OpaquePointer(table)
}

@c @implementation
public func spapr_tce_table_enable(
    _ tcet: OpaquePointer?,
    _ page_shift: UInt32,
    _ bus_offset: UInt64,
    _ nb_table: UInt32,
    _ errp: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guard let table = Table(tcet) else {
        setError(errp, "spapr_tce_table_enable: the table is NULL")
        return statusInvalid
    }
    let liobn = "LIOBN 0x\(String(table.pointee.liobn, radix: 16))"
    if table.pointee.nbTable != 0 {
        setError(errp, "spapr_tce_table_enable: \(liobn) is enabled already")
        return statusInvalid
    }
    if let problem = windowProblem(pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table) {
        setError(errp, "spapr_tce_table_enable: \(liobn): \(problem)")
        return statusInvalid
    }
    guard let storage = TCEStorage(entryCount: UInt64(nb_table)) else {
        setError(errp, "spapr_tce_table_enable: out of memory")
        return -ENOMEM
    }
    table.install(storage, pageShift: page_shift, busOffset: bus_offset, nbTable: nb_table)
    return 0
}

/// Why a window cannot be enabled, or nil when it can. Migration holds a
/// stream to the same limits.
func windowProblem(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) -> String? {
    guard pageShift >= 1 && pageShift <= 63 else {
        return "page_shift \(pageShift) is not in 1...63"
    }
    guard nbTable != 0 else {
        return "a window needs at least one entry"
    }
    let entries = UInt64(nbTable)
    let size = entries << UInt64(pageShift)
    guard size >> UInt64(pageShift) == entries, busOffset <= UInt64.max - (size - 1) else {
        return "\(nbTable) pages of 2^\(pageShift) bytes at 0x\(String(busOffset, radix: 16)) pass 2^64"
    }
    return nil
}

extension Table {
    /// Makes a disabled table the window of `storage` (enable, migration).
    func install(_ storage: TCEStorage, pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) {
        pointee.storage = storage
        pointee.pageShift = pageShift
        pointee.busOffset = busOffset
        pointee.nbTable = nbTable
        memory_region_set_size(pointee.iommu, UInt64(nbTable) << UInt64(pageShift))
    }
}

@c @implementation
public func spapr_tce_table_disable(_ tcet: OpaquePointer?) {
    guard let table = Table(tcet), table.pointee.nbTable != 0 else { return }
    memory_region_set_size(table.pointee.iommu, 0)
    table.pointee.storage.release()
    table.pointee.pageShift = 0
    table.pointee.busOffset = 0
    table.pointee.nbTable = 0
}

@c @implementation
public func spapr_tce_table_reset(_ tcet: OpaquePointer?) {
    guard let table = Table(tcet), table.pointee.nbTable != 0,
          let empty = TCEStorage(entryCount: UInt64(table.pointee.nbTable)) else { return }
    table.pointee.storage.release()
    table.pointee.storage = empty
}

@c @implementation
public func spapr_tce_table_free(_ tcet: OpaquePointer?) {
    guard let table = Table(tcet) else { return }
    spapr_tce_table_disable(tcet)
    // A PHB's window freed on its own: the PHB forgets it rather than keep
    // a dangling pointer (it then has one window fewer).
    if let phb = findPHB(owning: table), let n = phb.windowNumber(of: table) {
        phb.setWindow(n, nil)
    }
    // Detach notifiers still registered, so that they can be registered again.
    forEachNotifier(table.pointee.iommu) { n in
        n.pointee.registered_on = nil
        n.pointee.next = nil
    }
    if Registry.head == table {
        Registry.head = table.pointee.next
    } else {
        var cursor = Registry.head
        while let current = cursor, current.pointee.next != table {
            cursor = current.pointee.next
        }
        cursor?.pointee.next = table.pointee.next
    }
    free(table.pointee.name)
    let iommu = table.pointee.iommu
    table.deinitialize(count: 1)
    TableBlock.deallocate(iommu)
}

// MARK: - Lookup and properties

@c @implementation
public func spapr_tce_find_by_liobn(_ liobn: UInt32) -> OpaquePointer? {
    findTable(liobn: liobn).map(OpaquePointer.init)
}

@c @implementation
public func spapr_tce_get_iommu(_ tcet: OpaquePointer?) -> UnsafeMutablePointer<IOMMUMemoryRegion>? {
    Table(tcet)?.pointee.iommu
}

@c @implementation
public func spapr_tce_get_owner(_ tcet: OpaquePointer?) -> UnsafeMutableRawPointer? {
    Table(tcet)?.pointee.owner
}

@c @implementation
public func spapr_tce_get_liobn(_ tcet: OpaquePointer?) -> UInt32 {
    Table(tcet)?.pointee.liobn ?? 0
}

@c @implementation
public func spapr_tce_get_page_shift(_ tcet: OpaquePointer?) -> UInt32 {
    Table(tcet)?.pointee.pageShift ?? 0
}

@c @implementation
public func spapr_tce_get_bus_offset(_ tcet: OpaquePointer?) -> UInt64 {
    Table(tcet)?.pointee.busOffset ?? 0
}

@c @implementation
public func spapr_tce_get_nb_table(_ tcet: OpaquePointer?) -> UInt32 {
    Table(tcet)?.pointee.nbTable ?? 0
}

@c @implementation
public func spapr_tce_get_need_vfio(_ tcet: OpaquePointer?) -> Bool {
    Table(tcet)?.pointee.needVFIO ?? false
}

@c @implementation
public func spapr_tce_set_need_vfio(_ tcet: OpaquePointer?, _ need_vfio: Bool) {
    Table(tcet)?.pointee.needVFIO = need_vfio
}

@c @implementation
public func spapr_tce_set_skipping_replay(_ tcet: OpaquePointer?, _ skipping: Bool) {
    Table(tcet)?.pointee.skippingReplay = skipping
}

@c @implementation
public func spapr_tce_get_skipping_replay(_ tcet: OpaquePointer?) -> Bool {
    Table(tcet)?.pointee.skippingReplay ?? false
}

@c @implementation
public func spapr_tce_table_storage_bytes(_ tcet: OpaquePointer?) -> Int {
    Table(tcet)?.pointee.storage.byteCount ?? 0
}
