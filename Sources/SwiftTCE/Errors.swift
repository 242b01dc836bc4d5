import CSwiftTCE
import Glibc

// An `Error *` is a malloc'd C string: the message is all it carries, and C
// frees it with error_free(). Nothing is thrown across the C boundary.

/// Reports `message` through `errp` the way QEMU's error_setg does, except
/// that an error already there is kept instead of asserted on.
func setError(_ errp: UnsafeMutablePointer<OpaquePointer?>?, _ message: String) {
    guard let errp, errp.pointee == nil else { return }
    errp.pointee = OpaquePointer(strdup(message))
}

/// The -errno status that goes with a refused request.
let statusInvalid: Int32 = -EINVAL

@c @implementation
public func error_get_pretty(_ err: OpaquePointer?) -> UnsafePointer<CChar>? {
    UnsafePointer(UnsafeMutablePointer<CChar>(err))
}

@c @implementation
public func error_free(_ err: OpaquePointer?) {
    free(UnsafeMutableRawPointer(err))
}
