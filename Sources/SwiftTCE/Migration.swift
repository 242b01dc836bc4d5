import CSwiftTCE
import CSwiftTCEHost
import Glibc
import SwiftTCEEngine

// Migration of one table: a versioned byte stream holding the window and its
// non-zero entries only (QEMU's vmstate sends every entry: a 16 GiB window
// would be 16 GiB on the wire). All integers are big-endian:
//
//   offset  size  field
//        0     8  magic "SPTCETBL"
//        8     4  version (1)
//       12     4  liobn
//       16     4  page_shift (0 when disabled)
//       20     4  flags: bit 0 = the PHB's default window (QEMU's def_win),
//                  bit 1 = bypass (QEMU's bypass), other bits must be 0
//       24     8  bus_offset
//       32     4  nb_table (0 when disabled)
//       36     4  count: entries that follow
//       40  12*count  (index u32, tce u64), index strictly ascending, tce != 0
//   40+12*count  4  CRC-32 (IEEE) of every byte before it
//
// Entries are raw TCEs, as H_GET_TCE returns them, so an entry with address
// bits but no perm is kept too.
//
// A table that is a PHB window also carries def_win, which decides whether
// removing it as the last window brings the default one back (QEMU migrates
// it since vmstate version 3). Its PHB's listener is told when a load
// changes the window (removed, then added), as QEMU's listeners see the
// region go and come back; a load that keeps the window tells no one.

private let magic: [UInt8] = Array("SPTCETBL".utf8)
private let formatVersion: UInt32 = 1
private let headerSize = 40
private let entrySize = 12
private let trailerSize = 4
private let flagDefaultWindow: UInt32 = 1
private let flagBypass: UInt32 = 2
private let knownFlags = flagDefaultWindow | flagBypass

// MARK: - Save

@c @implementation
public func spapr_tce_table_save(
    _ tcet: UnsafePointer<SpaprTceTable>?,
    _ buf: UnsafeMutablePointer<UInt8>?,
    _ buf_size: Int
) -> Int {
    guard let table = SpaprTable(tcet) else { return 0 }
    // One walk into an array, so that the size and the bytes agree even if
    // the caller did not stop the guest.
    var entries: [(UInt32, UInt64)] = []
    guard let geometry = table.engine.withEntries({ geometry, walk -> Geometry in
        walk { index, tce in entries.append((UInt32(truncatingIfNeeded: index), tce)) }
        return geometry
    }) else { return 0 }
    let size = headerSize + entries.count * entrySize + trailerSize
    // SAFETY: NULL or the caller's buffer of buf_size bytes (the C contract).
    guard let buf = unsafe buf, buf_size >= size else { return size }
    Trace.emit("spapr_iommu_pre_save liobn=\(hex(table.liobn)) \(hex(geometry.nbTable)) bus_offset=0x\(hex(geometry.busOffset)) ps=\(geometry.pageShift)")
    // SAFETY: the caller's buffer, size <= buf_size bytes of it.
    var w = unsafe BigEndianWriter(UnsafeMutableRawBufferPointer(start: buf, count: size))
    for byte in magic { w.put(byte) }
    w.put(formatVersion)
    w.put(table.liobn)
    w.put(geometry.pageShift)
    var flags: UInt32 = 0
    if geometry.nbTable != 0, let phb = findPHB(owning: table),
       let n = phb.windowNumber(of: table), phb.engine.isDefaultWindow(n) {
        flags |= flagDefaultWindow
    }
    if table.bypass { flags |= flagBypass }
    w.put(flags)
    w.put(geometry.busOffset)
    w.put(geometry.nbTable)
    w.put(UInt32(entries.count))
    for (index, tce) in entries {
        w.put(index)
        w.put(tce)
    }
    // SAFETY: as above, what was written of it.
    w.put(migrationCRC32(unsafe UnsafeRawBufferPointer(start: buf, count: w.offset)))
    return size
}

// MARK: - Load

/// A stream that passed every check.
private struct LoadedState {
    let geometry: Geometry
    let defaultWindow: Bool
    let bypass: Bool
    var entries: [(UInt64, UInt64)]
}

/// Why a stream cannot be loaded.
private struct LoadError: Swift.Error {
    let why: String
}

