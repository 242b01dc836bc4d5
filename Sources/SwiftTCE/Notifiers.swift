import CSwiftTCE

// IOMMU notifiers: an intrusive list in the caller's structs, as in QEMU, and
// the union of their flags, which the region's notify_flag_changed hook sees
// change. Which region a notifier is on is the library's to know (the
// registry below): the caller's struct holds only QEMU's fields and the
// list link, so iommu_notifier_init, which sets QEMU's fields, cannot cut a
// registered notifier off its list.

/// The region each registered notifier is on. Changed by register,
/// unregister and the calls that drop a region's notifiers, which the
/// caller serialises; notification walks the lists, not this.
private enum Registrations {
    nonisolated(unsafe) static var region: [UnsafeMutablePointer<IOMMUNotifier>: Region] = [:]
}

/// A region's notifiers leave it all at once (its table is freed): each
/// may then be registered anywhere.
func dropNotifiers(_ mr: Region) {
    forEachNotifier(mr) { n in
        n.pointee.next = nil
        Registrations.region[n] = nil
    }
    mr.pointee.iommu_notify = nil
}

/// A region about to be initialised, whose memory may be anything: the
/// notifiers recorded on it are free again (their structs are not read).
func forgetNotifiers(of mr: Region) {
    Registrations.region = Registrations.region.filter { $0.value != mr }
}

@c @implementation
public func iommu_notifier_init(
    _ n: UnsafeMutablePointer<IOMMUNotifier>?,
    _ fn: IOMMUNotify?,
    _ flags: IOMMUNotifierFlag,
    _ start: hwaddr,
    _ end: hwaddr,
    _ iommu_idx: Int32
) {
    guard let n else { return }
    n.pointee.notify = fn
    n.pointee.notifier_flags = flags
    n.pointee.start = start
    n.pointee.end = end
    n.pointee.iommu_idx = iommu_idx
}

/// Calls `body` on each registered notifier, reading the link first so that a
/// notifier may unregister itself from its own callback.
@inline(__always)
func forEachNotifier(_ mr: Region, _ body: (UnsafeMutablePointer<IOMMUNotifier>) -> Void) {
    var cursor = mr.pointee.iommu_notify
    while let n = cursor {
        cursor = n.pointee.next
        body(n)
    }
}

/// Recomputes the flag union and tells the hook when it changed. A refusal
/// is returned to the caller, which decides what to undo.
private func updateNotifierFlags(_ mr: Region, _ errp: ErrorOut?) -> Int32 {
    var union: UInt32 = 0
    forEachNotifier(mr) { union |= $0.pointee.notifier_flags.rawValue }
    let old = mr.pointee.iommu_notify_flags
    let new = IOMMUNotifierFlag(rawValue: union)
    guard old != new else { return 0 }
    if let hook = mr.pointee.ops.pointee.notify_flag_changed {
        let status = hook(mr, old, new, errp)
        if status < 0 { return status }
    }
    mr.pointee.iommu_notify_flags = new
    return 0
}

private func unlink(_ mr: Region, _ n: UnsafeMutablePointer<IOMMUNotifier>) {
    if mr.pointee.iommu_notify == n {
        mr.pointee.iommu_notify = n.pointee.next
    } else {
        var cursor = mr.pointee.iommu_notify
        while let current = cursor {
            if current.pointee.next == n {
                current.pointee.next = n.pointee.next
                break
            }
            cursor = current.pointee.next
        }
    }
    n.pointee.next = nil
    Registrations.region[n] = nil
}

@c @implementation
public func memory_region_register_iommu_notifier(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ n: UnsafeMutablePointer<IOMMUNotifier>?,
    _ errp: ErrorOut?
) -> Int32 {
    guard let mr = iommu_mr, let n else {
        setError(errp, "register_iommu_notifier: NULL region or notifier")
        return statusInvalid
    }
    let notifier = n.pointee
    if notifier.notify == nil {
        setError(errp, "register_iommu_notifier: the notifier has no notify function")
        return statusInvalid
    }
    if notifier.notifier_flags == IOMMU_NOTIFIER_NONE {
        setError(errp, "register_iommu_notifier: the notifier has no flags")
        return statusInvalid
    }
    if notifier.start > notifier.end {
        setError(errp, "register_iommu_notifier: start 0x\(String(notifier.start, radix: 16)) is past end 0x\(String(notifier.end, radix: 16))")
        return statusInvalid
    }
    let indexes = memory_region_iommu_num_indexes(mr)
    if notifier.iommu_idx < 0 || notifier.iommu_idx >= indexes {
        setError(errp, "register_iommu_notifier: iommu_idx \(notifier.iommu_idx) is not in 0..<\(indexes)")
        return statusInvalid
    }
    if Registrations.region[n] != nil {
        setError(errp, "register_iommu_notifier: the notifier is registered already")
        return statusInvalid
    }
    // QEMU inserts at the head; delivery order follows.
    n.pointee.next = mr.pointee.iommu_notify
    Registrations.region[n] = mr
    mr.pointee.iommu_notify = n
    let status = updateNotifierFlags(mr, errp)
    if status < 0 {
        unlink(mr, n)
    }
    return status
}

@c @implementation
public func memory_region_unregister_iommu_notifier(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ n: UnsafeMutablePointer<IOMMUNotifier>?
) {
    guard let mr = iommu_mr, let n, Registrations.region[n] == mr else { return }
    unlink(mr, n)
    // As in QEMU, a hook that objects to losing a notifier is not obeyed.
    _ = updateNotifierFlags(mr, nil)
}

@c @implementation
public func memory_region_notify_iommu_one(
    _ notifier: UnsafeMutablePointer<IOMMUNotifier>?,
    _ event: UnsafeMutablePointer<IOMMUTLBEvent>?
) {
    guard let n = notifier, let event, let notify = n.pointee.notify else { return }
    let iova = event.pointee.entry.iova
    // [iova, iova + addr_mask] must overlap [start, end]; the sum may not wrap.
    let sum = iova &+ event.pointee.entry.addr_mask
    let last = sum < iova ? UInt64.max : sum
    if n.pointee.start > last || n.pointee.end < iova {
        return
    }
    let flags = n.pointee.notifier_flags.rawValue
    if event.pointee.type.rawValue & flags == 0 {
        return
    }
    guard flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP.rawValue != 0 else {
        // The caller's entry itself: the hot path, with no copy to make.
        return notify(n, &event.pointee.entry)
    }
    // QEMU's crop of (iova, addr_mask) to the notifier's range, in a copy.
    var cropped = event.pointee.entry
    cropped.iova = max(iova, n.pointee.start)
    cropped.addr_mask = min(last, n.pointee.end) - cropped.iova
    notify(n, &cropped)
}

@c @implementation
public func memory_region_notify_iommu(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ iommu_idx: Int32,
    _ event: IOMMUTLBEvent
) {
    guard let mr = iommu_mr else { return }
    notifyRegion(mr, iommuIndex: iommu_idx, event)
}

/// The body of memory_region_notify_iommu, for callers inside the library.
@inline(__always)
func notifyRegion(_ mr: Region, iommuIndex: Int32, _ event: IOMMUTLBEvent) {
    forEachNotifier(mr) { n in
        guard n.pointee.iommu_idx == iommuIndex else { return }
        // Each notifier gets its own copy: a callback may scribble on it.
        var copy = event
        memory_region_notify_iommu_one(n, &copy)
    }
}
