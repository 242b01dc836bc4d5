import CSwiftTCEHost
import Glibc
import Synchronization

// SwiftTCE's own read-side protection: translate and H_GET_TCE run as reads,
// and a writer that takes something away from readers waits for the reads
// that may still see it (synchronize) before changing or freeing it.
//
// A read costs a load of the epoch (a line every core keeps shared) and two
// stores to the thread's own record (swifttce_reader, in TLS): `active` is
// the epoch the read began in, 0 outside. No lock, no read-modify-write, no
// fence, and no store that the next read must load, so back-to-back reads do
// not wait on each other. The price is the writer's: synchronize() moves the
// epoch on, runs a memory barrier on every running thread of the process
// (membarrier(2)), so that every read that began before is visible and every
// later one sees what the writer unpublished, then waits for each record
// still active in an older epoch. Reads are a few nanoseconds long, and a
// reader that starts again is in the new epoch, so the wait is short and
// ends.
//
// Where the kernel has no membarrier, changing a page's protection makes it
// interrupt every CPU running one of our threads, which is a barrier too.
// Where neither works, each read runs a full fence of its own after its
// store (as QEMU's RCU readers do without membarrier): the epoch carries
// readersFence, so that the read learns it from the load it makes anyway.
// synchronize() fails only if a barrier that worked stops working.
//
// SWIFTTCE_TEST_GRACE_PERIOD, read once, is for the tests: "mprotect" and
// "fence" make membarrier (and mprotect) look unavailable; "lie" makes
// synchronize() return at once, waiting for no read (the suite must notice),
// and "fail" makes it fail (nothing may be freed or changed under readers).

/// A thread's reader record (swifttce_reader, the shim's TLS), by address.
///
/// Safe to use, by this contract: the address is a live thread's record:
/// the calling thread's own (current), or one the registry holds, which a
/// thread's exit removes (under the registry's lock) before its TLS goes.
/// Only active is shared, and only through atomics.
@safe @usableFromInline
struct ReaderRecord: Equatable {
    @usableFromInline let record: UnsafeMutablePointer<swifttce_reader>

    @usableFromInline static func == (a: ReaderRecord, b: ReaderRecord) -> Bool {
        // SAFETY: addresses compared, not followed.
        unsafe a.record == b.record
    }

    @usableFromInline @unsafe init(_ record: UnsafeMutablePointer<swifttce_reader>) {
        // SAFETY: the caller's: a live thread's record (the contract above).
        unsafe self.record = record
    }

    /// The calling thread's.
    @inlinable @inline(__always)
    static var current: ReaderRecord {
        // SAFETY: the thread's own TLS record (the shim's, never NULL).
        unsafe ReaderRecord(swifttce_reader_self()!)
    }

    /// The epoch the thread's read began in; 0 outside reads.
    @inlinable
    var active: UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: active is the record's first word (the shim asserts it),
        // only ever accessed as this atomic.
        unsafe UnsafeMutableRawPointer(record).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
    }

    /// The thread's own flag: in the registry.
    @inlinable
    var isRegistered: Bool {
        // SAFETY: the record (the contract above); only its thread and the
        // registry, under its lock, write it.
        get { unsafe record.pointee.registered != 0 }
        nonmutating set { unsafe record.pointee.registered = newValue ? 1 : 0 }
    }

    /// Starts a read in epoch (relaxed: the barrier orders it).
    @inlinable @inline(__always)
    func announce(_ epoch: UInt64) {
        // SAFETY: as active.
        unsafe active.pointee.store(epoch, ordering: .relaxed)
    }

    /// Ends the read.
    @inlinable @inline(__always)
    func leave() {
        // SAFETY: as active.
        unsafe active.pointee.store(0, ordering: .releasing)
    }

    /// The epoch its read began in, for the writer; 0 outside reads.
    func activeEpoch() -> UInt64 {
        // SAFETY: as active.
        unsafe active.pointee.load(ordering: .acquiring)
    }
}

