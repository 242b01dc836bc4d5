import Glibc
import Synchronization

// The storage of a window too big for a flat array: a radix tree of
// RadixNodes that costs what the guest has mapped now. A read walks from the
// root, lock-free; writers hold the table's lock, so the tree has one writer
// at a time and its bookkeeping (live counts, bitmaps, sizes) is plain.
//
// Nodes come and go with the entries: a write of a non-zero TCE below a
// missing node makes the path (sparse nodes), a sparse node that overflows
// becomes full, a full one that empties to a few slots becomes sparse, and a
// leaf whose last entry is cleared is unlinked (after EmptiedRing's
// hysteresis), then every inner node that it leaves empty. What is unlinked
// goes to the caller's Garbage, freed after a grace period.

/// Safe to use from init to release(into:), after which it is not used
/// (Storage's contract); its nodes are RadixNode's.
@safe @usableFromInline
struct RadixTree {
    /// Entries in the window.
    let count: UInt64
    /// Never replaced, never freed before the tree: a full inner node.
    private let root: RadixNode
    private let rootLevel: Int
    /// The writer's bookkeeping.
    private let state: UnsafeMutablePointer<State>

    /// The writer's bookkeeping, in place.
    private var fields: State {
        // SAFETY: init made it; release(into:) frees it, after which the
        // tree is not used (Storage.release's contract).
        unsafeAddress { unsafe UnsafePointer(state) }
        nonmutating unsafeMutableAddress { unsafe state }
    }

    private struct State {
        var bytes = 0
        var emptied = EmptiedRing()
    }

    /// A path from the root: path[l] is the node at level l. Eight levels
    /// of 9 bits cover any 64-bit index (InlineArray's count must be a
    /// literal: the deepest root, Path.count - 1, follows from it).
    private typealias Path = InlineArray<8, RadixNode>

    /// A tree for entryCount entries (more than 512), or nil when memory
    /// runs out.
    init?(entryCount: UInt64) {
        var level = 1
        while level < Path.count - 1 && entryCount > UInt64(1) << UInt64(RadixNode.slotBits * (level + 1)) {
            level += 1
        }
        guard let root = RadixNode.make(shape: .full, level: level, base: 0) else { return nil }
        // SAFETY: fresh memory of State's size, initialised here; the root,
        // never published, is freed if it cannot be had.
        guard let state = unsafe calloc(1, MemoryLayout<State>.stride)?.bindMemory(to: State.self, capacity: 1) else {
            unsafe root.destroy()
            return nil
        }
        unsafe state.initialize(to: State(bytes: root.byteCount))
        self.count = entryCount
        self.root = root
        self.rootLevel = level
        unsafe self.state = state
    }

    @inline(__always)
    private static func slot(_ index: UInt64, level: Int) -> Int {
        Int(truncatingIfNeeded: index &>> UInt64(level &* RadixNode.slotBits)) & (RadixNode.slotCount - 1)
    }

    // MARK: - Reads (any thread; index < count)

    /// The raw TCE at index; 0 where nothing is.
    func load(_ index: UInt64) -> UInt64 {
        var node = root
        var level = rootLevel
        while level > 0 {
            guard let child = node.child(RadixTree.slot(index, level: level)) else { return 0 }
            node = child
            level &-= 1
        }
        return node.value(RadixTree.slot(index, level: 0))
    }

    // MARK: - Writes (under the table's lock; index < count)

    /// Stores value at index; false when a node could not be allocated
    /// (then nothing changed). What it unlinks goes to garbage.
    func store(_ index: UInt64, _ value: UInt64, garbage: inout Garbage) -> Bool {
        // The path from the root: path[l] is the node at level l.
        var path = Path(repeating: root)
        var node = root
        var level = rootLevel
        while level > 0 {
            guard let child = node.child(RadixTree.slot(index, level: level)) else {
                if value == 0 { return true }   // clearing what was never written
                return grow(from: node, level: level, path: path, index: index, value: value,
                            garbage: &garbage)
            }
            node = child
            level -= 1
            path[level] = node
        }
        return setInLeaf(node, path: path, index: index, value: value, garbage: &garbage)
    }

    /// Makes the missing part of the path to index, holding value (not 0),
    /// below `parent`, the deepest node there is (at `level`).
    private func grow(from parent: RadixNode, level: Int, path: Path,
                      index: UInt64, value: UInt64, garbage: inout Garbage) -> Bool {
        // Bottom up: a leaf, then one sparse inner node per missing level,
        // all built before anything is published.
        guard var top = RadixNode.make(shape: .sparse, level: 0, base: RadixTree.base(index, level: 0)) else {
            return false
        }
        top.append(slot: RadixTree.slot(index, level: 0), value: value)
        top.live = 1
        var made = top.byteCount
        for l in 1..<level {
            guard let inner = RadixNode.make(shape: .sparse, level: l, base: RadixTree.base(index, level: l)) else {
                discardChain(top)
                return false
            }
            inner.append(slot: RadixTree.slot(index, level: l), child: top)
            inner.live = 1
            made += inner.byteCount
            top = inner
        }
        guard insert(child: top, slot: RadixTree.slot(index, level: level), into: parent, path: path,
                     garbage: &garbage) else {
            discardChain(top)
            return false
        }
        fields.bytes += made
        return true
    }

