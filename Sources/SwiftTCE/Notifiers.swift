import CSwiftTCE

// IOMMU notifiers: an intrusive list in the caller's structs, as in QEMU, and
// the union of their flags, which the region's notify_flag_changed hook sees
// change. Which region a notifier is on is the library's to know (the
// registry below): the caller's struct holds only QEMU's fields and the
// list link, so iommu_notifier_init, which sets QEMU's fields, cannot cut a
// registered notifier off its list.

/// A caller's notifier, by pointer: every read and write of its struct, and
/// every call of its notify function, is here.
///
/// @safe by the C contract, which Swift cannot check: a notifier handed in
/// is the caller's struct, alive while it is registered or a call on it
/// runs.
@safe struct Notifier: Hashable {
    let pointer: UnsafeMutablePointer<IOMMUNotifier>

    // Written out: the synthesised ones would use the pointer unmarked.
    static func == (a: Notifier, b: Notifier) -> Bool { unsafe a.pointer == b.pointer }  // SAFETY: compared, not read
    func hash(into hasher: inout Hasher) { unsafe hasher.combine(pointer) }  // SAFETY: hashed, not read

    @safe init?(_ pointer: UnsafeMutablePointer<IOMMUNotifier>?) {
        guard let pointer = unsafe pointer else { return nil }  // SAFETY: the contract above
        unsafe self.pointer = pointer  // SAFETY: as above
    }

    /// iommu_notifier_init: QEMU's fields (not the link).
    func initialize(notify: IOMMUNotify?, flags: IOMMUNotifierFlag, start: hwaddr, end: hwaddr, iommuIndex: Int32) {
        // SAFETY: a live notifier (the type's contract); notify is the caller's function for it.
        unsafe pointer.pointee.notify = notify
        unsafe pointer.pointee.notifier_flags = flags  // SAFETY: as above
        unsafe pointer.pointee.start = start  // SAFETY: as above
        unsafe pointer.pointee.end = end  // SAFETY: as above
        unsafe pointer.pointee.iommu_idx = iommuIndex  // SAFETY: as above
    }

    /// The next notifier on its region's list.
    var next: Notifier? {
        get { Notifier(unsafe pointer.pointee.next) }  // SAFETY: a live notifier
        nonmutating set { unsafe pointer.pointee.next = newValue?.pointer }  // SAFETY: as above
    }

    var flags: UInt32 { unsafe pointer.pointee.notifier_flags.rawValue }  // SAFETY: as above
    var start: hwaddr { unsafe pointer.pointee.start }  // SAFETY: as above
    var end: hwaddr { unsafe pointer.pointee.end }  // SAFETY: as above
    var iommuIndex: Int32 { unsafe pointer.pointee.iommu_idx }  // SAFETY: as above
    var hasNotify: Bool { unsafe pointer.pointee.notify != nil }  // SAFETY: as above

    /// Calls the notify function, if any, with entry (its own copy). @safe:
    /// the entry's target_as is handed on, never read.
    @safe func notify(_ entry: IOMMUTLBEntry) {
        var entry = unsafe entry  // SAFETY: a copy; its target_as is handed on, never read
        // SAFETY: a live notifier's function, given that notifier and a live entry.
        unsafe pointer.pointee.notify.map { unsafe $0(pointer, &entry) }
    }
}

/// The region each registered notifier is on. Changed by register,
/// unregister and the calls that drop a region's notifiers; notification
/// walks the lists, not this.
private enum Registrations {
    /// Contract: only the calls that register, unregister, init or free
    /// reach it, and the C caller serialises those (QEMU's BQL does).
    nonisolated(unsafe) private static var regions: [Notifier: Region] = [:]

    static subscript(_ n: Notifier) -> Region? {
        // SAFETY: the contract above.
        get { unsafe regions[n] }
        // SAFETY: as above.
        set { unsafe regions[n] = newValue }
    }

    /// Forgets every notifier recorded on mr.
    static func forget(_ mr: Region) {
        // SAFETY: the contract above.
        unsafe regions = regions.filter { $0.value != mr }
    }
}

/// A region's notifiers leave it all at once (its table is freed): each
/// may then be registered anywhere.
func dropNotifiers(_ mr: Region) {
    forEachNotifier(mr) { n in
        n.next = nil
        Registrations[n] = nil
    }
    mr.firstNotifier = nil
}

/// A region about to be initialised, whose memory may be anything: the
/// notifiers recorded on it are free again (their structs are not read).
func forgetNotifiers(of mr: Region) {
    Registrations.forget(mr)
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
    // SAFETY: fn is the caller's function for its own notifier.
    unsafe Notifier(n)?.initialize(notify: fn, flags: flags, start: start, end: end, iommuIndex: iommu_idx)
}

/// Calls `body` on each registered notifier, reading the link first so that a
/// notifier may unregister itself from its own callback.
@inline(__always)
func forEachNotifier(_ mr: Region, _ body: (Notifier) -> Void) {
    var cursor = mr.firstNotifier
    while let n = cursor {
        cursor = n.next
        body(n)
    }
}

