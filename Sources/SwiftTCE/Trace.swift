import CSwiftTCE

// QEMU's spapr_iommu_* trace points, as the lines QEMU's -trace prints
// (without its pid@time prefix), to the caller's hook: a run of this
// library can be checked with the trace checker like a run of QEMU.

enum Trace {
    /// Set by spapr_tce_set_trace_hook; constant initial values are laid
    /// out statically, so the check on the translate path is one load.
    /// Contract (spapr_tce.h): set only while no other call runs, so any
    /// thread may read them while calls run.
    nonisolated(unsafe) private static var hook: SpaprTraceHook? = nil
    /// Contract: as hook's.
    nonisolated(unsafe) private static var opaque: UnsafeMutableRawPointer? = nil

    @inline(__always)
    static var on: Bool { unsafe hook != nil }  // SAFETY: the contract above

    /// spapr_tce_set_trace_hook. @safe: fn and opaque are the caller's, kept
    /// to be handed back; the caller keeps the contract above.
    @safe static func set(_ fn: SpaprTraceHook?, _ opaque: UnsafeMutableRawPointer?) {
        unsafe Trace.hook = fn  // SAFETY: the contract above
        unsafe Trace.opaque = fn == nil ? nil : opaque  // SAFETY: as above
    }

    /// Emits one line; the text is built only when a hook is set.
    @inline(__always)
    static func emit(_ line: @autoclosure () -> String) {
        guard let hook = unsafe hook else { return }  // SAFETY: the contract above
        // SAFETY: the caller's hook, given its opaque and a C string that lives for the call.
        unsafe line().withCString { unsafe hook(opaque, $0) }
    }

    /// A hypercall's event: QEMU names it spapr_iommu_pci_* on a PCI
    /// window's LIOBN (SPAPR_IS_PCI_LIOBN), spapr_iommu_* on any other.
    @inline(__always)
    static func call(_ kind: String, _ liobn: UInt64, _ fields: @autoclosure () -> String) {
        guard on else { return }
        let pci = liobn & 0x8000_0000 != 0 ? "pci_" : ""
        emit("spapr_iommu_\(pci)\(kind) liobn=0x\(hex(liobn)) \(fields())")
    }
}

func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }

@c @implementation
public func spapr_tce_set_trace_hook(_ fn: SpaprTraceHook?, _ opaque: UnsafeMutableRawPointer?) {
    Trace.set(fn, opaque)
    // Traced translates take the out-of-line path, which traces them.
    forEachTable { $0.engine.setFastReads(!Trace.on) }
}
