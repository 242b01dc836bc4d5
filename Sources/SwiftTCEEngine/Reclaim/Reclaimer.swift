import CSwiftTCEHost
import Glibc

// What a table does with memory that a translate may still be reading: it
// collects it (Garbage, under the table's lock) and, once the lock is let
// go, hands it to its Reclaimer: the host's defer_free (QEMU's call_rcu),
// or SwiftTCE's own grace period (GracePeriod).

/// Blocks waiting to be freed: heap blocks (free) and mappings (munmap).
///
/// Safe to use: it owns its list (freed by freeAll or leak), and what it
/// is given is freed only by freeAll, whose callers know no reader is left.
/// Giving it a block (add) is where the unsafety lies.
@safe @usableFromInline
struct Garbage {
    @safe private struct Item {
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
    @inlinable static var batchBytes: Int { 32 << 10 }

    @inlinable var isEmpty: Bool { count == 0 }

    @usableFromInline init() {}

    /// Adds a heap block of `bytes` bytes, which nothing frees but this.
    @unsafe mutating func add(heap pointer: UnsafeMutableRawPointer, bytes: Int) {
        // SAFETY: the caller's block, now this list's to free (add's contract).
        unsafe append(Item(pointer: pointer, mappedLength: 0), bytes: bytes)
    }

    /// Adds a mapping of `length` bytes, which nothing unmaps but this.
    @unsafe mutating func add(mapping pointer: UnsafeMutableRawPointer, length: Int) {
        // SAFETY: the caller's mapping, now this list's to unmap (add's contract).
        unsafe append(Item(pointer: pointer, mappedLength: length), bytes: length)
    }

    /// When the list cannot grow the block is leaked: a reader may hold it.
    private mutating func append(_ item: Item, bytes: Int) {
        // SAFETY: the list is this value's own: capacity Items from
        // realloc, the first count initialised.
        if count == capacity {
            let grown = max(16, capacity * 2)
            guard let raw = unsafe realloc(items, grown * MemoryLayout<Item>.stride) else { return }
            unsafe items = raw.bindMemory(to: Item.self, capacity: grown)
            capacity = grown
        }
        unsafe (items! + count).initialize(to: item)
        count += 1
        self.bytes += bytes
    }

    /// Frees every block now: the caller knows no reader can hold one.
    mutating func freeAll() {
        // SAFETY: the first count Items of the list, each block given once
        // (add's contract), freed once.
        for i in 0..<count {
            let item = unsafe items![i]
            if item.mappedLength == 0 {
                unsafe free(item.pointer)
            } else {
                unsafe Pages.unmap(item.pointer, bytes: item.mappedLength)
            }
        }
        unsafe free(items)
        self = Garbage()
    }

    /// Forgets every block without freeing (no grace period can be had).
    mutating func leak() {
        // SAFETY: the list is this value's own; the blocks stay.
        unsafe free(items)
        self = Garbage()
    }
}

/// How a table's garbage reaches the free() calls. Safe to use: the
/// host's defer_free is a C function the host gave for this (host.h).
@safe @usableFromInline
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
        // SAFETY: a nil check of the host's hook.
        if let deferFree = unsafe deferFree {
            // SAFETY: the host's defer_free, as host.h has it.
            self = unsafe .host(deferFree)
        } else {
            self = .own
        }
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
            // SAFETY: fresh memory for one Garbage, which the host hands back
            // once, to the closure below, after its grace period.
            guard let raw = unsafe malloc(MemoryLayout<Garbage>.stride) else {
                garbage.leak()
                return
            }
            let batch = unsafe raw.bindMemory(to: Garbage.self, capacity: 1)
            unsafe batch.initialize(to: garbage)
            garbage = Garbage()
            unsafe deferFree({ raw in
                let batch = unsafe raw!.assumingMemoryBound(to: Garbage.self)
                unsafe batch.pointee.freeAll()
                // SAFETY: the batch, freed once, here.
                unsafe batch.deinitialize(count: 1)
                unsafe free(raw)
            }, raw)
        case .own:
            if GracePeriod.synchronize() { garbage.freeAll() } else { garbage.leak() }
        }
    }
}
