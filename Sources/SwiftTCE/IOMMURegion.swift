import CSwiftTCE

// The IOMMU memory region: a size, an ops table and the caller's opaque.
// The state lives in the caller's C struct, so a C-written IOMMU costs no
// allocation and needs no finaliser.

typealias Region = UnsafeMutablePointer<IOMMUMemoryRegion>

@c @implementation
public func memory_region_init_iommu(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ ops: UnsafePointer<MemoryRegionIOMMUOps>?,
    _ opaque: UnsafeMutableRawPointer?,
    _ name: UnsafePointer<CChar>?,
    _ size: UInt64,
    _ errp: UnsafeMutablePointer<UnsafeMutablePointer<CError>?>?
) -> Int32 {
    guard let iommu_mr else {
        setError(errp, "memory_region_init_iommu: the region is NULL")
        return statusInvalid
    }
    guard let ops, ops.pointee.translate != nil else {
        setError(errp, "memory_region_init_iommu: an IOMMU needs ops with translate")
        return statusInvalid
    }
    // QEMU's init starts a region afresh; notifiers a caller left on it
    // become free, not registered on a region that forgot them.
    forgetNotifiers(of: iommu_mr)
    iommu_mr.initialize(to: IOMMUMemoryRegion(
        ops: ops, opaque: opaque, name: name, size: size,
        iommu_notify: nil, iommu_notify_flags: IOMMU_NOTIFIER_NONE))
    return 0
}

@c @implementation
public func memory_region_size(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UInt64 {
    iommu_mr?.pointee.size ?? 0
}

@c @implementation
public func memory_region_set_size(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?, _ size: UInt64) {
    iommu_mr?.pointee.size = size
}

@c @implementation
public func memory_region_get_opaque(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UnsafeMutableRawPointer? {
    iommu_mr?.pointee.opaque
}

@c @implementation
public func memory_region_name(_ iommu_mr: UnsafePointer<IOMMUMemoryRegion>?) -> UnsafePointer<CChar>? {
    iommu_mr?.pointee.name
}

@c @implementation
public func memory_region_iommu_get_min_page_size(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> UInt64 {
    guard let iommu_mr else { return UInt64(TARGET_PAGE_SIZE) }
    if let hook = iommu_mr.pointee.ops.pointee.get_min_page_size {
        return hook(iommu_mr)
    }
    return UInt64(TARGET_PAGE_SIZE)
}

@c @implementation
public func memory_region_iommu_num_indexes(_ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?) -> Int32 {
    guard let iommu_mr else { return 0 }
    if let hook = iommu_mr.pointee.ops.pointee.num_indexes {
        return hook(iommu_mr)
    }
    return 1
}
