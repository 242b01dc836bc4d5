import CSwiftTCEHost

// The C boundary of host.h for the four TCE hypercalls.

@c @implementation
public func swifttce_put_tce(_ t: UnsafeMutablePointer<SwiftTCETable>?, _ ioba: UInt64, _ tce: UInt64) -> Int64 {
    // SAFETY: t is swifttce_table_new's, not freed (host.h).
    unsafe TCETable(t)?.putTCE(ioba: ioba, tce: tce) ?? hParameter
}

@c @implementation
public func swifttce_get_tce(
    _ t: UnsafePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce: UnsafeMutablePointer<UInt64>?
) -> Int64 {
    // Nowhere to put the answer is a bad argument, not a silent success.
    // SAFETY: t is swifttce_table_new's, not freed; tce is the caller's
    // out-parameter (host.h).
    guard let tce = unsafe tce, let value = unsafe TCETable(t)?.getTCE(ioba: ioba) else { return hParameter }
    unsafe tce.pointee = value
    return hSuccess
}

@c @implementation
public func swifttce_stuff_tce(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_value: UInt64,
    _ npages: UInt64
) -> Int64 {
    // SAFETY: the caller's t, as it came.
    unsafe swifttce_stuff_tce_trace(t, ioba, tce_value, npages, nil)
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
    // SAFETY: t is swifttce_table_new's, not freed; trace is the caller's
    // out-parameter, or NULL (host.h).
    defer { unsafe trace?.pointee = seen }
    return unsafe TCETable(t)?.stuffTCE(ioba: ioba, value: tce_value, npages: npages, trace: &seen) ?? hParameter
}

@c @implementation
public func swifttce_put_tce_indirect(
    _ t: UnsafeMutablePointer<SwiftTCETable>?,
    _ ioba: UInt64,
    _ tce_list: UInt64,
    _ npages: UInt64,
    _ guest: UnsafeMutableRawPointer?
) -> Int64 {
    // SAFETY: the caller's t and guest, as they came.
    unsafe swifttce_put_tce_indirect_trace(t, ioba, tce_list, npages, guest, nil)
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
    // SAFETY: t is swifttce_table_new's, not freed; trace is the caller's
    // out-parameter, or NULL; guest is only handed to read_guest (host.h).
    defer { unsafe trace?.pointee = seen }
    return unsafe TCETable(t)?.putTCEIndirect(ioba: ioba, tceList: tce_list, npages: npages, guest: guest,
                                       trace: &seen) ?? hParameter
}
