import CSwiftTCEHost
import Glibc
import Synchronization
import Testing
@testable import SwiftTCEEngine

// The grace periods (GracePeriod) and what the reclaimers (Reclaimer) do
// with them: a writer's synchronize waits for the reads that began before
// it and for no others, and garbage is freed only once no read that could
// see it is open. Observed with threads, flags and the address space: a
// mapping put in the garbage stays mapped until then.

/// What the threads of one test tell each other. Events are numbered in
/// the order they happen (sequence), so that the test can compare them.
final class Signals: Sendable {
    let inRead = Atomic<Bool>(false)
    let letGo = Atomic<Bool>(false)
    let stop = Atomic<Bool>(false)
    let sequence = Atomic<Int>(0)
    /// When the held read ended, and when the writer returned (0: not yet).
    let readEnded = Atomic<Int>(0)
    let writerReturned = Atomic<Int>(0)
    let reads = Atomic<Int>(0)
    /// What a writer or a reader found.
    let synchronized = Atomic<Bool>(false)
    let seenBefore = Atomic<UInt64>(0)
    let seenAfter = Atomic<UInt64>(0)

    func next() -> Int { sequence.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue }

    var writerDone: Bool { writerReturned.load(ordering: .sequentiallyConsistent) != 0 }

    func waitForRead() -> Bool { eventually(within: 5000) { inRead.load(ordering: .acquiring) } }
}

/// A thread that begins a read, runs inside (in the read), says so, and
/// ends the read only when told to.
func holdRead(_ signals: Signals, inside: @escaping () -> Void = {}) -> TestThread {
    TestThread {
        GracePeriod.read {
            inside()
            signals.inRead.store(true, ordering: .releasing)
            while !signals.letGo.load(ordering: .acquiring) { sched_yield() }
            signals.readEnded.store(signals.next(), ordering: .sequentiallyConsistent)
        }
    }
}

/// A Garbage that threads share (one at a time).
final class SharedGarbage: @unchecked Sendable {
    var garbage = Garbage()
}

/// A page of our own with a page of reserved address space on each side,
/// so that nothing else is mapped where it was once it goes.
struct GuardedPage {
    let region: UnsafeMutableRawPointer
    var page: UnsafeMutableRawPointer { region + pageSize }

    init() {
        let raw = mmap(nil, 3 * pageSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)!
        precondition(raw != swifttce_map_failed())
        region = raw
        mprotect(raw + pageSize, pageSize, PROT_READ | PROT_WRITE)
        (raw + pageSize).storeBytes(of: 0x5a, as: UInt8.self)
    }

    /// Unmaps the guards (the page is the garbage's).
    func unmapGuards() {
        munmap(region, pageSize)
        munmap(region + 2 * pageSize, pageSize)
    }
}

/// What the host's defer_free was handed, run when the test says.
nonisolated(unsafe) var deferred: [(fn: @convention(c) (UnsafeMutableRawPointer?) -> Void, arg: UnsafeMutableRawPointer?)] = []

let recordingDeferFree: Reclaimer.DeferFree = { fn, arg in
    deferred.append((fn!, arg))
}

/// A host's ops with the hooks given, the rest NULL.
func hostOps(notify: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<SwiftTCEMapping>?) -> Void)? = nil,
             readGuest: (@convention(c) (UnsafeMutableRawPointer?, UInt64, UnsafeMutableRawPointer?, Int) -> Bool)? = nil,
             deferFree: Reclaimer.DeferFree? = nil) -> SwiftTCEHostOps {
    SwiftTCEHostOps(size: MemoryLayout<SwiftTCEHostOps>.size, notify: notify, read_guest: readGuest,
                    defer_free: deferFree, set_error: nil, notify_range: nil)
}

extension EngineTests {
    @Suite("Grace periods and reclaiming", .timeLimit(.minutes(1)))
    struct GracePeriods {
        @Test("synchronize waits for a read that began before it")
        func waitsForEarlierRead() {
            let signals = Signals()
            let reader = holdRead(signals)
            #expect(signals.waitForRead())
            let writer = TestThread {
                signals.synchronized.store(GracePeriod.synchronize(), ordering: .relaxed)
                signals.writerReturned.store(signals.next(), ordering: .sequentiallyConsistent)
            }
            sleep(ms: 100)
            #expect(!signals.writerDone, "synchronize returned while an earlier read was open")
            signals.letGo.store(true, ordering: .releasing)
            reader.join()
            writer.join()
            let synchronized = signals.synchronized.load(ordering: .relaxed)
            #expect(synchronized, "no barrier on this machine")
            #expect(signals.readEnded.load(ordering: .relaxed) < signals.writerReturned.load(ordering: .relaxed))
        }

