import CSwiftTCE

// The guest's TCE hypercalls (PAPR), with QEMU's checks in QEMU's order. They
// answer H_SUCCESS or H_PARAMETER; H_HARDWARE only if a node of the table
// could not be allocated (QEMU would abort there).

private let hSuccess = Int64(H_SUCCESS)
private let hParameter = Int64(H_PARAMETER)
/// QEMU's cap on one H_PUT_TCE_INDIRECT list: one 4 KiB page of TCEs.
private let indirectMaxPages: UInt64 = 512

/// The table for a LIOBN register; the upper half must be zero.
@inline(__always)
private func table(liobn: UInt64) -> Table? {
    guard liobn >> 32 == 0 else { return nil }
    return findTable(liobn: UInt32(liobn))
}

/// QEMU's put_tce_emu: one entry written, then one notification.
@inline(__always)
private func putTCE(_ table: Table, ioba: UInt64, tce: UInt64) -> Int64 {
    let index = (ioba &- table.pointee.busOffset) >> UInt64(table.pointee.pageShift)
    guard index < UInt64(table.pointee.nbTable) else { return hParameter }
    guard table.pointee.storage.store(index, tce) else { return Int64(H_HARDWARE) }
    let region = table.pointee.iommu
    if region.pointee.iommu_notify != nil {
        let entry = table.tlbEntry(index: index, tce: tce)
        let type = entry.perm == IOMMU_NONE ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP
        notifyRegion(region, iommuIndex: 0, IOMMUTLBEvent(type: type, entry: entry))
    }
    return hSuccess
}

@c @implementation
public func spapr_h_put_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    return putTCE(table, ioba: ioba & table.pointee.pageMask, tce: tce)
}

@c @implementation
public func spapr_h_get_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce: UnsafeMutablePointer<UInt64>?) -> Int64 {
    // Nowhere to put the answer is a bad argument, not a silent success.
    guard let tce, let table = table(liobn: liobn) else { return hParameter }
    let index = ((ioba & table.pointee.pageMask) &- table.pointee.busOffset) >> UInt64(table.pointee.pageShift)
    guard index < UInt64(table.pointee.nbTable) else { return hParameter }
    tce.pointee = table.pointee.storage.load(index)
    return hSuccess
}

@c @implementation
public func spapr_h_stuff_tce(_ liobn: UInt64, _ ioba: UInt64, _ tce_value: UInt64, _ npages: UInt64) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    guard npages <= UInt64(table.pointee.nbTable) else { return hParameter }
    let pageSize = UInt64(1) << UInt64(table.pointee.pageShift)
    var ioba = ioba & table.pointee.pageMask
    var status = hParameter   // npages 0 leaves QEMU's initial answer
    for _ in 0..<npages {
        status = putTCE(table, ioba: ioba, tce: tce_value)
        if status != hSuccess { break }
        ioba &+= pageSize
    }
    return status
}

@c @implementation
public func spapr_h_put_tce_indirect(
    _ liobn: UInt64,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    guard let table = table(liobn: liobn) else { return hParameter }
    guard npages <= indirectMaxPages, tce_list & SPAPR_TCE_PAGE_MASK == 0 else { return hParameter }
    guard npages > 0 else { return hParameter }
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Int(indirectMaxPages)) { list in
        // One read of the whole list: an unreadable list writes nothing.
        guard let mem, let read = mem.pointee.read,
              read(mem.pointee.opaque, tce_list, list.baseAddress!, Int(npages) * 8) else {
            return hParameter
        }
        let pageSize = UInt64(1) << UInt64(table.pointee.pageShift)
        var ioba = ioba & table.pointee.pageMask
        var status = hParameter
        for i in 0..<Int(npages) {
            status = putTCE(table, ioba: ioba, tce: UInt64(bigEndian: list[i]))
            if status != hSuccess { break }
            ioba &+= pageSize
        }
        return status
    }
}

@c @implementation
public func spapr_hcall_tce(
    _ opcode: UInt64,
    _ args: UnsafeMutablePointer<UInt64>?,
    _ mem: UnsafePointer<SpaprGuestMemory>?
) -> Int64 {
    // An opcode that is not a TCE call is H_FUNCTION whatever its arguments,
    // so each case checks the registers itself.
    switch opcode {
    case UInt64(H_PUT_TCE):
        guard let args else { return hParameter }
        return spapr_h_put_tce(args[0], args[1], args[2])
    case UInt64(H_GET_TCE):
        guard let args else { return hParameter }
        var tce: UInt64 = 0
        let status = spapr_h_get_tce(args[0], args[1], &tce)
        if status == hSuccess { args[0] = tce }
        return status
    case UInt64(H_STUFF_TCE):
        guard let args else { return hParameter }
        return spapr_h_stuff_tce(args[0], args[1], args[2], args[3])
    case UInt64(H_PUT_TCE_INDIRECT):
        guard let args else { return hParameter }
        return spapr_h_put_tce_indirect(args[0], args[1], args[2], args[3], mem)
    default:
        return Int64(H_FUNCTION)
    }
}
