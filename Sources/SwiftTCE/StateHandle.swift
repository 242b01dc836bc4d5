// The objects whose C handle is the address of their Swift state: a PHB
// (SpaprPhb *) and a VIO device (SpaprVioDevice *). A table's handle is its
// block instead (SpaprTable, TCETable.swift).

/// An object of type CType to C, by its state.
///
/// @safe by the C contract: a handle handed in is one the object's `new`
/// made and its `free` has not freed; the state lives between them.
@safe struct StateHandle<State, CType>: Equatable {
    let state: UnsafeMutablePointer<State>

    @safe init(state: UnsafeMutablePointer<State>) { unsafe self.state = state }  // SAFETY: the contract above

    // Written out: the synthesised one would use the pointer unmarked.
    static func == (a: Self, b: Self) -> Bool { unsafe a.state == b.state }  // SAFETY: compared, not read

    @safe init?(_ handle: UnsafeMutablePointer<CType>?) {
        self.init(unsafe UnsafePointer(handle))  // SAFETY: the same handle, read-only
    }

    @safe init?(_ handle: UnsafePointer<CType>?) {
        guard let handle = unsafe handle else { return nil }  // SAFETY: the contract above
        // SAFETY: as above: `new` hands out only its state's address.
        unsafe self.init(state: UnsafeMutableRawPointer(mutating: handle).assumingMemoryBound(to: State.self))
    }

    /// The C handle: the state. @safe: handed back to C, not read here.
    @safe var handle: UnsafeMutablePointer<CType> {
        unsafe UnsafeMutableRawPointer(state).assumingMemoryBound(to: CType.self)  // SAFETY: C sees it opaque
    }

    /// The state, read or changed in place.
    var fields: State {
        get { unsafe state.pointee }  // SAFETY: a live object's state (the contract above)
        nonmutating _modify { yield unsafe &state.pointee }  // SAFETY: as above
    }

    // MARK: Lifecycle

    /// Room for a new object's state, not yet initialised: its address is
    /// the handle its parts (a PHB's tables) can be given first.
    static func allocate() -> Self {
        Self(state: .allocate(capacity: 1))
    }

    /// The object, once its state is made.
    func initialize(to fields: State) {
        unsafe state.initialize(to: fields)  // SAFETY: allocate's memory, initialised once
    }

    /// Frees room that was never initialised (its object failed to make).
    func deallocateUninitialized() {
        unsafe state.deallocate()  // SAFETY: allocate's memory, never handed out
    }

    /// Frees the object: its state is gone, and so is its handle.
    func destroy() {
        unsafe state.deinitialize(count: 1)  // SAFETY: initialize's state, no longer registered
        unsafe state.deallocate()  // SAFETY: as above
    }
}

extension StateHandle: RegistryNode where State: RegistryLinked, State.Node == StateHandle<State, CType> {}