    /// Frees a chain built by grow() that was never published: each node
    /// holds its one pair at position 0.
    private func discardChain(_ top: RadixNode) {
        var node: RadixNode? = top
        while let current = node {
            node = current.isLeaf ? nil : current.child(at: 0)
            // SAFETY: no reader saw it, and the chain is not used again.
            unsafe current.destroy()
        }
    }

    /// The first index under the node at `level` that holds index.
    private static func base(_ index: UInt64, level: Int) -> UInt64 {
        index & ~((UInt64(1) << UInt64((level + 1) * RadixNode.slotBits)) &- 1)
    }

    /// Puts child in an empty slot of node (an inner node on the path),
    /// replacing node by a bigger one if it has no room. false: no memory.
    private func insert(child: RadixNode, slot: Int, into node: RadixNode,
                        path: Path, garbage: inout Garbage) -> Bool {
        if node.shape == .full {
            node.setChild(child, at: slot)
            node.setBit(slot, true)
        } else if let i = node.position(of: slot) {
            node.setChild(child, at: i)   // a slot emptied before
        } else if node.hasRoom {
            node.append(slot: slot, child: child)
        } else {
            guard let bigger = copy(node, adding: slot, child: child) else { return false }
            replace(node, with: bigger, path: path, garbage: &garbage)
            return true
        }
        node.live += 1
        return true
    }

    /// Writes value (it may be 0) into a leaf's slot; the leaf may be
    /// replaced by another shape, or unlinked when it empties.
    private func setInLeaf(_ leaf: RadixNode, path: Path, index: UInt64,
                           value: UInt64, garbage: inout Garbage) -> Bool {
        let slot = RadixTree.slot(index, level: 0)
        let position = leaf.position(of: slot)
        let old = position.map { leaf.value(at: $0) } ?? 0
        if let i = position {
            leaf.setValue(value, at: i)
        } else if value == 0 {
            return true
        } else if leaf.hasRoom {
            leaf.append(slot: slot, value: value)
        } else {
            guard let bigger = copy(leaf, adding: slot, value: value) else { return false }
            replace(leaf, with: bigger, path: path, garbage: &garbage)
            return true
        }
        if leaf.shape == .full { leaf.setBit(slot, value != 0) }
        if old == 0 && value != 0 {
            leaf.live += 1
        } else if old != 0 && value == 0 {
            leaf.live -= 1
            shrinkIfSparse(leaf, path: path, garbage: &garbage)
        }
        return true
    }

    /// After a slot of a node emptied: a full node down to a few slots
    /// becomes sparse; a leaf with none left waits in the ring.
    private func shrinkIfSparse(_ node: RadixNode, path: Path, garbage: inout Garbage) {
        let live = node.live
        if node.isLeaf && live == 0 {
            noteEmptied(node, garbage: &garbage)
        } else if node.shape == .full && node != root && live <= RadixNode.shrinkAt,
                  let smaller = copy(node, adding: nil) {
            replace(node, with: smaller, path: path, garbage: &garbage)
        }
    }

    /// A copy of node holding its live slots and, if given, one more: sparse
    /// when they fit, else full. nil when memory runs out.
    private func copy(_ node: RadixNode, adding slot: Int?, value: UInt64 = 0,
                      child: RadixNode? = nil) -> RadixNode? {
        let live = node.live + (slot == nil ? 0 : 1)
        let shape: NodeShape = live <= RadixNode.sparseCapacity ? .sparse : .full
        guard let fresh = RadixNode.make(shape: shape, level: node.level, base: node.base) else {
            return nil
        }
        fresh.inEmptiedRing = node.inEmptiedRing
        fresh.live = live
        func put(_ s: Int, _ v: UInt64, _ c: RadixNode?) {
            if shape == .sparse {
                fresh.append(slot: s, value: v, child: c)
                return
            }
            if fresh.isLeaf {
                fresh.setValue(v, at: s)
            } else {
                fresh.setChild(c, at: s)
            }
            fresh.setBit(s, true)
        }
        node.forEachLive { s, i in
            if node.isLeaf {
                put(s, node.value(at: i), nil)
            } else {
                put(s, 0, node.child(at: i))
            }
        }
        if let slot { put(slot, value, child) }
        return fresh
    }

    /// Publishes fresh where old is (in old's parent on the path) and puts
    /// old in the garbage.
    private func replace(_ old: RadixNode, with fresh: RadixNode, path: Path,
                         garbage: inout Garbage) {
        let parent = path[old.level + 1]
        let slot = RadixTree.slot(old.base, level: parent.level)
        // release: a reader that finds fresh finds it filled in.
        parent.setChild(fresh, at: parent.position(of: slot)!)
        fields.bytes += fresh.byteCount
        retire(old, garbage: &garbage)
    }

