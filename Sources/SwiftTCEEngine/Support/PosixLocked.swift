import Glibc

/// A value behind a pthread mutex, for the engine's few process-wide
/// registries (readers, pooled tables); never on a hot path. Not the
/// standard library's Mutex: that one waits on futexes directly, which
/// ThreadSanitizer cannot see order anything.
final class PosixLocked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}
