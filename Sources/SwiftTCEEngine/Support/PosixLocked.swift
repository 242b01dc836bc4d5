import Glibc

/// A value behind a pthread mutex, for the engine's few process-wide
/// registries (readers, pooled tables); never on a hot path. Not the
/// standard library's Mutex: that one waits on futexes directly, which
/// ThreadSanitizer cannot see order anything.
///
/// @unchecked Sendable, by this contract: value is touched only inside
/// withLock, under the mutex, so a Sendable value may be shared; the mutex
/// is allocated once and never freed (the registries live as long as the
/// process).
@safe
final class PosixLocked<Value>: @unchecked Sendable where Value: Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        // SAFETY: its own mutex, initialised here, kept for good.
        unsafe mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        unsafe pthread_mutex_init(mutex, nil)
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        // SAFETY: the mutex init made.
        unsafe pthread_mutex_lock(mutex)
        defer { unsafe pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}
