// Hysteresis for giving storage back: the last few parts (flat pages, tree
// leaves) whose last entry was cleared are kept, oldest first, and only the
// part that falls out of the ring is given back, if it is still empty then.
// A guest that maps and unmaps in the same few parts over and over neither
// allocates nor frees; the slack is at most `capacity` empty parts.

struct EmptiedRing {
    /// 8, measured by make bench's hysteresis table (a map and an unmap of
    /// one entry in each of k empty leaves in turn): up to `capacity` leaves
    /// a cycle costs 36-38 ns on a tree, 31 ns on a flat window, allocating
    /// nothing; one leaf more and every cycle falls out of the ring (FIFO):
    /// 2 allocations and 105-135 ns on a tree, 2 page faults and a madvise,
    /// 4.3-4.9 us, on a flat window. Each slot costs up to ~350 B on a tree
    /// (a sparse leaf and its sparse parents) and a 4 KiB page on a flat
    /// window: at 8, 36 KiB (with its page of bits) stay in a flat window
    /// after everything is unmapped, within the 64 KiB that the bench allows
    /// a window's leftovers; 16 would keep 68 KiB. 8 is also more than the
    /// five places a Linux guest allocates from at once (four pools and the
    /// large pool of iommu_range_alloc). The sweep's figures hardly move
    /// with it (bytes after: 6288 at 4, 7344 at 8, 8752 at 16, 11568 at 32,
    /// the empty window's 4176 included): a next-fit guest does not return.
    static var capacity: Int { Slots.count }

    /// capacity slots: the number is written here, once (InlineArray's
    /// count must be a literal).
    private typealias Slots = InlineArray<8, Int>
    private var slots = Slots(repeating: 0)
    private var head = 0
    private var count = 0

    /// Queues a part that just emptied (the caller notes each part once
    /// until it falls out). Returns the part that falls out, if any.
    mutating func note(_ part: Int) -> Int? {
        var evicted: Int? = nil
        if count == EmptiedRing.capacity {
            evicted = slots[head]
            head = (head + 1) % EmptiedRing.capacity
            count -= 1
        }
        slots[(head + count) % EmptiedRing.capacity] = part
        count += 1
        return evicted
    }

    /// Empties the ring, calling body on each part in it, oldest first.
    mutating func drain(_ body: (Int) -> Void) {
        while count > 0 {
            let part = slots[head]
            head = (head + 1) % EmptiedRing.capacity
            count -= 1
            body(part)
        }
    }
}
