import CSwiftTCE

// The IOMMU memory region: a size, an ops table and the caller's opaque.
// The state lives in the caller's C struct, so a C-written IOMMU costs no
// allocation and needs no finaliser.

/// A caller's IOMMU region (or a table's), by pointer: every read and write
/// of its struct, and every call of its hooks, is here.
///
/// @safe by the C contract, which Swift cannot check: a region pointer
/// handed in is one memory_region_init_iommu set up (or the zero region,
/// for translate only) and the caller keeps it alive and does not change it
/// while a call on it runs.
@safe struct Region: Hashable {
    /// @safe: handed to C and to the hooks, never read but by this type.
    @safe let pointer: UnsafeMutablePointer<IOMMUMemoryRegion>

    @safe init(_ pointer: UnsafeMutablePointer<IOMMUMemoryRegion>) { unsafe self.pointer = pointer }  // SAFETY: the contract above

    // Written out: the synthesised ones would use the pointer unmarked.
    static func == (a: Region, b: Region) -> Bool { unsafe a.pointer == b.pointer }  // SAFETY: compared, not read
    func hash(into hasher: inout Hasher) { unsafe hasher.combine(pointer) }  // SAFETY: hashed, not read

    @safe init?(_ pointer: UnsafeMutablePointer<IOMMUMemoryRegion>?) {
        guard let pointer = unsafe pointer else { return nil }  // SAFETY: as above
        unsafe self.pointer = pointer  // SAFETY: as above
    }

    @safe init?(_ pointer: UnsafePointer<IOMMUMemoryRegion>?) {
        // SAFETY: the getters that take a const region only read it.
        unsafe self.init(pointer.map(UnsafeMutablePointer.init(mutating:)))
    }

    var size: UInt64 {
        get { unsafe pointer.pointee.size }  // SAFETY: a live region (the type's contract)
        nonmutating set { unsafe pointer.pointee.size = newValue }  // SAFETY: as above
    }

    /// @safe: handed back to C, never dereferenced here.
    @safe var opaque: UnsafeMutableRawPointer? { unsafe pointer.pointee.opaque }  // SAFETY: as above
    @safe var name: UnsafePointer<CChar>? { unsafe pointer.pointee.name }  // SAFETY: as above

    /// The first registered notifier (the head of the caller's list).
    var firstNotifier: Notifier? {
        get { Notifier(unsafe pointer.pointee.iommu_notify) }  // SAFETY: as above
        nonmutating set { unsafe pointer.pointee.iommu_notify = newValue?.pointer }  // SAFETY: as above
    }

    var notifyFlags: IOMMUNotifierFlag {
        get { unsafe pointer.pointee.iommu_notify_flags }  // SAFETY: as above
        nonmutating set { unsafe pointer.pointee.iommu_notify_flags = newValue }  // SAFETY: as above
    }

    /// The region's ops (memory_region_init_iommu refuses a NULL table).
    private var ops: MemoryRegionIOMMUOps {
        // SAFETY: a live region's ops: the caller's table, which outlives its regions.
        unsafe pointer.pointee.ops.pointee
    }

    /// Whether the ops are these (a TCE table's region: spapr_tce_iommu_ops).
    /// @safe: the pointers are compared, not read.
    @safe func hasOps(_ other: UnsafePointer<MemoryRegionIOMMUOps>) -> Bool {
        unsafe pointer.pointee.ops == other  // SAFETY: a live region
    }

    // MARK: The ops' hooks, QEMU's defaults where one is NULL

    /// The translate hook's answer; nil without one (init refuses such
    /// ops, a struct filled by hand may have them).
    func translate(_ addr: hwaddr, _ flag: IOMMUAccessFlags, _ iommuIndex: Int32) -> IOMMUTLBEntry? {
        // SAFETY: the hook gets its own region.
        unsafe ops.translate.map { unsafe $0(pointer, addr, flag, iommuIndex) }
    }

    var minPageSize: UInt64 {
        // SAFETY: the hook gets its own region.
        unsafe ops.get_min_page_size.map { unsafe $0(pointer) } ?? UInt64(TARGET_PAGE_SIZE)
    }

    var numIndexes: Int32 {
        // SAFETY: the hook gets its own region.
        unsafe ops.num_indexes.map { unsafe $0(pointer) } ?? 1
    }

    /// The notify_flag_changed hook's answer (0 without a hook).
    func flagsChanged(from old: IOMMUNotifierFlag, to new: IOMMUNotifierFlag, _ errp: ErrorOut?) -> Int32 {
        // SAFETY: the hook gets its own region and the caller's errp.
        unsafe ops.notify_flag_changed.map { unsafe $0(pointer, old, new, errp) } ?? 0
    }

    /// Runs the replay hook on n; false when the region has none.
    func replayHook(_ n: Notifier) -> Bool {
        guard let hook = unsafe ops.replay else { return false }  // SAFETY: the caller's hook, read
        // SAFETY: the hook gets its own region and a caller's notifier.
        unsafe hook(pointer, n.pointer)
        return true
    }
}

@c @implementation
public func memory_region_init_iommu(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ ops: UnsafePointer<MemoryRegionIOMMUOps>?,
    _ opaque: UnsafeMutableRawPointer?,
    _ name: UnsafePointer<CChar>?,
    _ size: UInt64,
    _ errp: ErrorOut?
) -> Int32 {
    guard let iommu_mr = unsafe iommu_mr else {  // SAFETY: NULL or the caller's struct (the C contract)
        setError(errp, "memory_region_init_iommu: the region is NULL")
        return statusInvalid
    }
    // SAFETY: a non-NULL ops is the caller's table (the C contract).
    guard let ops = unsafe ops, unsafe ops.pointee.translate != nil else {
        setError(errp, "memory_region_init_iommu: an IOMMU needs ops with translate")
        return statusInvalid
    }
    // QEMU's init starts a region afresh; notifiers a caller left on it
    // become free, not registered on a region that forgot them.
    forgetNotifiers(of: Region(iommu_mr))
    // SAFETY: the caller's struct, whatever it held: initialised whole.
    unsafe iommu_mr.initialize(to: IOMMUMemoryRegion(
        ops: ops, opaque: opaque, name: name, size: size,
        iommu_notify: nil, iommu_notify_flags: IOMMU_NOTIFIER_NONE))
    return 0
}

@c @implementation
public func memory_region_size(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UInt64 {
    Region(iommu_mr)?.size ?? 0
}

@c @implementation
public func memory_region_set_size(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?, _ size: UInt64) {
    Region(iommu_mr)?.size = size
}

@c @implementation
public func memory_region_get_opaque(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UnsafeMutableRawPointer? {
    Region(iommu_mr)?.opaque
}

@c @implementation
public func memory_region_name(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UnsafePointer<CChar>? {
    Region(iommu_mr)?.name
}

@c @implementation
public func memory_region_iommu_get_min_page_size(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> UInt64 {
    Region(iommu_mr)?.minPageSize ?? UInt64(TARGET_PAGE_SIZE)
}

@c @implementation
public func memory_region_iommu_num_indexes(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> Int32 {
    Region(iommu_mr)?.numIndexes ?? 0
}
