import CSwiftTCEHost

// QEMU 7.2's migration format for one table: the body of its "spapr_iommu"
// vmstate section (versions 2 and 3), byte for byte, so that a
// SwiftTCE-based emulator and a stock QEMU migrate to each other.
// Big-endian throughout:
//
//   liobn         u32    VMSTATE_UINT32_EQUAL: must be the destination's
//   mig_nb_table  u32    the window's entries (0: disabled)
//   bypass        u8     VMSTATE_BOOL
//   mig_table     u64 x mig_nb_table, every entry (dense, as QEMU sends it)
//   def_win       u8     VMSTATE_BOOL_V(3): not in version 2
//   then, when bus_offset != 0 or page_shift != 12, the subsection:
//   0x05                 QEMU_VM_SUBSECTION
//   14, "spapr_iommu_ex" name length and name
//   version       u32    1
//   bus_offset    u64
//   page_shift    u32
//
// QEMU's core counts mig_table's elements in an int: past 2^31 - 1 entries
// it sends none. Save refuses such a window (its entries would be lost);
// load reads none, as QEMU does, and the commit then refuses the stream.
//
// Both directions are built on the pieces a host with QEMU's own vmstate
// core uses one entry at a time (StagedLoad.swift): readEntries, and a
// StagedLoad committed with QEMU's post_load rules.

private let subsectionMarker: UInt8 = 0x05   // QEMU_VM_SUBSECTION
private let subsectionName = Array("spapr_iommu_ex".utf8)
private let subsectionVersion: UInt32 = 1
private let headBytes = 4 + 4 + 1
private let subsectionBytes = 1 + 1 + subsectionName.count + 4 + 8 + 4
/// Entries read at a time while saving.
private let saveChunk = 512

/// Why a stream was refused.
package enum VMStateError: Error {
    case invalid(String)
    case noMemory

    package var message: String {
        switch self {
        case .invalid(let why): return why
        case .noMemory: return "out of memory"
        }
    }
}

/// What a whole-body load found besides the window.
package struct VMStateLoaded {
    package let bypass: Bool
    /// nil for version 2, which has none.
    package let defaultWindow: Bool?
    package let outcome: LoadOutcome
}

extension TCETable {
    /// The section body for this table: its size when buf is nil. Refused
    /// when buf is too small, for a window QEMU's core cannot send, and
    /// from a callback of the table itself.
    package func vmstateSave(liobn: UInt32, bypass: Bool, defaultWindow: Bool,
                             into buf: UnsafeMutableRawBufferPointer?) -> Result<Int, VMStateError> {
        let done = locked { _ -> Result<Int, VMStateError> in
            let geometry = self.geometry
            guard geometry.nbTable <= UInt32(Int32.max) else {
                return .failure(.invalid("a window of \(geometry.nbTable) entries: QEMU 7.2's vmstate counts them in an int and would send none"))
            }
            let hasSubsection = geometry.busOffset != 0 || geometry.pageShift != 12
            let size = headBytes + Int(geometry.nbTable) * 8 + 1 + (hasSubsection ? subsectionBytes : 0)
            // SAFETY: a nil check of the caller's buffer.
            guard let buf = unsafe buf else { return .success(size) }
            guard buf.count >= size else {
                return .failure(.invalid("a buffer of \(buf.count) bytes: the body needs \(size)"))
            }
            // SAFETY: the caller's buffer, for this call (its contract).
            var w = unsafe BigEndianWriter(buf)
            w.put(liobn)
            w.put(geometry.nbTable)
            w.put(UInt8(bypass ? 1 : 0))
            // SAFETY: saveChunk words on the stack for the loop, of which
            // readEntriesLocked initialises the n read.
            unsafe withUnsafeTemporaryAllocation(of: UInt64.self, capacity: saveChunk) { chunk in
                var first: UInt64 = 0
                while true {
                    let n = unsafe readEntriesLocked(from: first, into: chunk)
                    guard n > 0 else { break }
                    for unsafe tce in unsafe chunk[0..<n] { w.put(tce) }
                    first += UInt64(n)
                }
            }
            w.put(UInt8(defaultWindow ? 1 : 0))
            if hasSubsection {
                w.put(subsectionMarker)
                w.put(UInt8(subsectionName.count))
                for byte in subsectionName { w.put(byte) }
                w.put(subsectionVersion)
                w.put(geometry.busOffset)
                w.put(geometry.pageShift)
            }
            return .success(w.offset)
        }
        return done ?? .failure(.invalid("a callback of the table cannot save it"))
    }

