import CSwiftTCEHost
import Glibc
import Synchronization

/// A table's lock. Taking it is one atomic instruction; letting it go is a
/// plain store, which, unlike a read-modify-write, does not wait for the
/// stores before it (a hypercall's store to an entry that missed the cache).
/// A waiter spins briefly, then yields the CPU: the lock is held for one
/// call and its notifications, never across a wait of ours.
@usableFromInline
struct TableLock: ~Copyable {
    @usableFromInline let word = Atomic<UInt32>(0)
    /// The holding thread (the address of its reader record, a per-thread
    /// address, compared and never followed), 0 when free: a thread that
    /// holds it already is refused, not deadlocked.
    @usableFromInline let owner = Atomic<UInt>(0)

    init() {}

    /// The calling thread, as owner holds it.
    @inlinable @inline(__always)
    static var thisThread: UInt {
        // SAFETY: the address of the thread's own TLS record, only compared.
        UInt(bitPattern: unsafe swifttce_reader_self())
    }

    /// Takes the lock; false (not taken) when this thread holds it already.
    @inlinable @inline(__always)
    func lock() -> Bool {
        let me = TableLock.thisThread
        if owner.load(ordering: .relaxed) == me { return false }
        if !word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            wait()
        }
        owner.store(me, ordering: .relaxed)
        return true
    }

    /// Another thread holds it: spin a little, then yield, until it is ours.
    @usableFromInline @inline(never)
    func wait() {
        var spins = 0
        repeat {
            while word.load(ordering: .relaxed) != 0 {
                spins += 1
                if spins > 100 { sched_yield() }
            }
        } while !word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged
    }

    @inlinable @inline(__always)
    func unlock() {
        owner.store(0, ordering: .relaxed)
        word.store(0, ordering: .releasing)
    }
}

extension TCETable {
    /// Runs body with the table locked, handing it the table's garbage;
    /// nil (body not run) when this thread holds the lock already. After
    /// unlocking, the garbage is reclaimed when there is enough of it, or
    /// always when `reclaim` says so.
    @inlinable @inline(__always)
    func locked<Result>(reclaim: Bool = false, _ body: (inout Garbage) -> Result) -> Result? {
        guard fields.lock.lock() else { return nil }
        // Through a local: an inout access through the state would be one
        // to the whole state, fields that reads load included.
        // SAFETY: the table's own Garbage (create), which only the lock
        // holder touches.
        let garbage = unsafe fields.garbage
        let result = unsafe body(&garbage.pointee)
        var taken = Garbage()
        if unsafe reclaim || garbage.pointee.bytes >= Garbage.batchBytes {
            unsafe swap(&taken, &garbage.pointee)
        }
        fields.lock.unlock()
        if !taken.isEmpty { fields.reclaimer.reclaim(&taken) }
        return result
    }
}
