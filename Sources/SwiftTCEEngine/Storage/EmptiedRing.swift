// Hysteresis for giving storage back: the last few parts (flat pages, tree
// leaves) whose last entry was cleared are kept, oldest first, and only the
// part that falls out of the ring is given back, if it is still empty then.
// A guest that maps and unmaps in the same few parts over and over neither
// allocates nor frees; the slack is at most `capacity` empty parts.

struct EmptiedRing {
    static let capacity = 8

    private var slots = InlineArray<8, Int>(repeating: 0)
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
