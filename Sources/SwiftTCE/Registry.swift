// The standalone layer's registries (tables by LIOBN, PHBs by BUID, VIO
// devices by reg): lists linked through the objects' own state, newest
// first, as QEMU's QLISTs are. They change only in new and free, which the
// caller serialises with the calls that look objects up; a lookup is a walk
// with no lock and no allocation (a few objects per machine).

/// An object's state, which holds its link to the next in its registry.
protocol RegistryLinked {
    associatedtype Node
    var next: Node? { get set }
}

/// An object a registry holds: a handle to its state. Contract: state is
/// live from before the node is added until after it is removed.
protocol RegistryNode: Equatable {
    associatedtype State: RegistryLinked where State.Node == Self
    var state: UnsafeMutablePointer<State> { get }
}

extension RegistryNode {
    var next: Self? {
        get { unsafe state.pointee.next }  // SAFETY: the contract above
        nonmutating set { unsafe state.pointee.next = newValue }  // SAFETY: as above
    }
}

struct Registry<Node: RegistryNode> {
    private(set) var head: Node? = nil

    mutating func add(_ node: Node) {
        node.next = head
        head = node
    }

    mutating func remove(_ node: Node) {
        if head == node {
            head = node.next
        } else {
            var cursor = head
            while let current = cursor, current.next != node {
                cursor = current.next
            }
            cursor?.next = node.next
        }
        node.next = nil
    }

    func first(where matches: (Node) -> Bool) -> Node? {
        var cursor = head
        while let node = cursor {
            if matches(node) { return node }
            cursor = node.next
        }
        return nil
    }

    /// Reads each link before calling body, so body may remove its node.
    func forEach(_ body: (Node) -> Void) {
        var cursor = head
        while let node = cursor {
            cursor = node.next
            body(node)
        }
    }
}
