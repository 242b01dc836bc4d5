// The migration stream's checksum (Migration.swift); its big-endian reads
// and writes are the engine's (BigEndianReader/Writer).

// MARK: - CRC-32

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 {
        c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
    }
    return c
}

/// CRC-32 of bytes. @safe: bytes is a live buffer for the call (the
/// caller's contract), read only within its count.
@safe func migrationCRC32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    // SAFETY: the table's own buffer, for the closure.
    unsafe crcTable.withUnsafeBufferPointer { table in
        for i in 0..<bytes.count {
            let byte = unsafe bytes[i]  // SAFETY: i < count, the contract above
            // SAFETY: the index is masked to 0...255, the table's 256 entries.
            crc = unsafe table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
    }
    return ~crc
}
