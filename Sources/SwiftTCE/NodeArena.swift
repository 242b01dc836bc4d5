import CSwiftTCE
import Glibc
import Synchronization

// Where a TCETree's nodes come from, and go back to on release.

/// Where one storage's nodes live. A small tree takes one exact allocation
/// per node (a one-node chunk), so it holds what it uses; from the 257th node
/// on, nodes are carved from 2 MiB chunks, 2 MiB aligned and advised as huge
/// pages, so that a big tree's walks (sparse replay, random puts) do not miss
/// the TLB on every node. The slack is then at most one chunk, under half of
/// what such a tree holds. Nodes are never freed one by one: release() frees
/// the chunks.
///
/// Lock-free: a writer takes a node with one fetch-add on the current chunk's
/// fill mark; the first to find it full installs a new chunk with a CAS (a
/// loser frees its chunk and retries). A node that loses an install race is
/// kept as the spare and handed out next.
struct NodeArena {
    /// [0] the current chunk, [1] the spare node (0 when none).
    private let header: UnsafeMutablePointer<Atomic<UInt64>>

    /// A chunk starts with one line: [0] the previous chunk, [1] its size in
    /// bytes, [2] its fill mark (offset of the next free byte), [3] 1 if it
    /// was mapped with mmap (else aligned_alloc), [4] its ordinal.
    private static let chunkHeader = 64
    private static let oneNodeChunks: UInt64 = 256
    private static let hugeChunk = 2 << 20

    init?() {
        guard let raw = aligned_alloc(64, 64) else { return nil }
        header = raw.bindMemory(to: Atomic<UInt64>.self, capacity: 8)
        for i in 0..<8 { (header + i).initialize(to: Atomic(0)) }
    }

    /// A zeroed node, or nil when memory runs out (the guest asked for it).
    func allocate() -> TCENode? {
        let spare = header[1].exchange(0, ordering: .acquiring)
        if let node = TCENode(bitPattern: spare) {
            return node   // never installed, still zero
        }
        while true {
            let current = header[0].load(ordering: .acquiring)
            var ordinal: UInt64 = 0
            if let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(current)) {
                let size = Int(chunk[1].load(ordering: .relaxed))
                let offset = Int(chunk[2].wrappingAdd(UInt64(TCENode.stride), ordering: .relaxed).oldValue)
                if offset + TCENode.stride <= size {
                    return NodeArena.zeroed(UnsafeMutableRawPointer(chunk) + offset)
                }
                ordinal = chunk[4].load(ordering: .relaxed) &+ 1
            }
            // Full, or none yet.
            let nextSize = ordinal < NodeArena.oneNodeChunks
                ? NodeArena.chunkHeader + TCENode.stride : NodeArena.hugeChunk
            guard let fresh = NodeArena.newChunk(bytes: nextSize, previous: current, ordinal: ordinal) else {
                return nil
            }
            if !header[0].compareExchange(expected: current, desired: fresh, ordering: .acquiringAndReleasing).exchanged {
                NodeArena.freeChunk(fresh)
            }
        }
    }

    /// Takes back a node that was never installed (a lost install race).
    func recycle(_ node: TCENode) {
        // If a spare is there already this one is slack until release().
        _ = header[1].compareExchange(expected: 0, desired: node.bitPattern, ordering: .releasing)
    }

    /// Bytes of all chunks.
    var byteCount: Int {
        var bytes = 0
        var cursor = header[0].load(ordering: .acquiring)
        while let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(cursor)) {
            bytes += Int(chunk[1].load(ordering: .relaxed))
            cursor = chunk[0].load(ordering: .relaxed)
        }
        return bytes
    }

    /// Frees every chunk and the arena itself.
    func release() {
        var cursor = header[0].load(ordering: .acquiring)
        while let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(cursor)) {
            cursor = chunk[0].load(ordering: .relaxed)
            NodeArena.freeChunk(UInt64(UInt(bitPattern: chunk)))
        }
        free(header)
    }

    private static func zeroed(_ raw: UnsafeMutableRawPointer) -> TCENode {
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: TCENode.byteCount / 8)
        for i in 0..<(TCENode.byteCount / 8) {
            (words + i).initialize(to: Atomic(0))
        }
        return TCENode(raw)
    }

    private static func newChunk(bytes: Int, previous: UInt64, ordinal: UInt64) -> UInt64? {
        var raw: UnsafeMutableRawPointer?
        var mapped: UInt64 = 0
        if bytes >= hugeChunk {
            // 2 MiB aligned, so that it can be one huge page.
            let span = bytes + hugeChunk
            // MAP_FAILED is (void *)-1 (the overlay's constant is not linked).
            if let m = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               UInt(bitPattern: m) != UInt.max {
                let start = (UInt(bitPattern: m) + UInt(hugeChunk - 1)) & ~UInt(hugeChunk - 1)
                let head = Int(start - UInt(bitPattern: m))
                if head > 0 { munmap(m, head) }
                if span - head - bytes > 0 {
                    munmap(UnsafeMutableRawPointer(bitPattern: start + UInt(bytes)), span - head - bytes)
                }
                raw = UnsafeMutableRawPointer(bitPattern: start)
                _ = madvise(raw, bytes, 14 /* MADV_HUGEPAGE */)
                mapped = 1
            }
        } else {
            raw = aligned_alloc(64, bytes)
        }
        guard let raw else { return nil }
        let words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: chunkHeader / 8)
        words.initialize(to: Atomic(previous))
        (words + 1).initialize(to: Atomic(UInt64(bytes)))
        (words + 2).initialize(to: Atomic(UInt64(chunkHeader)))
        (words + 3).initialize(to: Atomic(mapped))
        (words + 4).initialize(to: Atomic(ordinal))
        return UInt64(UInt(bitPattern: raw))
    }

    private static func freeChunk(_ bits: UInt64) {
        guard let chunk = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(bits)) else { return }
        if chunk[3].load(ordering: .relaxed) == 1 {
            munmap(UnsafeMutableRawPointer(chunk), Int(chunk[1].load(ordering: .relaxed)))
        } else {
            free(chunk)
        }
    }
}
