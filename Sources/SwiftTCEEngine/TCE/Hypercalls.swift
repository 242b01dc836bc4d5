import CSwiftTCEHost

// The guest's TCE hypercalls (PAPR) after the host's LIOBN lookup, with
// QEMU's checks in QEMU's order. They answer H_SUCCESS or H_PARAMETER;
// H_HARDWARE only when memory for a new part of the table runs out (QEMU
// would abort) or a callback writes its own table.

package let hSuccess = Int64(SWIFTTCE_H_SUCCESS)
package let hParameter = Int64(SWIFTTCE_H_PARAMETER)
package let hHardware = Int64(SWIFTTCE_H_HARDWARE)

/// What QEMU's trace events show of a call (SwiftTCECallTrace).
package typealias CallTrace = SwiftTCECallTrace

extension TCETable {
    /// QEMU's put_tce_emu, under the lock: one entry written, then one
    /// notification (a run of one, for a host with notify_range). ioba is
    /// masked to the page already. report false: the caller reports the
    /// write itself, as part of a run.
    @inline(__always)
    private func put(ioba: UInt64, tce: UInt64, garbage: inout Garbage, report: Bool = true) -> Int64 {
        let shift = UInt64(fields.pageShift.load(ordering: .relaxed))
        let index = (ioba &- fields.busOffset.load(ordering: .relaxed)) &>> shift
        guard index < UInt64(fields.nbTable.load(ordering: .relaxed)) else { return hParameter }
        // SAFETY: index < nbTable: the table is enabled, so its storage is
        // set (publish sets it before nbTable; the lock holder sees both).
        guard unsafe fields.storage.unsafelyUnwrapped.store(index, tce, garbage: &garbage) else {
            return hHardware
        }
        if report && fields.notifying.load(ordering: .relaxed) {
            let mask = ~UInt64(0) &<< shift
            if !fields.runReports.load(ordering: .relaxed), let notify = unsafe fields.ops.notify {
                // Stored whole (MappingBuffer), so that a callee's wide loads of
                // it are forwarded from the stores, not made to wait for them.
                var buffer = MappingBuffer(SwiftTCEMapping(iova: (index &<< shift) & mask, tce: tce, mask: mask))
                // SAFETY: the host's hook, given its host_table and a mapping
                // that lives for the call, as host.h has it.
                unsafe buffer.withMapping { unsafe notify(fields.hostTable, $0) }
            } else if fields.runReports.load(ordering: .relaxed) {
                reportRun(index: index, tce: tce, count: 1, stride: 0, shift: shift)
            }
        }
        return hSuccess
    }

    /// Tells the host's notify_range (if any) of count entries from index,
    /// the first holding tce (host.h's run). Under the lock.
    private func reportRun(index: UInt64, tce: UInt64, count: UInt64, stride: UInt64, shift: UInt64) {
        // SAFETY: the hook only compared with NULL and called below.
        guard count > 0, let range = unsafe fields.ops.notify_range else { return }
        let mask = ~UInt64(0) &<< shift
        var buffer = MappingBuffer(SwiftTCEMapping(iova: (index &<< shift) & mask, tce: tce, mask: mask))
        // SAFETY: the host's hook, given its host_table and a mapping that
        // lives for the call, as host.h has it.
        unsafe buffer.withMapping { unsafe range(fields.hostTable, $0, count, stride) }
    }

    /// Whether written entries go to the host as runs (notify_range set and
    /// wanted, notification on).
    private var reportsRuns: Bool {
        notifying && runReports
    }

    /// Whether the host has a notify hook.
    private var hasNotifyHook: Bool {
        // SAFETY: the hook only compared with NULL.
        let hooked = unsafe ops.notify != nil
        return runReports || hooked
    }

    /// The page mask of the current window (the lock holder's view).
    @inline(__always)
    private var pageMask: UInt64 { ~UInt64(0) &<< UInt64(fields.pageShift.load(ordering: .relaxed)) }

    /// H_PUT_TCE.
    package func putTCE(ioba: UInt64, tce: UInt64) -> Int64 {
        touchEntry(ioba: ioba)
        return locked { garbage in
            put(ioba: ioba & pageMask, tce: tce, garbage: &garbage)
        } ?? hHardware
    }

    /// Starts bringing the entry for ioba into the cache before the lock
    /// (Storage.touchDirect). Read without the lock, the fields may be a
    /// changing window's: any entry of the array may be fetched.
    @inline(__always)
    private func touchEntry(ioba: UInt64) {
        let shift = UInt64(fields.pageShift.load(ordering: .relaxed))
        let index = (ioba &- fields.busOffset.load(ordering: .relaxed)) &>> shift
        // SAFETY: the fast path block's word: nil or the table's array.
        unsafe Storage.touchDirect(flatArray.pointee.load(ordering: .relaxed), index)
    }

