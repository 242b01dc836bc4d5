import Glibc
import Synchronization
import Testing
@testable import SwiftTCEEngine

// The storage (Storage: FlatStorage up to 2^22 entries, RadixTree beyond)
// under long random sequences of stores, clears, trims, walks and loads,
// each checked against a Dictionary of what every index should hold.

/// One entry as a walk reports it.
struct Entry: Equatable, CustomStringConvertible {
    let index: UInt64
    let value: UInt64
    var description: String { "\(index):0x\(String(value, radix: 16))" }
}

/// A storage beside its model, and the random operations on both.
struct StorageUnderTest {
    let storage: Storage
    let count: UInt64
    /// What a new storage of this size holds (a tree: its root).
    let emptyBytes: Int
    var model: [UInt64: UInt64] = [:]
    var garbage = Garbage()
    var rng: SplitMix64
    /// Where most indices fall: (first, width). Narrow ones fill a leaf past
    /// a sparse node's 16 slots and empty it again; wide ones give an inner
    /// node more children than a sparse node holds.
    private var clusters: [(UInt64, UInt64)] = []
    /// Whether loads may go anywhere. A flat storage's are kept to pages
    /// that hold entries: a load of a page never written maps the kernel's
    /// zero page there, which mincore would count as resident.
    let loadsAnywhere: Bool

    init(storage: Storage, count: UInt64, seed: UInt64) {
        self.storage = storage
        self.count = count
        self.emptyBytes = storage.byteCount
        rng = SplitMix64(seed: seed)
        if case .flat = storage { loadsAnywhere = false } else { loadsAnywhere = true }
        for width in [64, 700, 3000, 1 << 15] as [UInt64] {
            clusters.append((UInt64.random(in: 0..<count, using: &rng), min(width, count)))
        }
    }

    mutating func randomIndex() -> UInt64 {
        if rng.next() % 16 == 0 { return UInt64.random(in: 0..<count, using: &rng) }
        let (first, width) = clusters.randomElement(using: &rng)!
        return (first + UInt64.random(in: 0..<width, using: &rng)) % count
    }

    /// A non-zero TCE, any bits.
    mutating func randomValue() -> UInt64 { UInt64.random(in: 1...UInt64.max, using: &rng) }

    /// A range from a random index: mostly up to maxLength; to the end of the window,
    /// or with a count that runs past 2^64, one time in `long`.
    mutating func randomRange(long: UInt64, maxLength: UInt64) -> (first: UInt64, count: UInt64) {
        let first = randomIndex()
        switch rng.next() % (2 * long) {
        case 0: return (first, count - first)
        case 1: return (first, UInt64.max)
        case 2: return (first, 0)
        default: return (first, UInt64.random(in: 1...min(maxLength, count - first), using: &rng))
        }
    }

    static func inRange(_ index: UInt64, _ first: UInt64, _ n: UInt64) -> Bool {
        index >= first && index - first < n
    }

    mutating func store(_ index: UInt64, _ value: UInt64) {
        #expect(storage.store(index, value, garbage: &garbage), "store \(index)")
        model[index] = value == 0 ? nil : value
    }

    mutating func clear(from first: UInt64, count n: UInt64) {
        storage.clear(from: first, count: min(n, count - first), garbage: &garbage)
        model = model.filter { !StorageUnderTest.inRange($0.key, first, n) }
    }

    func walk(from first: UInt64, count n: UInt64) -> [Entry] {
        var seen: [Entry] = []
        storage.forEachNonZero(from: first, count: n) { seen.append(Entry(index: $0, value: $1)) }
        return seen
    }

    func expectedWalk(from first: UInt64, count n: UInt64) -> [Entry] {
        model.filter { StorageUnderTest.inRange($0.key, first, n) }
            .map { Entry(index: $0.key, value: $0.value) }
            .sorted { $0.index < $1.index }
    }

    /// An index to load: a mapped one or a neighbour in its page; anywhere
    /// too when loadsAnywhere.
    mutating func randomLoadIndex() -> UInt64? {
        if loadsAnywhere && rng.next() % 2 == 0 { return randomIndex() }
        guard let key = model.keys.randomElement(using: &rng) else { return nil }
        let unitEntries = UInt64(pageSize / 8)
        return min(count - 1, key & ~(unitEntries - 1) | UInt64.random(in: 0..<unitEntries, using: &rng))
    }