    /// Checks a whole section body of that version and, only if all of it
    /// is right, commits it as QEMU's post_load would (the subsection's
    /// geometry, or the table's own without one).
    package func vmstateLoad(liobn: UInt32, versionID: Int32,
                             from bytes: UnsafeRawBufferPointer) -> Result<VMStateLoaded, VMStateError> {
        guard versionID == 2 || versionID == 3 else {
            return .failure(.invalid("version \(versionID): only 2 and 3 are known"))
        }
        // SAFETY: the caller's bytes, for this call (its contract).
        var r = unsafe BigEndianReader(bytes)
        guard let streamLIOBN = r.get(UInt32.self), let nbTable = r.get(UInt32.self),
              let bypass = r.get(UInt8.self) else {
            return .failure(.invalid("truncated: \(bytes.count) bytes, the fields before the table need \(headBytes)"))
        }
        guard streamLIOBN == liobn else {
            return .failure(.invalid("stream of LIOBN 0x\(String(streamLIOBN, radix: 16)), table is 0x\(String(liobn, radix: 16))"))
        }
        guard bypass <= 1 else { return .failure(.invalid("bypass is \(bypass), not a bool")) }
        // QEMU's core: an int count, none sent past 2^31 - 1.
        let sent = nbTable <= UInt32(Int32.max) ? Int(nbTable) : 0
        let table = r.offset
        let defWinBytes = versionID >= 3 ? 1 : 0
        guard r.skip(sent * 8), r.remaining >= defWinBytes else {
            return .failure(.invalid("truncated: \(bytes.count) bytes, \(sent) entries need \(headBytes + sent * 8 + defWinBytes)"))
        }
        var defaultWindow: Bool? = nil
        if versionID >= 3 {
            let byte = r.get(UInt8.self)!
            guard byte <= 1 else { return .failure(.invalid("def_win is \(byte), not a bool")) }
            defaultWindow = byte == 1
        }
        var geometry: (pageShift: UInt32, busOffset: UInt64)? = nil
        if r.remaining > 0 {
            switch readSubsection(&r) {
            case .success(let (busOffset, pageShift)): geometry = (pageShift, busOffset)
            case .failure(let error): return .failure(error)
            }
        }
        guard r.remaining == 0 else { return .failure(.invalid("\(r.remaining) bytes after the section's fields")) }
        var load = StagedLoad(table: self, nbTable: nbTable)
        defer { load.deinitialize() }
        if let error = load.stage(first: 0, count: sent, {
            // SAFETY: the reader skipped sent * 8 bytes from table above.
            unsafe UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: table + $0 * 8, as: UInt64.self))
        }) {
            return .failure(error)
        }
        return load.commit(geometry: geometry).map {
            VMStateLoaded(bypass: bypass == 1, defaultWindow: defaultWindow, outcome: $0)
        }
    }

    /// The "spapr_iommu_ex" subsection: bus_offset and page_shift.
    private func readSubsection(_ r: inout BigEndianReader) -> Result<(UInt64, UInt32), VMStateError> {
        let trailing = r.remaining
        guard let marker = r.get(UInt8.self), marker == subsectionMarker else {
            return .failure(.invalid("\(trailing) bytes after the section's last field (def_win), and not a "
                + "subsection: one starts with QEMU_VM_SUBSECTION (5), not \(r.last)"))
        }
        guard let length = r.get(UInt8.self), let name = r.bytes(Int(length)) else {
            return .failure(.invalid("truncated subsection name"))
        }
        guard name == subsectionName else {
            return .failure(.invalid("unknown subsection \"\(String(decoding: name, as: UTF8.self))\""))
        }
        guard let version = r.get(UInt32.self) else { return .failure(.invalid("truncated subsection")) }
        guard version == subsectionVersion else {
            return .failure(.invalid("subsection version \(version), only \(subsectionVersion) is known"))
        }
        guard let busOffset = r.get(UInt64.self), let pageShift = r.get(UInt32.self) else {
            return .failure(.invalid("truncated subsection fields"))
        }
        return .success((busOffset, pageShift))
    }
}

// MARK: - Byte order

/// A position in count bytes that moves only within them: the byte
/// readers' and writers' bounds, in one place.
package struct ByteCursor {
    let count: Int
    package private(set) var offset: Int

    init(count: Int, offset: Int) {
        precondition(offset >= 0 && offset <= count, "offset outside the bytes")
        self.count = count
        self.offset = offset
    }

    package var remaining: Int { count - offset }

    /// Where the next n bytes start, moving past them; nil (and no move)
    /// when they are not there.
    mutating func claim(_ n: Int) -> Int? {
        guard n >= 0, n <= remaining else { return nil }
        defer { offset += n }
        return offset
    }
}

/// Big-endian writes into a buffer the caller sized. Safe to use once
/// made: every write is checked against the buffer's count.
@safe
package struct BigEndianWriter {
    let buf: UnsafeMutableRawBufferPointer
    var cursor: ByteCursor
    package var offset: Int { cursor.offset }

    /// Over buf, which outlives the writer.
    @unsafe package init(_ buf: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        // SAFETY: the caller's buffer, which outlives the writer (the
        // contract above).
        unsafe self.buf = buf
        cursor = ByteCursor(count: buf.count, offset: offset)
    }

    package mutating func put<T: FixedWidthInteger>(_ value: T) {
        guard let at = cursor.claim(MemoryLayout<T>.size) else { preconditionFailure("write past the buffer") }
        // SAFETY: within the buffer (claimed), which outlives us.
        unsafe buf.storeBytes(of: value.bigEndian, toByteOffset: at, as: T.self)
    }
}

/// Big-endian reads that say when the bytes run out. Safe to use once made:
/// every read is checked against the bytes' count.
@safe
package struct BigEndianReader {
    let bytes: UnsafeRawBufferPointer
    var cursor: ByteCursor
    package var offset: Int { cursor.offset }
    package var remaining: Int { cursor.remaining }

    /// Over bytes, which outlive the reader.
    @unsafe package init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        // SAFETY: the caller's bytes, which outlive the reader (the
        // contract above).
        unsafe self.bytes = bytes
        cursor = ByteCursor(count: bytes.count, offset: offset)
    }

    /// The byte before the offset (for messages).
    var last: UInt8 {
        guard offset > 0 else { return 0 }
        // SAFETY: offset is within the bytes (the cursor's), and above 0.
        return unsafe bytes[offset - 1]
    }

    package mutating func get<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard let at = cursor.claim(MemoryLayout<T>.size) else { return nil }
        // SAFETY: within the bytes (claimed), which outlive us.
        return unsafe T(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    /// Moves on count bytes; false (and no move) when they are not there.
    package mutating func skip(_ count: Int) -> Bool {
        cursor.claim(count) != nil
    }

    /// The next count bytes, copied; nil when they are not there.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard let at = cursor.claim(count) else { return nil }
        // SAFETY: within the bytes (claimed).
        return unsafe Array(bytes[at..<(at + count)])
    }
}
