import Synchronization

// How a window becomes the table's, and stops being it, under readers.
//
// Everything but translate and H_GET_TCE runs under the table's lock, so a
// table has one writer at a time. Readers never lock. They see the window
// through two things the writer changes in an order they can rely on:
//  - the fast geometry (FastGeometry: a generation, the count of entries in
//    the table's flat array, the page shift, in one word), which
//    translate's fast path reads before and after its load from the array
//    (Translate.swift); every change moves the generation on;
//  - the fields (nbTable, pageShift, busOffset, storage), for reads that
//    announce themselves (GracePeriod). publish sets the storage and the
//    geometry fields, then nbTable (release), then the fast geometry;
//    withdraw clears the fast geometry and nbTable first, waits for a grace
//    period (no announced read can still hold the old fields), and only
//    then changes the rest.
// So a translate racing any change sees the old window or the new one whole,
// never a mix.

extension TCETable {
    /// Makes a window that no read sees yet the table's (the table is
    /// disabled).
    func publish(_ window: Window) {
        writeStorage(slot: state.pointee.storageSlot.load(ordering: .relaxed), window.storage)
        state.pointee.pageShift.store(window.pageShift, ordering: .relaxed)
        state.pointee.busOffset.store(window.busOffset, ordering: .relaxed)
        state.pointee.nbTable.store(window.nbTable, ordering: .releasing)
        moveFastGeometry(count: window.storage?.directCount ?? 0, pageShift: window.pageShift)
    }

    /// Disables the table: no new read sees the window, then, once no
    /// announced read can still be in it, its storage goes.
    func withdraw(garbage: inout Garbage) {
        guard let storage = state.pointee.storage else { return }
        moveFastGeometry(count: 0, pageShift: 0)
        state.pointee.nbTable.store(0, ordering: .releasing)
        guard GracePeriod.synchronize() else {
            // No barrier on this machine: the old fields stay for any read
            // still in them, and the storage is never freed.
            return
        }
        storage.release(into: &garbage)
        writeStorage(slot: state.pointee.storageSlot.load(ordering: .relaxed), nil)
        state.pointee.pageShift.store(0, ordering: .relaxed)
        state.pointee.busOffset.store(0, ordering: .relaxed)
    }

    /// Under the lock, on an enabled table: its entries are new's (which
    /// holds what the old storage holds) from now on; the old storage is
    /// let go once no read can be in it.
    func switchStorage(to new: Storage, garbage: inout Garbage) {
        let window = self.window
        guard let old = window.storage else { return }
        // The other slot: no read could see it since the last switch's
        // grace period.
        let current = state.pointee.storageSlot.load(ordering: .relaxed)
        writeStorage(slot: 1 - current, new)
        state.pointee.storageSlot.store(1 - current, ordering: .releasing)
        // A fast read of a flat old storage sees the word change before
        // its pages go (and one that came before saw the same entries).
        moveFastGeometry(count: new.directCount, pageShift: window.pageShift)
        // The host's array was checked to have grace periods; without one
        // the old storage stays, as withdraw leaves it.
        guard GracePeriod.synchronize() else { return }
        old.release(into: &garbage)
        writeStorage(slot: current, nil)
    }

    /// Writes one storage field (no read may be loading it): a stored
    /// property's assignment, an access to that field alone.
    private func writeStorage(slot: Int, _ storage: Storage?) {
        if slot == 0 { state.pointee.storage0 = storage } else { state.pointee.storage1 = storage }
    }
}
