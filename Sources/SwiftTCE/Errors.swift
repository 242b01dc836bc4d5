import CSwiftTCE
import Glibc

// The standalone library's Error: a malloc'd message. Nothing is thrown
// across the C boundary: functions return a status and store an Error
// through errp, as QEMU's do.

/// The C Error object (CSwiftTCE.Error: the name Error is Swift's own too).
public typealias CError = CSwiftTCE.Error
public typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CError>?>

/// What an Error * points at.
private struct ErrorBody {
    let message: UnsafeMutablePointer<CChar>
}

/// Reports message through errp as QEMU's error_setg does, except that an
/// error already there is kept instead of asserted on.
func setError(_ errp: ErrorOut?, _ message: String) {
    guard let errp, errp.pointee == nil,
          let raw = malloc(MemoryLayout<ErrorBody>.stride) else { return }
    guard let text = strdup(message) else {
        free(raw)
        return
    }
    raw.bindMemory(to: ErrorBody.self, capacity: 1).initialize(to: ErrorBody(message: text))
    errp.pointee = raw.assumingMemoryBound(to: CError.self)
}

/// The -errno status that goes with a refused request.
let statusInvalid: Int32 = -EINVAL

private func body(_ err: UnsafePointer<CError>) -> UnsafeMutablePointer<ErrorBody> {
    // SAFETY: setError() makes every Error.
    UnsafeMutableRawPointer(mutating: err).assumingMemoryBound(to: ErrorBody.self)
}

@c @implementation
public func error_get_pretty(_ err: UnsafePointer<CError>?) -> UnsafePointer<CChar>? {
    err.map { UnsafePointer(body($0).pointee.message) }
}

@c @implementation
public func error_free(_ err: UnsafeMutablePointer<CError>?) {
    guard let err else { return }
    free(body(err).pointee.message)
    free(err)
}
