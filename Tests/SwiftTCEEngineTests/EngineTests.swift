import Glibc
import Testing

// `swift test`: the engine's Swift-level invariants, which the C drivers in
// Tests/ reach only through the C contract: the storage against a plain
// model, the grace periods' ordering, the fast geometry word, and the TCE
// layer through its package API. Internals, through @testable import; the
// C headers are the API and Tests/*.c test that.
//
// One serialized suite: some tests watch the address space (mincore) for a
// mapping to go, which another test's mmap could take the place of, and the
// grace-period tests hold reads open, which would stall other tests'
// writers.
@Suite(.serialized)
enum EngineTests {}

/// SplitMix64: a small seeded generator, so that a failing sequence can be
/// run again from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// The kernel's page size.
let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

/// Which of the pages from start on are resident (mincore), or nil when
/// part of the range is not mapped at all.
func residentPages(_ start: UnsafeRawPointer, bytes: Int) -> [Bool]? {
    let pages = (bytes + pageSize - 1) / pageSize
    var vector = [UInt8](repeating: 0, count: pages)
    let status = vector.withUnsafeMutableBufferPointer {
        mincore(UnsafeMutableRawPointer(mutating: start), bytes, $0.baseAddress)
    }
    return status == 0 ? vector.map { $0 & 1 != 0 } : nil
}

/// Whether the page at address is mapped (mincore fails with ENOMEM for an
/// address that is not).
func isMapped(_ address: UnsafeRawPointer) -> Bool {
    residentPages(address, bytes: pageSize) != nil
}

/// A thread running body; join() waits for it.
final class TestThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            // SAFETY: the retained box made above, taken back once.
            let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create: \(status)")
    }

    func join() {
        pthread_join(thread, nil)
    }
}

/// Sleeps for ms milliseconds.
func sleep(ms: Int) {
    var ts = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    nanosleep(&ts, nil)
}

/// Polls condition every millisecond for up to ms milliseconds; whether it
/// became true.
func eventually(within ms: Int, _ condition: () -> Bool) -> Bool {
    for _ in 0..<ms {
        if condition() { return true }
        sleep(ms: 1)
    }
    return condition()
}
