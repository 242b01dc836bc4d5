import CSwiftTCE

// QEMU's spapr_iommu_* trace points, as the lines QEMU's -trace prints
// (without its pid@time prefix), to the caller's hook: a run of this
// library can be checked with the trace checker like a run of QEMU.

enum Trace {
    /// Set by spapr_tce_set_trace_hook; constant initial values are laid
    /// out statically, so the check on the translate path is one load.
    nonisolated(unsafe) static var hook: SpaprTraceHook? = nil
    nonisolated(unsafe) static var opaque: UnsafeMutableRawPointer? = nil

    @inline(__always)
    static var on: Bool { hook != nil }

    /// Emits one line; the text is built only when a hook is set.
    @inline(__always)
    static func emit(_ line: @autoclosure () -> String) {
        guard let hook else { return }
        line().withCString { hook(opaque, $0) }
    }

    /// A hypercall's event: QEMU names it spapr_iommu_pci_* on a PCI
    /// window's LIOBN (SPAPR_IS_PCI_LIOBN), spapr_iommu_* on any other.
    @inline(__always)
    static func call(_ kind: String, _ liobn: UInt64, _ fields: @autoclosure () -> String) {
        guard hook != nil else { return }
        let pci = liobn & 0x8000_0000 != 0 ? "pci_" : ""
        emit("spapr_iommu_\(pci)\(kind) liobn=0x\(hex(liobn)) \(fields())")
    }
}

func hex<T: BinaryInteger>(_ value: T) -> String { String(value, radix: 16) }

@c @implementation
public func spapr_tce_set_trace_hook(_ fn: SpaprTraceHook?, _ opaque: UnsafeMutableRawPointer?) {
    Trace.hook = fn
    Trace.opaque = fn == nil ? nil : opaque
    // Traced translates take the out-of-line path, which traces them.
    forEachTable { $0.engine.setFastReads(fn == nil) }
}
