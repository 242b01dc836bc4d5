// Whole-table access for migration formats: a consistent look at the
// entries, and a window replaced in one step.

/// Calls its argument for every non-zero entry (index, raw TCE), in index
/// order.
package typealias EntryWalk = ((UInt64, UInt64) -> Void) -> Void

extension TCETable {
    /// Runs body with the table locked: its geometry and a walk of its
    /// non-zero entries, which no writer changes meanwhile. nil from a
    /// callback of the table itself.
    package func withEntries<Result>(_ body: (Geometry, EntryWalk) -> Result) -> Result? {
        locked { _ in
            let window = self.window
            return body(geometry) { visit in
                window.storage?.forEachNonZero(from: 0, count: UInt64(window.nbTable), visit)
            }
        }
    }

    /// Replaces the window by one of that geometry (nbTable 0: disabled)
    /// holding what fill stores (store returns false when memory runs out;
    /// fill returns false to give up). Nothing changes on error; nothing is
    /// notified.
    package func replaceWindow(_ geometry: Geometry,
                               fill: (_ store: (UInt64, UInt64) -> Bool) -> Bool) -> EnableError? {
        locked(reclaim: true) { garbage in
            replace(with: geometry, fill: fill, garbage: &garbage)
        } ?? .invalid("a callback of the table cannot reload it")
    }
}