@usableFromInline
enum GracePeriod {
    /// The epoch, as an atomic.
    @inlinable
    static var epoch: UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: the shim's global: a naturally aligned word that only
        // atomics touch, for the process's life.
        unsafe UnsafeMutableRawPointer(swifttce_epoch_word()).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
    }

    /// Set in every epoch when reads must fence themselves (no barrier
    /// reaches them from the writer). Every epoch has it or none does.
    @usableFromInline static var readersFence: UInt64 { 1 << 63 }

    /// Marks the calling thread as reading; nil when the thread has no
    /// record yet (register, then begin again).
    @inlinable @inline(__always)
    static func begin() -> ReaderRecord? {
        let reader = ReaderRecord.current
        guard reader.isRegistered else { return nil }
        // SAFETY: the epoch (above).
        let now = unsafe epoch.pointee.load(ordering: .acquiring)
        reader.announce(now)
        if _slowPath(now & readersFence != 0) {
            // The loads below wait for that store to be seen.
            atomicMemoryFence(ordering: .sequentiallyConsistent)
        } else {
            // The CPU may still let the loads below pass that store: the
            // writer's barrier in synchronize() is what orders them.
            swifttce_compiler_barrier()
        }
        return reader
    }

    /// Runs body as a read. Reads do not nest.
    @inlinable @inline(__always)
    static func read<Result>(_ body: () -> Result) -> Result {
        guard let reader = begin() else {
            register()
            return read(body)
        }
        let result = body()
        reader.leave()
        return result
    }

    /// Waits until every read that began before this call has ended, and
    /// returns true; false when the barrier failed (then nothing a read may
    /// hold may be freed or changed). Never call it from inside a read.
    static func synchronize() -> Bool {
        Registry.shared.synchronize()
    }

    /// Whether synchronize() can wait for readers (what a host's storage,
    /// which it unmaps when the call returns, needs): false once a barrier
    /// failed.
    static var isAvailable: Bool {
        Registry.shared.barrierAvailable
    }

    /// Puts the calling thread's record in the registry (its first read).
    @usableFromInline @inline(never)
    static func register() {
        Registry.shared.add(ReaderRecord.current)
    }

    /// Every thread's record, and how synchronize() reaches other threads.
    /// @unchecked Sendable, by this contract: its only mutable state is in
    /// state (PosixLocked), and exitKey is set once, in init.
    private final class Registry: @unchecked Sendable {
        static var shared: Registry {
            Singleton.get(Int32(SWIFTTCE_SINGLETON_REGISTRY)) { Registry() }
        }

        /// @unchecked Sendable, by this contract: it lives in state, under
        /// the mutex. The records are threads' TLS, valid until each
        /// thread's exit removes its own (others only load its atomic
        /// active word); the barrier's page is the registry's own.
        private struct State: @unchecked Sendable {
            /// The records of live threads that have read (each thread's
            /// TLS, valid until its exit removes it here).
            var records: [ReaderRecord] = []
            var barrier: Barrier
        }

        /// Serialises the registry and the writers; never taken by a read.
        private let state: PosixLocked<State>
        /// Gives a thread's record up when the thread exits.
        private let exitKey: pthread_key_t

        /// Made by the first read (register) or the first writer, so before
        /// any read begins: every read sees the epoch's readersFence.
        private init() {
            let barrier = Barrier.choose()
            if case .readersFence = barrier {
                // SAFETY: the epoch (GracePeriod.epoch).
                let epoch = unsafe GracePeriod.epoch.pointee.load(ordering: .relaxed)
                unsafe GracePeriod.epoch.pointee.store(epoch | GracePeriod.readersFence, ordering: .releasing)
            }
            state = PosixLocked(State(barrier: barrier))
            var key = pthread_key_t()
            // SAFETY: the key only ever holds a thread's own record (add),
            // handed to its destructor as the thread exits.
            unsafe pthread_key_create(&key) { raw in
                guard let raw = unsafe raw else { return }
                unsafe Registry.shared.remove(ReaderRecord(UnsafeMutableRawPointer(mutating: raw)
                    .assumingMemoryBound(to: swifttce_reader.self)))
            }
            exitKey = key
        }

        func add(_ reader: ReaderRecord) {
            state.withLock { $0.records.append(reader) }
            reader.isRegistered = true
            // SAFETY: the calling thread's own record, for its exit.
            unsafe pthread_setspecific(exitKey, UnsafeRawPointer(reader.record))
        }

        /// The thread is exiting: its TLS goes after this.
        private func remove(_ reader: ReaderRecord) {
            state.withLock { state in
                state.records.removeAll { $0 == reader }
            }
            // A read in a later destructor of the thread registers again.
            reader.isRegistered = false
        }

        var barrierAvailable: Bool {
            state.withLock { state -> Bool in
                if case .failing = state.barrier { return false }
                return true
            }
        }

        func synchronize() -> Bool {
            state.withLock { state -> Bool in
                // SAFETY: the epoch (GracePeriod.epoch).
                let target = unsafe GracePeriod.epoch.pointee.load(ordering: .relaxed) &+ 1
                unsafe GracePeriod.epoch.pointee.store(target, ordering: .releasing)
                switch state.barrier.run() {
                case .ran: break
                case .lied: return true
                case .failed:
                    state.barrier = .failing
                    return false
                }
                for reader in state.records {
                    var spins = 0
                    while true {
                        let epoch = reader.activeEpoch()
                        if epoch == 0 || epoch >= target { break }
                        spins += 1
                        if spins > 64 { sched_yield() }
                    }
                }
                return true
            }
        }
    }

    /// What orders every running read's announcement before the writer
    /// looks at the records. Safe to use: protectionFlip's page is a
    /// mapping of its own, made by protectionFlip() and kept for good.
    @safe private enum Barrier {
        /// membarrier(2): a memory barrier on every CPU that runs one of
        /// our threads.
        case membarrier
        /// Where membarrier is missing: changing a page's protection makes
        /// the kernel interrupt every CPU running one of our threads to
        /// flush its TLB, and an interrupt is a full barrier.
        case protectionFlip(UnsafeMutableRawPointer)
        /// Neither works: the reads fence themselves (readersFence), the
        /// writer fences too.
        case readersFence
        /// A barrier failed, or the test switch says so: no grace period.
        case failing
        /// The test switch: a grace period that waits for no one.
        case lie

        enum Outcome { case ran, lied, failed }

        static func choose() -> Barrier {
            // SAFETY: getenv's string, copied at once (the tests set it
            // before the first read).
            let test = unsafe getenv("SWIFTTCE_TEST_GRACE_PERIOD").map { unsafe String(cString: $0) }
            switch test {
            case "lie": return .lie
            case "fail": return .failing
            case "fence": return .readersFence
            case "mprotect": return protectionFlip() ?? .readersFence
            default: break
            }
            let wanted = Int(SWIFTTCE_MEMBARRIER_PRIVATE_EXPEDITED)
            let offered = swifttce_membarrier(Int32(SWIFTTCE_MEMBARRIER_QUERY))
            if offered >= 0, offered & wanted != 0,
               swifttce_membarrier(Int32(SWIFTTCE_MEMBARRIER_REGISTER_PRIVATE_EXPEDITED)) == 0 {
                return .membarrier
            }
            return protectionFlip() ?? .readersFence
        }

        /// A page of our own to flip, if the kernel lets us flip it.
        private static func protectionFlip() -> Barrier? {
            // SAFETY: a page of our own, kept or unmapped below.
            guard let page = unsafe Pages.map(bytes: Pages.size) else { return nil }
            // SAFETY: the page just mapped, the barrier's for good, or
            // unmapped at once when it cannot be flipped.
            let flip = unsafe Barrier.protectionFlip(page)
            guard case .ran = flip.run() else {
                unsafe Pages.unmap(page, bytes: Pages.size)
                return nil
            }
            return flip
        }

        func run() -> Outcome {
            switch self {
            case .membarrier:
                return swifttce_membarrier(Int32(SWIFTTCE_MEMBARRIER_PRIVATE_EXPEDITED)) == 0 ? .ran : .failed
            case .protectionFlip(let page):
                // The page must be present and writable for the downgrade to
                // flush anything.
                // SAFETY: the barrier's own page (protectionFlip()).
                unsafe page.storeBytes(of: 1, as: UInt8.self)
                let flipped = unsafe mprotect(page, Pages.size, PROT_READ) == 0 &&
                    mprotect(page, Pages.size, PROT_READ | PROT_WRITE) == 0
                return flipped ? .ran : .failed
            case .readersFence:
                // The writer's half: its stores (and the epoch's) before its
                // loads of the records.
                atomicMemoryFence(ordering: .sequentiallyConsistent)
                return .ran
            case .failing:
                return .failed
            case .lie:
                return .lied
            }
        }
    }
}