    /// H_STUFF_TCE: npages copies of one TCE. A clear that no one listens
    /// to costs what was mapped, not what the range spans.
    package func stuffTCE(ioba: UInt64, value: UInt64, npages: UInt64, trace: inout CallTrace) -> Int64 {
        locked { garbage in
            let window = self.window
            guard npages <= UInt64(window.nbTable) else { return hParameter }
            let start = ioba & window.pageMask
            trace.traced = true
            trace.ioba = start
            guard npages > 0 else { return hParameter }   // QEMU's initial answer
            // Entries first..<first + inWindow are in the window; the one
            // after them, if npages goes on, is where QEMU's loop fails.
            let first = window.index(ofIOBA: start)
            let nb = UInt64(window.nbTable)
            let inWindow = first < nb ? min(npages, nb - first) : 0
            var written: UInt64 = 0
            var status = inWindow == npages ? hSuccess : hParameter
            if value == 0 && !(notifying && hasNotifyHook) {
                window.storage?.clear(from: first, count: inWindow, garbage: &garbage)
                written = inWindow
            } else if reportsRuns {
                // One run: the writes, then one call (host.h's notify_range).
                if value == 0 {
                    window.storage?.clear(from: first, count: inWindow, garbage: &garbage)
                    written = inWindow
                } else {
                    while written < inWindow {
                        let result = put(ioba: start &+ written &* window.pageSize, tce: value,
                                         garbage: &garbage, report: false)
                        if result != hSuccess {
                            status = result
                            break
                        }
                        written += 1
                    }
                }
                reportRun(index: first, tce: value, count: written, stride: 0, shift: UInt64(window.pageShift))
            } else {
                while written < inWindow {
                    let result = put(ioba: start &+ written &* window.pageSize, tce: value, garbage: &garbage)
                    if result != hSuccess {
                        status = result
                        break
                    }
                    written += 1
                }
            }
            trace.ioba = start &+ written &* window.pageSize
            return status
        } ?? hHardware
    }

    /// H_PUT_TCE_INDIRECT: npages big-endian TCEs read from guest memory at
    /// tceList with one read. A list the host cannot read is zeros: QEMU
    /// reads it with ldq_be_phys, which ignores errors (unassigned memory
    /// reads as 0), so its entries are cleared and the call succeeds.
    package func putTCEIndirect(ioba: UInt64, tceList: UInt64, npages: UInt64,
                                guest: UnsafeMutableRawPointer?, trace: inout CallTrace) -> Int64 {
        let maxPages = UInt64(SWIFTTCE_INDIRECT_MAX)
        guard npages <= maxPages, tceList & 0xfff == 0 else { return hParameter }
        trace.traced = true
        guard npages > 0 else { return hParameter }   // QEMU's initial answer
        // A host with no way to read the guest cannot take the call at all.
        // SAFETY: the host's hook, called below as host.h has it.
        guard let read = unsafe ops.read_guest else { return hParameter }
        // SAFETY: maxPages words on the stack for the call; npages of them
        // zeroed, then filled by the host's read_guest (host.h: it writes
        // what it read into buf), and only those read.
        return unsafe withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Int(maxPages)) { list in
            // One read of the whole list; one it cannot read is zeros.
            unsafe list.baseAddress!.initialize(repeating: 0, count: Int(npages))
            if unsafe !read(guest, tceList, list.baseAddress!, Int(npages) * 8) {
                unsafe list.baseAddress!.update(repeating: 0, count: Int(npages))
            }
            return locked { garbage in
                let window = self.window
                let start = ioba & window.pageMask
                var status = hParameter
                var i: UInt64 = 0
                let runs = reportsRuns
                while i < npages {
                    // SAFETY: i < npages, the list's initialised words.
                    trace.tce = unsafe UInt64(bigEndian: list[Int(i)])
                    status = put(ioba: start &+ i &* window.pageSize, tce: trace.tce, garbage: &garbage,
                                 report: !runs)
                    if status != hSuccess { break }
                    i += 1
                }
                if runs && i > 0 {
                    // SAFETY: the first i words were read above.
                    unsafe reportRuns(list: UnsafeBufferPointer(rebasing: list[0..<Int(i)]),
                                      index: window.index(ofIOBA: start), window: window)
                }
                // QEMU traces the last entry written or the one before the
                // one that failed, with the last TCE it read.
                trace.index = i == 0 ? 0 : i - 1
                return status
            } ?? hHardware
        }
    }

    /// An indirect list's written entries as host.h's runs: each as long as
    /// its TCEs stay equal (stride 0) or grow by the page (stride = page).
    private func reportRuns(list: UnsafeBufferPointer<UInt64>, index: UInt64, window: Window) {
        let page = window.pageSize
        let shift = UInt64(window.pageShift)
        var runStart = 0
        // SAFETY: list's words, read below its count.
        var first = unsafe UInt64(bigEndian: list[0])
        var previous = first
        var stride: UInt64? = nil
        for k in 1..<max(list.count, 1) {
            let tce = unsafe UInt64(bigEndian: list[k])
            let step = tce &- previous
            if (step == 0 || step == page) && (stride == nil || stride == step) {
                stride = step
            } else {
                reportRun(index: index &+ UInt64(runStart), tce: first, count: UInt64(k - runStart),
                          stride: stride ?? 0, shift: shift)
                runStart = k
                first = tce
                stride = nil
            }
            previous = tce
        }
        reportRun(index: index &+ UInt64(runStart), tce: first, count: UInt64(list.count - runStart),
                  stride: stride ?? 0, shift: shift)
    }
}