/// Checks everything and collects the entries to store; touches no table
/// (the engine's replaceWindow builds the new storage from them).
/// isWindow: the table is one of a PHB's windows (may take def_win).
/// @safe: bytes is a live buffer for the call, read only within its count.
@safe private func parse(_ bytes: UnsafeRawBufferPointer, liobn: UInt32,
                   isWindow: Bool) throws(LoadError) -> LoadedState {
    func invalid(_ why: String) -> LoadError { LoadError(why: why) }
    guard bytes.count >= headerSize + trailerSize else {
        throw invalid("truncated: \(bytes.count) bytes, a header needs \(headerSize + trailerSize)")
    }
    var r = unsafe BigEndianReader(bytes)  // SAFETY: the contract above; reads stop at its count
    for expected in magic where r.get(UInt8.self) != expected {
        throw invalid("not a TCE table stream (bad magic)")
    }
    let version = r.get(UInt32.self)!
    guard version == formatVersion else {
        throw invalid("version \(version) is not supported (only \(formatVersion))")
    }
    let streamLIOBN = r.get(UInt32.self)!
    let pageShift = r.get(UInt32.self)!
    let flags = r.get(UInt32.self)!
    let busOffset = r.get(UInt64.self)!
    let nbTable = r.get(UInt32.self)!
    let count = r.get(UInt32.self)!
    guard streamLIOBN == liobn else {
        throw invalid("stream of LIOBN 0x\(String(streamLIOBN, radix: 16)), table is 0x\(String(liobn, radix: 16))")
    }
    guard flags & ~knownFlags == 0 else {
        throw invalid("unknown flags 0x\(String(flags & ~knownFlags, radix: 16))")
    }
    let defaultWindow = flags & flagDefaultWindow != 0
    guard nbTable != 0 || !defaultWindow else {
        throw invalid("a disabled table cannot be the default window")
    }
    guard isWindow || !defaultWindow else {
        throw invalid("the default-window flag on a table that is no PHB's window")
    }
    if nbTable == 0 {
        guard pageShift == 0, busOffset == 0 else {
            throw invalid("a disabled table with page_shift \(pageShift), bus_offset 0x\(String(busOffset, radix: 16))")
        }
    } else {
        if let problem = Geometry.problem(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable) {
            throw invalid(problem)
        }
    }
    guard count <= nbTable else {
        throw invalid("\(count) entries in a table of \(nbTable)")
    }
    let expected = headerSize + Int(count) * entrySize + trailerSize
    guard bytes.count >= expected else {
        throw invalid("truncated: \(bytes.count) bytes, \(count) entries need \(expected)")
    }
    guard bytes.count == expected else {
        throw invalid("\(bytes.count - expected) trailing bytes after the stream")
    }
    let body = unsafe UnsafeRawBufferPointer(rebasing: bytes[0..<(expected - trailerSize)])  // SAFETY: as above
    var tail = unsafe BigEndianReader(bytes, offset: expected - trailerSize)  // SAFETY: as above
    guard migrationCRC32(body) == tail.get(UInt32.self) else {
        throw invalid("checksum mismatch: the stream is corrupt")
    }
    var entries: [(UInt64, UInt64)] = []
    entries.reserveCapacity(Int(count))
    var previous: UInt64? = nil
    for _ in 0..<count {
        let index = UInt64(r.get(UInt32.self)!)
        let tce = r.get(UInt64.self)!
        if index >= UInt64(nbTable) {
            throw invalid("entry index \(index) is past the table's \(nbTable) entries")
        } else if let previous, index <= previous {
            throw invalid("entry index \(index) after \(previous): not strictly ascending")
        } else if tce == 0 {
            throw invalid("entry \(index) is zero: zero entries are not sent")
        }
        entries.append((index, tce))
        previous = index
    }
    return LoadedState(geometry: Geometry(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable),
                       defaultWindow: defaultWindow, bypass: flags & flagBypass != 0, entries: entries)
}

@c @implementation
public func spapr_tce_table_load(
    _ tcet: UnsafeMutablePointer<SpaprTceTable>?,
    _ buf: UnsafePointer<UInt8>?,
    _ len: Int,
    _ errp: ErrorOut?
) -> Int32 {
    guard let table = SpaprTable(tcet, for: "spapr_tce_table_load", errp) else { return statusInvalid }
    // SAFETY: NULL or the caller's stream of len bytes (the C contract).
    guard len >= 0, unsafe buf != nil || len == 0 else {
        setError(errp, "spapr_tce_table_load: no stream")
        return statusInvalid
    }
    let bytes = unsafe UnsafeRawBufferPointer(start: buf, count: len)  // SAFETY: as above
    let phb = findPHB(owning: table)
    let loaded: LoadedState
    do {
        loaded = try parse(bytes, liobn: table.liobn, isWindow: phb != nil)
    } catch {
        setError(errp, "spapr_tce_table_load: \(error.why)")
        return statusInvalid
    }
    // Everything checked: only now is the table changed, in one step, and
    // without IOMMU notifications, as QEMU's post_load.
    let old = table.engine.geometry
    let sameWindow = old.nbTable != 0 && old == loaded.geometry
    if let phb, old.nbTable != 0, !sameWindow {
        phb.announce(table, added: false)
    }
    if let error = table.engine.replaceWindow(loaded.geometry, fill: { store in
        loaded.entries.allSatisfy { store($0.0, $0.1) }
    }) {
        // Out of memory: the table is as it was.
        if let phb, old.nbTable != 0, !sameWindow { phb.announce(table, added: true) }
        setError(errp, "spapr_tce_table_load: \(error.message)")
        return error.status
    }
    table.syncRegionSize()
    // QEMU's post_load applies it to the VIO device, whose DMA reads it.
    table.bypass = loaded.bypass
    if let phb, let n = phb.windowNumber(of: table) {
        phb.engine.setDefaultWindow(n, loaded.defaultWindow)
        if loaded.geometry.nbTable != 0, !sameWindow {
            phb.announce(table, added: true)
        }
    }
    // QEMU's post_load re-enables the table when the entry count changed
    // (spapr_tce_table_enable allocates, and traces, a new table), then
    // traces the count before and the window after.
    let new = loaded.geometry
    if new.nbTable != 0, new.nbTable != old.nbTable { traceNewTable(table) }
    Trace.emit("spapr_iommu_post_load liobn=\(hex(table.liobn)) \(hex(old.nbTable)) => 0x\(hex(new.nbTable)) bus_offset=0x\(hex(new.busOffset)) ps=\(new.pageShift)")
    return 0
}
