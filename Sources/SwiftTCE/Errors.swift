import CSwiftTCE
import Glibc

// The standalone library's Error: a malloc'd message. Nothing is thrown
// across the C boundary: functions return a status and store an Error
// through errp, as QEMU's do.

/// The C Error object (CSwiftTCE.Error: the name Error is Swift's own too).
public typealias CError = CSwiftTCE.Error
public typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CError>?>

/// What an Error * points at: a message the Error owns (malloc'd, freed by
/// error_free). Unsafe to use: it is a C string by pointer.
@unsafe private struct ErrorBody {
    let message: UnsafeMutablePointer<CChar>
}

/// Reports message through errp as QEMU's error_setg does, except that an
/// error already there is kept instead of asserted on. @safe: errp is NULL
/// or a caller's Error ** (the C contract).
@safe func setError(_ errp: ErrorOut?, _ message: String) {
    // SAFETY: errp is NULL or the caller's Error **, as above.
    guard let errp = unsafe errp, unsafe errp.pointee == nil else { return }
    // SAFETY: strdup copies the string; the copy is the Error's, or freed below.
    guard let text = unsafe strdup(message) else { return }
    // SAFETY: a new block of ErrorBody's size, bound and initialised before
    // it is handed out; on failure the copy is freed and nothing is set.
    guard let raw = unsafe malloc(MemoryLayout<ErrorBody>.stride) else { return unsafe free(text) }
    // SAFETY: as above.
    unsafe raw.bindMemory(to: ErrorBody.self, capacity: 1).initialize(to: ErrorBody(message: text))
    // SAFETY: the Error's handle is its body (C sees the type opaque).
    unsafe errp.pointee = raw.assumingMemoryBound(to: CError.self)
}

/// The -errno status that goes with a refused request.
let statusInvalid: Int32 = -EINVAL

/// The configuration a `new` call was given, or nil with the reason in errp
/// ("call: ..."): none, or the problem `check` finds. @safe: cfg is NULL or
/// the caller's struct, and errp NULL or an Error ** (the C contract).
@safe func checkedConfig<Config>(_ cfg: UnsafePointer<Config>?, for call: String, _ errp: ErrorOut?,
                                 _ check: (Config) -> String?) -> Config? {
    guard let config = unsafe cfg?.pointee else {  // SAFETY: the contract above
        setError(errp, "\(call): the configuration is NULL")
        return nil
    }
    if let problem = check(config) {
        setError(errp, "\(call): \(problem)")
        return nil
    }
    return config
}

/// An Error's message. @safe: err is NULL or an Error setError made and
/// error_free has not freed (the C contract).
@safe private func message(_ err: UnsafePointer<CError>?) -> UnsafeMutablePointer<CChar>? {
    // SAFETY: setError made every Error, an ErrorBody (the contract above).
    unsafe err.map { unsafe UnsafeRawPointer($0).load(as: ErrorBody.self).message }
}

@c @implementation
public func error_get_pretty(_ err: UnsafePointer<CError>?) -> UnsafePointer<CChar>? {
    // SAFETY: a pointer handed back, not read here.
    unsafe message(err).map { unsafe UnsafePointer($0) }
}

@c @implementation
public func error_free(_ err: UnsafeMutablePointer<CError>?) {
    // SAFETY: message's contract; the message and the body are setError's mallocs.
    unsafe free(message(err))
    // SAFETY: as above.
    unsafe free(err)
}
