import CSwiftTCEHost
import Glibc

// Dynamic DMA windows: one PHB's windows over tables the host owns, and the
// four RTAS calls of QEMU's hw/ppc/spapr_rtas_ddw.c with its argument
// checks, limits and status codes, in its order. The engine decides; the
// host enables and disables its tables when told (SwiftTCEPhbOps), as
// QEMU's spapr_tce_table_enable/disable do their region work.

package let rtasSuccess = UInt32(bitPattern: Int32(SWIFTTCE_RTAS_SUCCESS))
private let rtasHardwareError = UInt32(bitPattern: Int32(SWIFTTCE_RTAS_HW_ERROR))
package let rtasParameterError = UInt32(bitPattern: Int32(SWIFTTCE_RTAS_PARAM_ERROR))

/// QEMU's SPAPR_PCI_DMA_MAX_WINDOWS.
package let maxWindows = Int(SWIFTTCE_PHB_MAX_WINDOWS)

/// One value per window: SWIFTTCE_PHB_MAX_WINDOWS of them. InlineArray's
/// count must be written out; SwiftTCEPhbConfig.liobns ties it to the C
/// constant, at compile time.
typealias PerWindow<Element> = InlineArray<2, Element>

extension SwiftTCEPhbConfig {
    /// dma_liobn, one per window. The C array imports as a tuple of
    /// SWIFTTCE_PHB_MAX_WINDOWS elements: taking it apart into PerWindow's
    /// count of them stops compiling when the two differ.
    var liobns: PerWindow<UInt32> {
        let (first, second) = dma_liobn
        return [first, second]
    }
}

/// Safe to use: hostPHB is the host's, only handed back to its hooks.
@safe
struct PHBState {
    let config: SwiftTCEPhbConfig
    let ops: SwiftTCEPhbOps
    let hostPHB: UnsafeMutableRawPointer?
    /// Window n's table; window 1 only with DDW (QEMU's realize makes one
    /// table per supported window).
    var windows: PerWindow<TCETable?>
    /// QEMU's def_win per table: set by the DMA reset, never cleared.
    var defaultWindow = PerWindow<Bool>(repeating: false)
}

