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
        writeStorage(slot: fields.storageSlot.load(ordering: .relaxed), window.storage)
        fields.pageShift.store(window.pageShift, ordering: .relaxed)
        fields.busOffset.store(window.busOffset, ordering: .relaxed)
        fields.nbTable.store(window.nbTable, ordering: .releasing)
        moveFastGeometry(count: window.storage?.directCount ?? 0, pageShift: window.pageShift)
    }

    /// Disables the table: no new read sees the window, then, once no
    /// announced read can still be in it, its storage goes. false when no
    /// grace period could be had: the table is disabled, but its storage
    /// stays where reads may still be, never reused (a later call tries
    /// again to let it go).
    @discardableResult
    func withdraw(garbage: inout Garbage) -> Bool {
        guard let storage = fields.storage else { return true }
        moveFastGeometry(count: 0, pageShift: 0)
        fields.nbTable.store(0, ordering: .releasing)
        guard GracePeriod.synchronize() else { return false }
        storage.release(into: &garbage)
        writeStorage(slot: fields.storageSlot.load(ordering: .relaxed), nil)
        fields.pageShift.store(0, ordering: .relaxed)
        fields.busOffset.store(0, ordering: .relaxed)
        return true
    }

    /// Under the lock, on an enabled table: its entries are new's (which
    /// holds what the old storage holds) from now on; the old storage is
    /// let go once no read can be in it (or, with no grace period, kept in
    /// the other slot until freeOtherStorageSlot can let it go).
    func switchStorage(to new: Storage, garbage: inout Garbage) {
        let window = self.window
        guard let old = window.storage else { return }
        let current = fields.storageSlot.load(ordering: .relaxed)
        writeStorage(slot: 1 - current, new)
        fields.storageSlot.store(1 - current, ordering: .releasing)
        // A fast read of a flat old storage sees the word change before
        // its pages go (and one that came before saw the same entries).
        moveFastGeometry(count: new.directCount, pageShift: window.pageShift)
        guard GracePeriod.synchronize() else { return }
        old.release(into: &garbage)
        writeStorage(slot: current, nil)
    }

    /// Makes sure the storage slot that is not the current one is empty
    /// (a switch before could not let its old storage go): it is written
    /// next, and no read may be loading it then. false when it holds a
    /// storage that still cannot be let go.
    func freeOtherStorageSlot(garbage: inout Garbage) -> Bool {
        let other = 1 - fields.storageSlot.load(ordering: .relaxed)
        guard let stale = other == 0 ? fields.storage0 : fields.storage1 else { return true }
        guard GracePeriod.synchronize() else { return false }
        stale.release(into: &garbage)
        writeStorage(slot: other, nil)
        return true
    }

    /// Writes one storage field (no read may be loading it): a stored
    /// property's assignment, an access to that field alone.
    private func writeStorage(slot: Int, _ storage: Storage?) {
        if slot == 0 { fields.storage0 = storage } else { fields.storage1 = storage }
    }
}
