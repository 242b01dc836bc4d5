import CSwiftTCE
import Synchronization

// The pieces of the migration stream (Migration.swift) that are not about
// tables: its checksum, big-endian reads and writes, and a walk of every
// non-zero entry of a storage.

// MARK: - CRC-32

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 {
        c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
    }
    return c
}

func migrationCRC32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    crcTable.withUnsafeBufferPointer { table in
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
    }
    return ~crc
}

// MARK: - Walking every non-zero entry

extension TCEStorage {
    /// Calls body(index, tce) for every non-zero entry in index order. The
    /// leaves' bitmaps mark only entries with a perm, so leaves are scanned
    /// whole; interior bitmaps still skip what was never written.
    func forEachNonZero(_ body: (UInt64, UInt64) -> Void) {
        guard let root else { return }
        func visit(_ node: TCENode, _ level: Int, _ base: UInt64) {
            if level == 0 {
                for slot in 0..<TCENode.slotCount {
                    let tce = node.slot(slot).pointee.load(ordering: .relaxed)
                    if tce != 0 { body(base | UInt64(slot), tce) }
                }
                return
            }
            for w in 0..<TCENode.bitmapWords {
                var bits = node.words[w].load(ordering: .acquiring)
                while bits != 0 {
                    let slot = w << 6 | bits.trailingZeroBitCount
                    bits &= bits &- 1
                    if let child = TCENode(bitPattern: node.slot(slot).pointee.load(ordering: .acquiring)) {
                        visit(child, level - 1,
                              base | UInt64(slot) << UInt64(level * TCENode.slotBits))
                    }
                }
            }
        }
        visit(root, levels - 1, 0)
    }
}

// MARK: - Byte order helpers

struct MigrationWriter {
    let base: UnsafeMutablePointer<UInt8>
    var offset = 0

    mutating func put<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes in
            for byte in bytes {
                base[offset] = byte
                offset += 1
            }
        }
    }
}

struct MigrationReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    /// The next value; the caller has checked that the bytes are there.
    mutating func get<T: FixedWidthInteger>(_: T.Type) -> T {
        var value: T = 0
        for _ in 0..<MemoryLayout<T>.size {
            value = value << 8 | T(bytes[offset])
            offset += 1
        }
        return value
    }
}