    /// steps random operations, calling checkpoint every 512 (and freeing
    /// the garbage then: no reader can be in it). Phases of 2048 steps
    /// alternate: mostly maps, so that nodes fill up and change shape, then
    /// mostly unmaps, so that they shrink and go.
    mutating func run(steps: Int, checkpoint: (StorageUnderTest) -> Void) {
        for step in 0..<steps {
            let mapping = step / 2048 % 2 == 0
            switch rng.next() % 100 {
            case 0..<(mapping ? 65 : 20):
                store(randomIndex(), randomValue())
            case ..<70:
                // An unmap: a mapped entry or, now and then, one that is not.
                let index = rng.next() % 4 == 0 ? randomIndex() : model.keys.randomElement(using: &rng)
                if let index { store(index, 0) }
            case ..<72:
                let (first, n) = randomRange(long: 50, maxLength: 300)
                clear(from: first, count: n)
            case ..<86:
                let (first, n) = randomRange(long: 3, maxLength: 5000)
                let seen = walk(from: first, count: n), expected = expectedWalk(from: first, count: n)
                #expect(seen == expected, "walk from \(first), \(n) entries, at step \(step)")
            case ..<88:
                storage.trim(garbage: &garbage)
            default:
                if let index = randomLoadIndex() {
                    #expect(storage.load(index) == model[index] ?? 0, "load \(index) at step \(step)")
                }
            }
            if step % 512 == 511 {
                checkpoint(self)
                garbage.freeAll()
            }
        }
        checkpoint(self)
        garbage.freeAll()
    }

    /// Clears the whole window and trims: the storage is back to its empty
    /// size, and nothing is left to walk.
    mutating func clearAllAndTrim() {
        clear(from: 0, count: count)
        #expect(walk(from: 0, count: count).isEmpty)
        storage.trim(garbage: &garbage)
        #expect(storage.byteCount == emptyBytes, "bytes after clearing and trimming")
        garbage.freeAll()
    }
}

/// A flat storage's invariants against the kernel's view of its pages: a
/// page holding an entry is resident; at most EmptiedRing.capacity empty
/// ones stay (the hysteresis); byteCount is exactly the resident pages of
/// the entries and of the bitmap.
func checkFlatPages(_ s: StorageUnderTest) {
    guard case .flat(let flat) = s.storage else { return }
    let unitEntries = UInt64(pageSize / 8)
    guard let entryPages = residentPages(flat.fields.entries, bytes: Int(s.count) * 8),
          let bitmapPages = residentPages(flat.nonZero.baseAddress, bytes: flat.fields.bitmapBytes) else {
        Issue.record("the flat storage's mappings are gone")
        return
    }
    let resident = Set(entryPages.indices.filter { entryPages[$0] })
    let mapped = Set(s.model.keys.map { Int($0 / unitEntries) })
    #expect(mapped.isSubset(of: resident), "pages holding entries are resident")
    #expect(resident.count - mapped.count <= EmptiedRing.capacity,
            "\(resident.count - mapped.count) empty pages kept")
    let bitmapResident = bitmapPages.filter { $0 }.count
    #expect(s.storage.byteCount == (resident.count + bitmapResident) * pageSize, "byteCount is the resident pages")
}

/// The bytes a trimmed tree (no empty leaf waiting in the ring) may hold
/// for the model's entries: below the root, every node that has entries
/// under it, sparse while its live slots fit in one (16), full past that,
/// and in between either (a full node becomes sparse only at shrinkAt).
func treeBounds(_ model: [UInt64: UInt64], count: UInt64) -> ClosedRange<Int> {
    var rootLevel = 1
    while rootLevel < 7 && count > UInt64(1) << UInt64(RadixNode.slotBits * (rootLevel + 1)) {
        rootLevel += 1
    }
    var lower = RadixNode.fullBytes, upper = RadixNode.fullBytes
    // The keys under each node of a level: its live slots at level 0, its
    // children (the distinct nodes below) above.
    var below = Set(model.keys)
    for _ in 0..<rootLevel {
        var live: [UInt64: Int] = [:]
        for key in below { live[key >> UInt64(RadixNode.slotBits), default: 0] += 1 }
        for (_, n) in live {
            lower += n > RadixNode.sparseCapacity ? RadixNode.fullBytes : RadixNode.sparseBytes
            upper += n > RadixNode.shrinkAt ? RadixNode.fullBytes : RadixNode.sparseBytes
        }
        below = Set(live.keys)
    }
    return lower...upper
}