    private func retire(_ node: RadixNode, garbage: inout Garbage) {
        fields.bytes -= node.byteCount
        // SAFETY: unlinked: freed once no read can be in it.
        unsafe garbage.add(heap: node.raw, bytes: node.byteCount)
    }

    // MARK: - Giving storage back

    /// Queues an emptied leaf; unlinks the one that falls out of the ring if
    /// it is still empty.
    private func noteEmptied(_ leaf: RadixNode, garbage: inout Garbage) {
        guard !leaf.inEmptiedRing else { return }
        leaf.inEmptiedRing = true
        guard let evicted = fields.emptied.note(Int(leaf.base)) else { return }
        unlinkIfEmpty(leafAt: UInt64(evicted), garbage: &garbage)
    }

    /// Unlinks every leaf in the ring that is empty (no hysteresis).
    func trim(garbage: inout Garbage) {
        fields.emptied.drain { base in
            unlinkIfEmpty(leafAt: UInt64(base), garbage: &garbage)
        }
    }

    /// Unlinks the leaf at base if it is (still) empty, then each inner node
    /// it leaves empty, up to (not including) the root.
    private func unlinkIfEmpty(leafAt base: UInt64, garbage: inout Garbage) {
        var path = Path(repeating: root)
        var node = root
        var level = rootLevel
        while level > 0 {
            guard let child = node.child(RadixTree.slot(base, level: level)) else { return }
            node = child
            level -= 1
            path[level] = node
        }
        node.inEmptiedRing = false
        guard node.live == 0 else { return }
        while node != root && node.live == 0 {
            let parent = path[node.level + 1]
            let slot = RadixTree.slot(base, level: parent.level)
            let i = parent.position(of: slot)!
            // A sparse parent keeps the slot number: pairs never change.
            parent.setChild(nil, at: i)
            if parent.shape == .full { parent.setBit(slot, false) }
            parent.live -= 1
            retire(node, garbage: &garbage)
            node = parent
        }
        if node != root { shrinkIfSparse(node, path: path, garbage: &garbage) }
    }

    // MARK: - Walks (under the table's lock)

    /// Calls body(index, value) for every non-zero entry in
    /// first..<first + count, in index order, visiting only nodes there are.
    /// body may write the tree (what it unlinks is not freed before the
    /// caller's garbage is reclaimed, after the walk).
    @usableFromInline
    func forEachNonZero(from first: UInt64, count: UInt64, _ body: (UInt64, UInt64) -> Void) {
        // Before the last index is computed: from 0, an empty walk's
        // first + count - 1 would wrap below zero (replay with limit 0).
        guard count != 0 else { return }
        let last = first &+ count < first ? UInt64.max : first + count - 1
        // A leaf's entries in range; inlined into the walk of its parent, a
        // call fewer for each (an isolated mapping is one leaf).
        @inline(__always) func visitLeaf(_ leaf: RadixNode) {
            let base = leaf.base
            leaf.forEachLive { slot, i in
                let index = base | UInt64(slot)
                if index >= first && index <= last { body(index, leaf.value(at: i)) }
            }
        }
        func visit(_ node: RadixNode) {
            let shift = UInt64(node.level * RadixNode.slotBits)
            let base = node.base
            // The children in range, in slot order, each visited once the
            // next two are on their way into the cache, and the next one's
            // own child too: scattered mappings make a walk a chain of
            // cache misses (one a level) otherwise.
            var next: RadixNode? = nil, afterNext: RadixNode? = nil
            @inline(__always) func enter(_ child: RadixNode) {
                if child.isLeaf {
                    // A leaf waiting empty in the ring is not walked.
                    if child.live > 0 { visitLeaf(child) }
                } else {
                    visit(child)
                }
            }
            node.forEachLive { slot, i in
                let low = base | UInt64(slot) << shift
                let high = low | ((UInt64(1) << shift) &- 1)
                guard high >= first && low <= last, let child = node.child(at: i) else { return }
                child.prefetch()
                if let due = next {
                    if let coming = afterNext, !coming.isLeaf { coming.someChild()?.prefetch() }
                    enter(due)
                }
                next = afterNext
                afterNext = child
            }
            if let due = next { enter(due) }
            if let due = afterNext { enter(due) }
        }
        // The root is never a leaf (a tree has more than 512 entries).
        visit(root)
    }

    /// Bytes of every node.
    var byteCount: Int { fields.bytes }

    /// Puts every node in the garbage (a reader may still be in them).
    func release(into garbage: inout Garbage) {
        func visit(_ node: RadixNode) {
            if !node.isLeaf {
                node.forEachLive { slot, _ in
                    if let child = node.child(slot) { visit(child) }
                }
            }
            // SAFETY: freed once no read can be in it; the tree is not used
            // again (the caller's contract).
            unsafe garbage.add(heap: node.raw, bytes: node.byteCount)
        }
        visit(root)
        unsafe free(state)
    }
}
