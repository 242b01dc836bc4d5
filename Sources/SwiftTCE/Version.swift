import CSwiftTCE
import SwiftTCEEngine

// swifttce.h's swifttce_standalone_version: the engine's answer, under the
// standalone library's own name (swifttce.h says why it has its own).

@c @implementation
public func swifttce_standalone_version() -> UnsafePointer<CChar>? {
    // SAFETY: the engine's static string (host.h's swifttce_version).
    unsafe swifttce_version()
}
