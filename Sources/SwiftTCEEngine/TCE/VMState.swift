import CSwiftTCEHost

// QEMU 7.2's migration format for one table: the body of its "spapr_iommu"
// vmstate section (version 3), byte for byte, so that a SwiftTCE-based
// emulator and a stock QEMU migrate to each other. Big-endian throughout:
//
//   liobn         u32    VMSTATE_UINT32_EQUAL: must be the destination's
//   mig_nb_table  u32    the window's entries (0: disabled)
//   bypass        u8     VMSTATE_BOOL
//   mig_table     u64 x mig_nb_table, every entry (dense, as QEMU sends it)
//   def_win       u8     VMSTATE_BOOL_V(3)
//   then, when bus_offset != 0 or page_shift != 12, the subsection:
//   0x05                 QEMU_VM_SUBSECTION
//   14, "spapr_iommu_ex" name length and name
//   version       u32    1
//   bus_offset    u64
//   page_shift    u32
//
// QEMU's post_load gives the table mig_nb_table entries with the
// subsection's bus_offset and page_shift, or the table's own without one;
// load does the same, after checking everything QEMU does not.

private let subsectionMarker: UInt8 = 0x05   // QEMU_VM_SUBSECTION
private let subsectionName = Array("spapr_iommu_ex".utf8)
private let subsectionVersion: UInt32 = 1
private let headBytes = 4 + 4 + 1
private let subsectionBytes = 1 + 1 + subsectionName.count + 4 + 8 + 4

/// Why a stream was refused.
package enum VMStateError: Error {
    case invalid(String)
    case noMemory
}

extension TCETable {
    /// The section body for this table, or its size when buf is nil or too
    /// small (then 0 is returned for a buf that is too small). nil from a
    /// callback of the table itself.
    package func vmstateSave(liobn: UInt32, defaultWindow: Bool,
                             into buf: UnsafeMutableRawBufferPointer?) -> Int? {
        withEntries { geometry, walk -> Int in
            let hasSubsection = geometry.busOffset != 0 || geometry.pageShift != 12
            let size = headBytes + Int(geometry.nbTable) * 8 + 1 + (hasSubsection ? subsectionBytes : 0)
            guard let buf else { return size }
            guard buf.count >= size else { return 0 }
            var w = BigEndianWriter(buf)
            w.put(liobn)
            w.put(geometry.nbTable)
            w.put(UInt8(bypass ? 1 : 0))
            let table = w.offset
            // Dense: zeros, then the entries there are.
            w.skip(zeroing: Int(geometry.nbTable) * 8)
            walk { index, tce in
                var at = BigEndianWriter(buf, offset: table + Int(index) * 8)
                at.put(tce)
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
            return w.offset
        }
    }

    /// Checks a section body and, only if all of it is right, gives the
    /// table its geometry, entries and bypass. Returns the stream's def_win.
    package func vmstateLoad(liobn: UInt32, from bytes: UnsafeRawBufferPointer) -> Result<Bool, VMStateError> {
        var r = BigEndianReader(bytes)
        guard let streamLIOBN = r.get(UInt32.self), let nbTable = r.get(UInt32.self),
              let bypass = r.get(UInt8.self) else {
            return .failure(.invalid("truncated: \(bytes.count) bytes, the fields before the table need \(headBytes)"))
        }
        guard streamLIOBN == liobn else {
            return .failure(.invalid("stream of LIOBN 0x\(String(streamLIOBN, radix: 16)), table is 0x\(String(liobn, radix: 16))"))
        }
        guard bypass <= 1 else { return .failure(.invalid("bypass is \(bypass), not a bool")) }
        let table = r.offset
        guard r.skip(Int(nbTable) * 8), let defaultWindow = r.get(UInt8.self) else {
            return .failure(.invalid("truncated: \(bytes.count) bytes, \(nbTable) entries need \(headBytes + Int(nbTable) * 8 + 1)"))
        }
        guard defaultWindow <= 1 else { return .failure(.invalid("def_win is \(defaultWindow), not a bool")) }
        var geometry = Geometry(pageShift: pageShift, busOffset: busOffset, nbTable: nbTable)
        if r.remaining > 0 {
            switch readSubsection(&r) {
            case .success(let (busOffset, pageShift)):
                geometry.busOffset = busOffset
                geometry.pageShift = pageShift
            case .failure(let error):
                return .failure(error)
            }
        }
        guard r.remaining == 0 else { return .failure(.invalid("\(r.remaining) bytes after the section's fields")) }
        if nbTable == 0 {
            geometry = .disabled
        } else if let problem = Geometry.problem(pageShift: geometry.pageShift, busOffset: geometry.busOffset,
                                               nbTable: nbTable) {
            return .failure(.invalid("the stream's window cannot be enabled: \(problem)"))
        }
        let error = replaceWindow(geometry) { store in
            var entries = BigEndianReader(bytes, offset: table)
            for index in 0..<UInt64(nbTable) {
                let tce = entries.get(UInt64.self)!
                if tce != 0 && !store(index, tce) { return false }
            }
            return true
        }
        switch error {
        case nil:
            self.bypass = bypass == 1
            return .success(defaultWindow == 1)
        case .invalid(let why), .unsupported(let why): return .failure(.invalid(why))
        case .noMemory: return .failure(.noMemory)
        }
    }

    /// The "spapr_iommu_ex" subsection: bus_offset and page_shift.
    private func readSubsection(_ r: inout BigEndianReader) -> Result<(UInt64, UInt32), VMStateError> {
        guard let marker = r.get(UInt8.self), marker == subsectionMarker else {
            return .failure(.invalid("after def_win: 0x\(String(r.last, radix: 16)), not a subsection"))
        }
        guard let length = r.get(UInt8.self), let name = r.bytes(Int(length)) else {
            return .failure(.invalid("truncated subsection name"))
        }
        guard name.elementsEqual(subsectionName) else {
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

/// Big-endian writes into a buffer the caller sized.
package struct BigEndianWriter {
    let buf: UnsafeMutableRawBufferPointer
    package private(set) var offset: Int

    package init(_ buf: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        self.buf = buf
        self.offset = offset
    }

    package mutating func put<T: FixedWidthInteger>(_ value: T) {
        buf.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
    }

    package mutating func skip(zeroing count: Int) {
        (buf.baseAddress! + offset).initializeMemory(as: UInt8.self, repeating: 0, count: count)
        offset += count
    }
}

/// Big-endian reads that say when the bytes run out.
package struct BigEndianReader {
    let bytes: UnsafeRawBufferPointer
    package private(set) var offset: Int

    package init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    package var remaining: Int { bytes.count - offset }

    /// The byte before the offset (for messages).
    var last: UInt8 { offset > 0 ? bytes[offset - 1] : 0 }

    package mutating func get<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard remaining >= MemoryLayout<T>.size else { return nil }
        let value = T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// Moves on count bytes; false (and no move) when they are not there.
    package mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        offset += count
        return true
    }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard remaining >= count else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
