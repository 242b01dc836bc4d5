// The pieces of the migration stream (Migration.swift) that are not about
// tables: its checksum and its big-endian reads and writes.

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