/// A flat storage's window in an array of its own (the test's, unmapped at
/// the end), as a table gives it one.
func withFlatStorage(count: UInt64, _ body: (Storage) -> Void) {
    guard let array = FlatStorage.reserveArray() else {
        Issue.record("no address space for a flat array")
        return
    }
    defer { munmap(array, FlatStorage.arrayBytes) }
    guard let storage = Storage(entryCount: count, flatArray: { array }) else {
        Issue.record("no flat storage of \(count) entries")
        return
    }
    guard case .flat = storage else {
        Issue.record("\(count) entries are not flat")
        return
    }
    #expect(storage.directCount == count)
    body(storage)
}

func withTreeStorage(count: UInt64, _ body: (Storage) -> Void) {
    guard let storage = Storage(entryCount: count, flatArray: { nil }) else {
        Issue.record("no tree of \(count) entries")
        return
    }
    guard case .tree = storage else {
        Issue.record("\(count) entries are not a tree")
        return
    }
    #expect(storage.directCount == 0)
    #expect(storage.byteCount == RadixNode.fullBytes, "an empty tree is its root")
    body(storage)
}

extension EngineTests {
    @Suite("Storage against a model")
    struct StorageModel {
        static let flatSizes: [UInt64] = [1, 511, 513, 100_000, FlatStorage.entryLimit]
        static let treeSizes: [UInt64] = [FlatStorage.entryLimit + 1, 1 << 27, 1 << 31]

