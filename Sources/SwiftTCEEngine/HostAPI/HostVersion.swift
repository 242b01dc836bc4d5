import CSwiftTCEHost

// The C boundary of host.h's swifttce_version: what a host that dlopens the
// library compares with the SWIFTTCE_VERSION it was built against.

@c @implementation
public func swifttce_version() -> UnsafePointer<CChar>? {
    // SAFETY: the header's string literal, static storage, never written.
    unsafe swifttce_version_literal()
}
