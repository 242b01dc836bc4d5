import CSwiftTCEHost
import Synchronization

/// The engine's few process-wide objects, each made once, on first use,
/// and kept for the process's life. Not Swift globals: their lazy
/// initialisation goes through swift_once, in the runtime that
/// ThreadSanitizer does not instrument, so two threads' first uses look
/// like a race to it. Here the object is made under a pthread mutex and
/// published in an atomic word (the shim's), which it sees.
enum Singleton {
    /// The object in the shim's word `which`, made by make() if it is not
    /// there yet. make() must not ask for another singleton.
    static func get<Object: AnyObject>(_ which: Int32, _ make: () -> Object) -> Object {
        // SAFETY: one of the shim's words (which < SWIFTTCE_SINGLETONS),
        // only ever accessed as this atomic; what it holds is a retained
        // Object, never released.
        let word = unsafe UnsafeMutableRawPointer(swifttce_singleton_word(UInt32(which)))
            .bindMemory(to: Atomic<UnsafeMutableRawPointer?>.self, capacity: 1)
        if let raw = unsafe word.pointee.load(ordering: .acquiring) {
            return unsafe Unmanaged<Object>.fromOpaque(raw).takeUnretainedValue()
        }
        swifttce_once_lock()
        defer { swifttce_once_unlock() }
        if let raw = unsafe word.pointee.load(ordering: .acquiring) {
            return unsafe Unmanaged<Object>.fromOpaque(raw).takeUnretainedValue()
        }
        let made = make()
        // SAFETY: the word (above), published once, under the lock.
        unsafe word.pointee.store(Unmanaged.passRetained(made).toOpaque(), ordering: .releasing)
        return made
    }
}