        @Test("flat: random operations match the model; clearing and trimming gives every page back",
              arguments: zip(flatSizes, 1...UInt64(flatSizes.count)))
        func flatRandom(count: UInt64, seed: UInt64) {
            withFlatStorage(count: count) { storage in
                var s = StorageUnderTest(storage: storage, count: count, seed: seed)
                #expect(s.emptyBytes == 0)
                s.run(steps: 12_000, checkpoint: checkFlatPages)
                s.clearAllAndTrim()
                guard case .flat(let flat) = storage else { return }
                #expect(residentPages(flat.fields.entries, bytes: Int(count) * 8)?.contains(true) == false,
                        "no page of entries resident")
                #expect(residentPages(flat.nonZero.baseAddress, bytes: flat.fields.bitmapBytes)?.contains(true) == false,
                        "no page of the bitmap resident")
                // Anywhere now: every entry reads 0.
                for _ in 0..<2000 {
                    let index = UInt64.random(in: 0..<count, using: &s.rng)
                    #expect(storage.load(index) == 0)
                }
                storage.release(into: &s.garbage)
                #expect(s.garbage.isEmpty, "a flat storage frees its own bookkeeping")
            }
        }

        @Test("tree: random operations match the model; clearing and trimming leaves the root alone",
              arguments: zip(treeSizes, 11...UInt64(10 + treeSizes.count)))
        func treeRandom(count: UInt64, seed: UInt64) {
            withTreeStorage(count: count) { storage in
                var s = StorageUnderTest(storage: storage, count: count, seed: seed)
                s.run(steps: 12_000) { s in
                    // Trimmed, the tree holds what the entries need, give
                    // or take the sparse/full hysteresis.
                    var garbage = Garbage()
                    s.storage.trim(garbage: &garbage)
                    garbage.freeAll()
                    let bounds = treeBounds(s.model, count: count)
                    #expect(bounds.contains(s.storage.byteCount), "\(s.model.count) entries")
                }
                s.clearAllAndTrim()
                // The nodes a release walks are the tree's: only the root is left.
                var last = Garbage()
                storage.release(into: &last)
                #expect(last.count == 1 && last.bytes == RadixNode.fullBytes, "\(last.count) nodes left")
                last.freeAll()
            }
        }

        @Test("tree: byteCount is the bytes of the nodes linked in it, at any point",
              arguments: [(500, 21), (3000, 22), (20_000, 23)] as [(Int, UInt64)])
        func treeAccounting(steps: Int, seed: UInt64) {
            withTreeStorage(count: 1 << 31) { storage in
                var s = StorageUnderTest(storage: storage, count: 1 << 31, seed: seed)
                s.run(steps: steps) { _ in }
                let counted = storage.byteCount
                var nodes = Garbage()
                storage.release(into: &nodes)
                #expect(nodes.bytes == counted, "\(nodes.count) nodes linked")
                #expect(nodes.count > 1)
                nodes.freeAll()
            }
        }

        @Test("tree: a leaf's worth of entries grows a sparse leaf to a full one and back, and goes")
        func treeShapes() {
            withTreeStorage(count: 1 << 31) { storage in
                var garbage = Garbage()
                let base: UInt64 = 5 << 20
                // One entry: a sparse leaf and sparse inner nodes above it.
                #expect(storage.store(base, 0x1003, garbage: &garbage))
                let one = storage.byteCount
                #expect(one > RadixNode.fullBytes && one < 2 * RadixNode.fullBytes)
                // Past 16 slots the leaf is full (4 KiB and more).
                for i in 1...UInt64(RadixNode.sparseCapacity) {
                    #expect(storage.store(base + i, 0x1003 + i << 12, garbage: &garbage))
                }
                #expect(storage.byteCount >= one + RadixNode.fullBytes - RadixNode.sparseBytes)
                #expect(garbage.count == 1, "the sparse leaf it replaced")
                // Cleared down to shrinkAt slots, it is sparse again.
                for i in UInt64(RadixNode.shrinkAt)...UInt64(RadixNode.sparseCapacity) {
                    #expect(storage.store(base + i, 0, garbage: &garbage))
                }
                #expect(storage.byteCount == one)
                #expect(storage.walk(from: 0, count: 1 << 31).map(\.index) == Array(base..<(base + 4)))
                // Emptied, the leaf waits in the ring until a trim.
                for i in 0..<UInt64(RadixNode.shrinkAt) {
                    #expect(storage.store(base + i, 0, garbage: &garbage))
                }
                #expect(storage.byteCount == one, "kept by the hysteresis")
                storage.trim(garbage: &garbage)
                #expect(storage.byteCount == RadixNode.fullBytes)
                garbage.freeAll()
                storage.release(into: &garbage)
                garbage.freeAll()
            }
        }

        @Test("tree: an inner node with more children than a sparse node holds is full, and sparse again when they go")
        func treeInnerShapes() {
            withTreeStorage(count: 1 << 31) { storage in
                var garbage = Garbage()
                let leafSpan = UInt64(RadixNode.slotCount)
                let leaves = UInt64(RadixNode.sparseCapacity + 4)
                // One entry in each of 20 leaves under one level-1 node.
                for leaf in 0..<leaves {
                    #expect(storage.store(leaf * leafSpan + 7, 0x5003, garbage: &garbage))
                }
                let sparse = RadixNode.sparseBytes, full = RadixNode.fullBytes
                // Root, a sparse level-2 node, a full level-1 node, sparse leaves.
                #expect(storage.byteCount == full + sparse + full + Int(leaves) * sparse)
                // All but two leaves go (past the ring, and trimmed).
                for leaf in 2..<leaves {
                    #expect(storage.store(leaf * leafSpan + 7, 0, garbage: &garbage))
                }
                storage.trim(garbage: &garbage)
                #expect(storage.byteCount == full + sparse + sparse + 2 * sparse)
                #expect(storage.walk(from: 0, count: 1 << 31).map(\.index) == [7, leafSpan + 7])
                garbage.freeAll()
                storage.release(into: &garbage)
                garbage.freeAll()
            }
        }

        @Test("the emptied ring: FIFO, evicting the oldest past its capacity, drained oldest first")
        func emptiedRing() {
            var ring = EmptiedRing()
            for part in 0..<EmptiedRing.capacity {
                #expect(ring.note(part) == nil)
            }
            for part in EmptiedRing.capacity..<(3 * EmptiedRing.capacity) {
                #expect(ring.note(part) == part - EmptiedRing.capacity)
            }
            var drained: [Int] = []
            ring.drain { drained.append($0) }
            #expect(drained == Array((2 * EmptiedRing.capacity)..<(3 * EmptiedRing.capacity)))
            ring.drain { _ in Issue.record("drained twice") }
            #expect(ring.note(99) == nil, "empty again after a drain")
        }
    }
}

extension Storage {
    /// Every non-zero entry in a range, as a list.
    func walk(from first: UInt64, count: UInt64) -> [Entry] {
        var seen: [Entry] = []
        forEachNonZero(from: first, count: count) { seen.append(Entry(index: $0, value: $1)) }
        return seen
    }
}