        @Test("synchronize does not wait for reads that begin after it: a thread reading without pause does not hold it up")
        func ignoresLaterReads() {
            let signals = Signals()
            let reader = TestThread {
                while !signals.stop.load(ordering: .relaxed) {
                    _ = GracePeriod.read {
                        signals.reads.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
            #expect(eventually(within: 5000) { signals.reads.load(ordering: .relaxed) > 0 })
            for _ in 0..<200 {
                #expect(GracePeriod.synchronize())
            }
            let before = signals.reads.load(ordering: .relaxed)
            #expect(eventually(within: 5000) { signals.reads.load(ordering: .relaxed) > before },
                    "the reader went on reading")
            signals.stop.store(true, ordering: .relaxed)
            reader.join()
        }

        @Test("SwiftTCE's own reclaimer frees garbage only once a read that could see it has ended")
        func ownReclaimerWaits() {
            let signals = Signals()
            let guarded = GuardedPage()
            defer { guarded.unmapGuards() }
            let shared = SharedGarbage()
            shared.garbage.add(mapping: guarded.page, length: pageSize)
            let reader = holdRead(signals)
            #expect(signals.waitForRead())
            let writer = TestThread {
                Reclaimer.own.reclaim(&shared.garbage)
                signals.writerReturned.store(signals.next(), ordering: .sequentiallyConsistent)
            }
            sleep(ms: 100)
            #expect(!signals.writerDone)
            let mapped = isMapped(guarded.page)
            #expect(mapped, "freed under an open read")
            if mapped {
                #expect(guarded.page.load(as: UInt8.self) == 0x5a)
            }
            signals.letGo.store(true, ordering: .releasing)
            reader.join()
            writer.join()
            #expect(!isMapped(guarded.page), "not freed after the read ended")
            #expect(shared.garbage.isEmpty)
        }

        @Test("the host's defer_free: the garbage is handed over whole and freed only when the host runs it")
        func hostReclaimerDefers() {
            let guarded = GuardedPage()
            defer { guarded.unmapGuards() }
            deferred = []
            var garbage = Garbage()
            garbage.add(mapping: guarded.page, length: pageSize)
            Reclaimer(deferFree: recordingDeferFree).reclaim(&garbage)
            #expect(garbage.isEmpty, "the caller's list is handed over")
            #expect(deferred.count == 1)
            guard let (fn, arg) = deferred.first else { return }
            let batch = arg!.assumingMemoryBound(to: Garbage.self)
            #expect(batch.pointee.count == 1 && batch.pointee.bytes == pageSize)
            #expect(isMapped(guarded.page), "freed before the host's grace period")
            fn(arg)
            #expect(!isMapped(guarded.page), "not freed when the host ran it")
            deferred = []
            // Nothing to free, nothing handed over.
            Reclaimer(deferFree: recordingDeferFree).reclaim(&garbage)
            #expect(deferred.isEmpty)
        }

        @Test("disabling a tree window waits for a read in it; new reads see the window gone, the old one its entry")
        func disableWaitsForReads() throws {
            var ops = hostOps()
            let table = try #require(TCETable.create(ops: &ops, hostTable: nil))
            defer { table.destroy() }
            let nbTable: UInt32 = 1 << 23
            #expect(table.enable(pageShift: 16, busOffset: 0, nbTable: nbTable) == nil)
            let addr: UInt64 = 12345 << 16
            #expect(table.putTCE(ioba: addr, tce: 0x7_0000_0003) == hSuccess)
            #expect(table.getTCE(ioba: addr) == 0x7_0000_0003)

            let signals = Signals()
            nonisolated(unsafe) var held: (UInt64, UInt32, Storage)?
            let reader = holdRead(signals) {
                held = table.entry(addr)
                signals.seenBefore.store(held.map { $0.2.load($0.0) } ?? 0, ordering: .relaxed)
            }
            #expect(signals.waitForRead())
            let writer = TestThread {
                table.disable()
                signals.writerReturned.store(signals.next(), ordering: .sequentiallyConsistent)
            }
            // The window is withdrawn first: a read that begins now sees none.
            #expect(eventually(within: 5000) { table.getTCE(ioba: addr) == nil })
            sleep(ms: 100)
            let writerDone = signals.writerDone
            #expect(!writerDone, "disable returned while a read in its window was open")
            // The read that began before still has the whole old window
            // (looked at only if it was not freed: that would be a crash).
            if !writerDone, let (index, _, storage) = held {
                signals.seenAfter.store(storage.load(index), ordering: .relaxed)
            }
            signals.letGo.store(true, ordering: .releasing)
            reader.join()
            writer.join()
            #expect(signals.seenBefore.load(ordering: .relaxed) == 0x7_0000_0003)
            #expect(signals.seenAfter.load(ordering: .relaxed) == 0x7_0000_0003)
            #expect(table.nbTable == 0 && table.storageBytes == 0)
        }
    }
}
