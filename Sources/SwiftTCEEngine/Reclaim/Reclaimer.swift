import CSwiftTCEHost
import Glibc

// What a table does with memory that a translate may still be reading: it
// collects it (Garbage, under the table's lock) and, once the lock is let
// go, hands it to its Reclaimer: the host's defer_free (QEMU's call_rcu),
// or SwiftTCE's own grace period (GracePeriod).

/// Blocks waiting to be freed: heap blocks (free) and mappings (munmap).
@usableFromInline
struct Garbage {
    private struct Item {
        let pointer: UnsafeMutableRawPointer
        /// 0 for a heap block, else the mapping's length.
        let mappedLength: Int
    }

    private var items: UnsafeMutablePointer<Item>?
    private var capacity = 0
    @usableFromInline private(set) var count = 0
    /// Bytes the blocks hold (what storage_bytes no longer counts).
    @usableFromInline private(set) var bytes = 0

    /// Hands batches over at this size, or when told to (disable, reset...).
    /// What waits here is memory the table still holds though storage_bytes
    /// no longer counts it, so the batch is kept small: at 256 KiB the heap
    /// of make bench's sweep (a guest moving 64 buffers through a 128 TiB
    /// window) peaked 310 KB above the empty window, at 32 KiB 83 KB, with
    /// no cost seen in the sweep, in H_PUT_TCE_INDIRECT of 512 on a tree
    /// (7.4 us a call either way), and +10-30 ns on a 110 ns map/unmap cycle
    /// that allocates every time (a grace period per ~90 such cycles).
    @usableFromInline static let batchBytes = 32 << 10

    @inlinable var isEmpty: Bool { count == 0 }

    @usableFromInline init() {}

    /// Adds a heap block of `bytes` bytes.
    mutating func add(heap pointer: UnsafeMutableRawPointer, bytes: Int) {
        append(Item(pointer: pointer, mappedLength: 0), bytes: bytes)
    }

    /// Adds a mapping of `length` bytes.
    mutating func add(mapping pointer: UnsafeMutableRawPointer, length: Int) {
        append(Item(pointer: pointer, mappedLength: length), bytes: length)
    }

    /// When the list cannot grow the block is leaked: a reader may hold it.
    private mutating func append(_ item: Item, bytes: Int) {
        if count == capacity {
            let grown = max(16, capacity * 2)
            guard let raw = realloc(items, grown * MemoryLayout<Item>.stride) else { return }
            items = raw.bindMemory(to: Item.self, capacity: grown)
            capacity = grown
        }
        (items! + count).initialize(to: item)
        count += 1
        self.bytes += bytes
    }

    /// Frees every block now: the caller knows no reader can hold one.
    mutating func freeAll() {
        for i in 0..<count {
            let item = items![i]
            if item.mappedLength == 0 {
                free(item.pointer)
            } else {
                Pages.unmap(item.pointer, bytes: item.mappedLength)
            }
        }
        free(items)
        self = Garbage()
    }

    /// Forgets every block without freeing (no grace period can be had).
    mutating func leak() {
        free(items)
        self = Garbage()
    }
}

/// How a table's garbage reaches the free() calls.
@usableFromInline
enum Reclaimer {
    /// The host's defer_free: fn(arg) after its grace period.
    case host(DeferFree)
    /// SwiftTCE's own: readers are tracked (GracePeriod.read), and the
    /// writer waits for them before freeing.
    case own

    /// SwiftTCEHostOps.defer_free's type.
    @usableFromInline typealias DeferFree = @convention(c) ((@convention(c) (UnsafeMutableRawPointer?) -> Void)?,
                                          UnsafeMutableRawPointer?) -> Void

    init(deferFree: DeferFree?) {
        self = deferFree.map(Reclaimer.host) ?? .own
    }

    /// Frees the garbage once no translate can be reading it; the list is
    /// empty afterwards. Called with no table lock held.
    @usableFromInline
    func reclaim(_ garbage: inout Garbage) {
        guard !garbage.isEmpty else { return }
        switch self {
        case .host(let deferFree):
            // The list moves to the heap: the host frees it later. Without
            // room for it the host cannot be asked, and leaking is the only
            // choice that cannot hurt a reader.
            guard let raw = malloc(MemoryLayout<Garbage>.stride) else {
                garbage.leak()
                return
            }
            let batch = raw.bindMemory(to: Garbage.self, capacity: 1)
            batch.initialize(to: garbage)
            garbage = Garbage()
            deferFree({ raw in
                // SAFETY: the batch allocated above, handed back once.
                let batch = raw!.assumingMemoryBound(to: Garbage.self)
                batch.pointee.freeAll()
                batch.deinitialize(count: 1)
                free(raw)
            }, raw)
        case .own:
            if GracePeriod.synchronize() { garbage.freeAll() } else { garbage.leak() }
        }
    }
}