/// Recomputes the flag union and tells the hook when it changed. A refusal
/// is returned to the caller, which decides what to undo. @safe: errp is
/// NULL or the caller's Error ** (the C contract).
@safe private func updateNotifierFlags(_ mr: Region, _ errp: ErrorOut?) -> Int32 {
    var union: UInt32 = 0
    var ranged = false
    // SwiftTCE's own bit is no QEMU flag: the hook and the region's flags
    // see QEMU's only. A TCE table reports runs while a notifier asks for
    // them (RangedNotify.swift), else QEMU's entry at a time.
    forEachNotifier(mr) {
        union |= $0.flags & ~rangesFlag
        ranged = ranged || $0.flags & rangesFlag != 0
    }
    SpaprTable(region: mr)?.engine.setRunReports(ranged)
    let old = mr.notifyFlags
    let new = IOMMUNotifierFlag(rawValue: union)
    guard old != new else { return 0 }
    // SAFETY: errp as above.
    let status = unsafe mr.flagsChanged(from: old, to: new, errp)
    if status < 0 { return status }
    mr.notifyFlags = new
    return 0
}

private func unlink(_ mr: Region, _ n: Notifier) {
    if mr.firstNotifier == n {
        mr.firstNotifier = n.next
    } else {
        var cursor = mr.firstNotifier
        while let current = cursor {
            if current.next == n {
                current.next = n.next
                break
            }
            cursor = current.next
        }
    }
    n.next = nil
    Registrations[n] = nil
}

/// Why a notifier cannot be registered on mr, or nil.
private func registrationProblem(_ mr: Region, _ n: Notifier) -> String? {
    if !n.hasNotify {
        return "the notifier has no notify function"
    }
    if n.flags & ~rangesFlag == IOMMU_NOTIFIER_NONE.rawValue {
        return "the notifier has no flags"
    }
    if n.start > n.end {
        return "start 0x\(hex(n.start)) is past end 0x\(hex(n.end))"
    }
    let indexes = mr.numIndexes
    if n.iommuIndex < 0 || n.iommuIndex >= indexes {
        return "iommu_idx \(n.iommuIndex) is not in 0..<\(indexes)"
    }
    if Registrations[n] != nil {
        return "the notifier is registered already"
    }
    return nil
}

@c @implementation
public func memory_region_register_iommu_notifier(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ n: UnsafeMutablePointer<IOMMUNotifier>?,
    _ errp: ErrorOut?
) -> Int32 {
    guard let mr = Region(iommu_mr), let n = Notifier(n) else {
        setError(errp, "register_iommu_notifier: NULL region or notifier")
        return statusInvalid
    }
    if let problem = registrationProblem(mr, n) {
        setError(errp, "register_iommu_notifier: \(problem)")
        return statusInvalid
    }
    // QEMU inserts at the head; delivery order follows.
    n.next = mr.firstNotifier
    Registrations[n] = mr
    mr.firstNotifier = n
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
    guard let mr = Region(iommu_mr), let n = Notifier(n), Registrations[n] == mr else { return }
    unlink(mr, n)
    // As in QEMU, a hook that objects to losing a notifier is not obeyed.
    _ = updateNotifierFlags(mr, nil)
}

/// memory_region_notify_iommu_one's body: the event to n, if it is in n's
/// range and of n's kinds. @safe: the event is a copy, whose target_as is
/// passed on, never read.
@inline(__always) @safe
func notifyOne(_ n: Notifier, _ event: IOMMUTLBEvent) {
    // SAFETY (the event's fields, here and below): integers of a copy.
    let iova = unsafe event.entry.iova
    // [iova, iova + addr_mask] must overlap [start, end]; the sum may not wrap.
    let sum = unsafe iova &+ event.entry.addr_mask  // SAFETY: as above
    let last = sum < iova ? UInt64.max : sum
    if n.start > last || n.end < iova {
        return
    }
    if unsafe event.type.rawValue & n.flags == 0 {  // SAFETY: as above
        return
    }
    guard n.flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP.rawValue != 0 else {
        return unsafe n.notify(event.entry)  // SAFETY: as above
    }
    // QEMU's crop of (iova, addr_mask) to the notifier's range.
    var cropped = unsafe event.entry  // SAFETY: a copy, as above
    unsafe cropped.iova = max(iova, n.start)  // SAFETY: an integer field of the copy
    unsafe cropped.addr_mask = min(last, n.end) - max(iova, n.start)  // SAFETY: as above
    n.notify(cropped)
}

@c @implementation
public func memory_region_notify_iommu_one(
    _ notifier: UnsafeMutablePointer<IOMMUNotifier>?,
    _ event: UnsafeMutablePointer<IOMMUTLBEvent>?
) {
    // SAFETY: a non-NULL event is the caller's (the C contract).
    guard let n = Notifier(notifier), let event = unsafe event?.pointee else { return }
    notifyOne(n, event)
}

@c @implementation
public func memory_region_notify_iommu(
    _ iommu_mr: UnsafeMutablePointer<IOMMUMemoryRegion>?,
    _ iommu_idx: Int32,
    _ event: IOMMUTLBEvent
) {
    guard let mr = Region(iommu_mr) else { return }
    notifyRegion(mr, iommuIndex: iommu_idx, event)
}

/// The body of memory_region_notify_iommu, for callers inside the library.
/// Each notifier gets its own copy of the entry: a callback may scribble on
/// it. @safe as notifyOne.
@inline(__always) @safe
func notifyRegion(_ mr: Region, iommuIndex: Int32, _ event: IOMMUTLBEvent) {
    forEachNotifier(mr) { n in
        guard n.iommuIndex == iommuIndex else { return }
        notifyOne(n, event)
    }
}
