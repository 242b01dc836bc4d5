import CSwiftTCEHost

// The C boundary of host.h for the four TCE hypercalls.

@c @implementation
public func swifttce_put_tce(_ t: UnsafeMutablePointer<SwiftTCETable>?, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    TCETable(t)?.putTCE(ioba: ioba, tce: tce) ?? hParameter
}

@c @implementation
public func swifttce_get_tce(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce: UnsafeMutablePointer<UInt64>?
) -> Int64 {
    // Nowhere to put the answer is a bad argument, not a silent success.
    guard let tce, let value = TCETable(t)?.getTCE(ioba: ioba) else { return hParameter }
    tce.pointee = value
    return hSuccess
}

@c @implementation
public func swifttce_stuff_tce(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_value: UInt64,
    _ npages: UInt64
) -> Int64 {
    swifttce_stuff_tce_trace(t, ioba, tce_value, npages, nil)
}

@c @implementation
public func swifttce_stuff_tce_trace(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_value: UInt64,
    _ npages: UInt64,
    _ trace: UnsafeMutablePointer<SwiftTCECallTrace>?
) -> Int64 {
    var seen = CallTrace()
    defer { trace?.pointee = seen }
    return TCETable(t)?.stuffTCE(ioba: ioba, value: tce_value, npages: npages, trace: &seen) ?? hParameter
}

@c @implementation
public func swifttce_put_tce_indirect(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ guest: UnsafeMutableRawPointer?
) -> Int64 {
    swifttce_put_tce_indirect_trace(t, ioba, tce_list, npages, guest, nil)
}

@c @implementation
public func swifttce_put_tce_indirect_trace(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ guest: UnsafeMutableRawPointer?,
    _ trace: UnsafeMutablePointer<SwiftTCECallTrace>?
) -> Int64 {
    var seen = CallTrace()
    defer { trace?.pointee = seen }
    return TCETable(t)?.putTCEIndirect(ioba: ioba, tceList: tce_list, npages: npages, guest: guest,
                                       trace: &seen) ?? hParameter
}