/// A PHB's DDW state, by its state pointer. Safe to use, by this contract:
/// create() made the state and destroy() frees it, after which the handle
/// is not used (host.h: swifttce_phb_free must not race other calls).
@safe
package struct PHB: Equatable {
    let state: UnsafeMutablePointer<PHBState>

    package static func == (a: PHB, b: PHB) -> Bool {
        // SAFETY: addresses compared, not followed.
        unsafe a.state == b.state
    }

    /// The state, in place.
    var fields: PHBState {
        // SAFETY: create() made it; destroy() frees it, and the host uses
        // the handle no more (host.h: swifttce_phb_free).
        unsafeAddress { unsafe UnsafePointer(state) }
        nonmutating unsafeMutableAddress { unsafe state }
    }

    /// The DMA side of a PHB; a message when the arguments cannot make one.
    package static func create(config: SwiftTCEPhbConfig, ops: UnsafePointer<SwiftTCEPhbOps>,
                               hostPHB: UnsafeMutableRawPointer?, windows: [TCETable]) -> Result<PHB, PHBError> {
        // SAFETY: the host's table (the caller's contract, host.h's).
        guard let copied = unsafe HostStruct.copy(ops, over: SwiftTCEPhbOps()) else {
            return .failure(PHBError("ops->size is smaller than the size field"))
        }
        // SAFETY: the hooks only compared with NULL.
        guard unsafe copied.enable_window != nil, unsafe copied.disable_window != nil else {
            return .failure(PHBError("the ops need enable_window and disable_window"))
        }
        guard windows.count == 1 || windows.count == maxWindows else {
            return .failure(PHBError("a PHB has 1 or \(maxWindows) windows, not \(windows.count)"))
        }
        guard windows.count == maxWindows || !config.ddw else {
            return .failure(PHBError("DDW needs \(maxWindows) windows"))
        }
        for (n, table) in windows.enumerated() {
            if let first = windows[..<n].firstIndex(of: table) {
                return .failure(PHBError("windows \(first) and \(n) are one table: each window needs its own"))
            }
        }
        if let problem = PHB.configProblem(config) { return .failure(PHBError(problem)) }
        // SAFETY: fresh memory for one PHBState, initialised here, the
        // PHB's until destroy().
        guard let raw = unsafe malloc(MemoryLayout<PHBState>.stride) else {
            return .failure(PHBError("out of memory"))
        }
        let state = unsafe raw.bindMemory(to: PHBState.self, capacity: 1)
        unsafe state.initialize(to: PHBState(
            config: config, ops: copied, hostPHB: hostPHB,
            windows: PerWindow { $0 < windows.count ? windows[$0] : nil }))
        return unsafe .success(PHB(state: state))
    }

    /// Why a configuration cannot make a PHB's default window, or nil.
    private static func configProblem(_ config: SwiftTCEPhbConfig) -> String? {
        let pageSize = UInt64(1) << 12
        let size = config.dma_win_size
        if size == 0 || size % pageSize != 0 || size / pageSize > UInt64(UInt32.max) {
            return "dma_win_size 0x\(String(size, radix: 16)) is not 1 to 2^32 - 1 pages of 4 KiB"
        }
        if config.dma_win_addr > UInt64.max - (size - 1) {
            return "the default window at 0x\(String(config.dma_win_addr, radix: 16)) passes 2^64"
        }
        return nil
    }

    package func destroy() {
        // SAFETY: create()'s state, not used again (the contract above).
        unsafe state.deinitialize(count: 1)
        unsafe free(state)
    }

    package var config: SwiftTCEPhbConfig { fields.config }

    package func window(_ n: Int) -> TCETable? {
        n >= 0 && n < maxWindows ? fields.windows[n] : nil
    }

    /// Window n's LIOBN (the config's dma_liobn[n]).
    package func liobn(_ n: Int) -> UInt32 {
        config.liobns[n]
    }

    /// The window number of a LIOBN of this PHB.
    package func windowNumber(liobn: UInt32) -> Int? {
        (0..<maxWindows).first { window($0) != nil && self.liobn($0) == liobn }
    }

    /// Drops window n's table (its host freed it): the PHB has one window
    /// fewer from then on.
    package func forgetWindow(_ n: Int) {
        guard n >= 0 && n < maxWindows else { return }
        fields.windows[n] = nil
    }

    package func isDefaultWindow(_ n: Int) -> Bool {
        n >= 0 && n < maxWindows && fields.defaultWindow[n]
    }

    package func setDefaultWindow(_ n: Int, _ value: Bool) {
        guard n >= 0 && n < maxWindows else { return }
        fields.defaultWindow[n] = value
    }

    /// QEMU's spapr_phb_get_active_win_num: enabled windows.
    package var activeWindows: Int {
        (0..<maxWindows).reduce(0) { count, n in count + (window(n).map { $0.nbTable != 0 ? 1 : 0 } ?? 0) }
    }

    /// QEMU's spapr_phb_get_free_liobn: a window whose table is disabled,
    /// the one the host picks (the lowest without its hook); nil when none
    /// is, or the host's pick is not one of them.
    var freeWindow: Int? {
        var free: UInt32 = 0
        for n in 0..<maxWindows where window(n).map({ $0.nbTable == 0 }) ?? false {
            free |= 1 << UInt32(n)
        }
        guard free != 0 else { return nil }
        // SAFETY: the host's hook, called as host.h has it.
        guard let pick = unsafe fields.ops.pick_free_window else { return free.trailingZeroBitCount }
        let n = unsafe pick(fields.hostPHB, free)
        guard n >= 0, n < maxWindows, free & (1 << UInt32(n)) != 0 else { return nil }
        return Int(n)
    }

    private func enableWindow(_ n: Int, pageShift: UInt32, busOffset: UInt64, nbTable: UInt32, creating: Bool) {
        // SAFETY: the host's hook (checked not NULL by create()), as host.h
        // has it.
        unsafe fields.ops.enable_window(fields.hostPHB, UInt32(n), pageShift, busOffset, nbTable, creating)
    }

    private func disableWindow(_ n: Int) {
        // SAFETY: as enableWindow's.
        unsafe fields.ops.disable_window(fields.hostPHB, UInt32(n))
    }

    /// QEMU's spapr_phb_dma_reset: every window off, the default one on.
    package func dmaReset() {
        for n in 0..<maxWindows where window(n).map({ $0.nbTable != 0 }) ?? false {
            disableWindow(n)
        }
        let config = self.config
        enableWindow(0, pageShift: 12, busOffset: config.dma_win_addr,
                     nbTable: UInt32(truncatingIfNeeded: config.dma_win_size >> 12), creating: false)
        setDefaultWindow(0, true)
    }

    // MARK: - RTAS

    /// ibm,query-pe-dma-window.
    package func queryPEDMAWindow(nargs: UInt32, nret: UInt32, out: RTASReturns) {
        // nret 6 is LoPAPR's extension: the largest window as a 64-bit count.
        guard nargs == 3, nret == 5 || nret == 6, config.ddw else {
            out.store(0, rtasParameterError)
            return
        }
        let mask = ddwQueryMask(pageSizes: config.pgsz)
        out.store(0, rtasSuccess)
        out.store(1, UInt32(maxWindows - activeWindows))
        if nret == 6 {
            // QEMU's 1 << (58 - 21) TCEs, split high/low.
            out.store(2, 0x20)
            out.store(3, 0)
            out.store(4, mask)
            out.store(5, 0)
        } else {
            // QEMU has sent this constant since 2019 whatever the RAM size.
            out.store(2, 0x8000_0000)
            out.store(3, mask)
            out.store(4, 0)   // DMA migration mask: not supported
        }
    }

    /// ibm,create-pe-dma-window: args[3] page shift, args[4] window shift.
    package func createPEDMAWindow(nargs: UInt32, args: RTASArguments, nret: UInt32, out: RTASReturns) {
        guard nargs == 5, nret == 4, config.ddw,
              let pageShift = args[3], let windowShift = args[4] else {
            out.store(0, rtasParameterError)
            return
        }
        let free = freeWindow
        let windows = activeWindows
        // QEMU shifts 1ULL by the guest's page_shift unchecked; a shift of 64
        // or more is undefined in C, so it is refused as a size not offered.
        guard pageShift < 64, config.pgsz & (1 << UInt64(pageShift)) != 0, windowShift >= pageShift else {
            out.store(0, rtasParameterError)
            return
        }
        guard let n = free, windows < maxWindows, let table = window(n) else {
            out.store(0, rtasHardwareError)
            return
        }
        let address = windows == 0 ? config.dma_win_addr : config.dma64_win_addr
        // QEMU passes 1ULL << (window_shift - page_shift) to a uint32_t
        // nb_table: 2^32 entries or more arrive as 0 and the enable fails.
        let shift = windowShift - pageShift
        let entries: UInt32 = shift < 32 ? 1 << shift : 0
        enableWindow(n, pageShift: pageShift, busOffset: address, nbTable: entries, creating: true)
        guard table.nbTable != 0 else {
            out.store(0, rtasHardwareError)
            return
        }
        let busOffset = table.busOffset
        out.store(0, rtasSuccess)
        out.store(1, liobn(n))
        out.store(2, UInt32(truncatingIfNeeded: busOffset >> 32))
        out.store(3, UInt32(truncatingIfNeeded: busOffset))
    }

    /// ibm,remove-pe-dma-window: args[0] is the LIOBN. Returns whether the
    /// default window was restored (QEMU traces a ddw_reset then).
    package func removePEDMAWindow(nargs: UInt32, args: RTASArguments, nret: UInt32, out: RTASReturns) -> Bool {
        guard nargs == 1, nret == 1, config.ddw, let liobn = args[0],
              let n = windowNumber(liobn: liobn), let table = window(n), table.nbTable != 0 else {
            out.store(0, rtasParameterError)
            return false
        }
        let wasDefault = isDefaultWindow(n)
        disableWindow(n)
        // SAFETY: the host's hook, as host.h has it.
        unsafe fields.ops.window_removed?(fields.hostPHB, UInt32(n))
        // LoPAPR: removing the last window, when it is not the default one,
        // brings the default window back.
        let reset = activeWindows == 0 && !wasDefault
        if reset { dmaReset() }
        out.store(0, rtasSuccess)
        return reset
    }

    /// ibm,reset-pe-dma-window.
    package func resetPEDMAWindow(nargs: UInt32, nret: UInt32, out: RTASReturns) {
        guard nargs == 3, nret == 1, config.ddw else {
            out.store(0, rtasParameterError)
            return
        }
        dmaReset()
        out.store(0, rtasSuccess)
    }
}

package struct PHBError: Error {
    package let message: String
    init(_ message: String) { self.message = message }
}

/// QEMU's spapr_page_mask_to_query_mask: pgsz bits in LoPAPR's encoding.
package func ddwQueryMask(pageSizes: UInt64) -> UInt32 {
    let encoding: [(shift: UInt64, bit: UInt32)] = [
        (12, 0x01), (16, 0x02), (24, 0x04), (25, 0x08), (26, 0x10),
        (27, 0x20), (28, 0x40), (34, 0x80), (21, 0x100),
    ]
    var mask: UInt32 = 0
    for (shift, bit) in encoding where pageSizes & (1 << shift) != 0 {
        mask |= bit
    }
    return mask
}

/// An RTAS call's cells, the ones it reads or the ones it writes: QEMU
/// reads and writes guest memory unchecked; here a cell at or past count,
/// or in a NULL array, reads as missing and is not written. Safe to use
/// once made: every cell is checked against the count the maker vouched
/// for.
@safe
package struct RTASCells {
    private let cells: UnsafeMutablePointer<UInt32>?
    private let count: UInt32

    /// The call's arguments: count cells at cells (or none), only read.
    @unsafe package init(_ cells: UnsafePointer<UInt32>?, count: UInt32) {
        // SAFETY: the caller's cells, count of them (the contract above);
        // arguments are never written.
        unsafe self.cells = cells.map { unsafe UnsafeMutablePointer(mutating: $0) }
        self.count = count
    }

    /// The call's returns: count cells at cells (or none).
    @unsafe package init(_ cells: UnsafeMutablePointer<UInt32>?, count: UInt32) {
        // SAFETY: the caller's cells, count of them (the contract above).
        unsafe self.cells = cells
        self.count = count
    }

    package subscript(_ i: UInt32) -> UInt32? {
        // SAFETY: a nil check, then a cell below count (the init's
        // contract).
        guard let cells = unsafe cells, i < count else { return nil }
        return unsafe cells[Int(i)]
    }

    package func store(_ index: UInt32, _ value: UInt32) {
        // SAFETY: a nil check, then a cell below count (the init's
        // contract); only returns' cells are stored to.
        guard let cells = unsafe cells, index < count else { return }
        unsafe cells[Int(index)] = value
    }
}

/// The cells an RTAS call reads (made with RTASCells' const init).
package typealias RTASArguments = RTASCells
/// The cells an RTAS call writes.
package typealias RTASReturns = RTASCells
