// host.h's hook tables are versioned by size: their first field is the size
// the host was built with (the shim asserts it is at offset 0), and a host
// built against an older header passes a shorter table.

enum HostStruct {
    /// The host's table, copied up to the smaller of its size and ours,
    /// over empty (so that hooks the host does not know of stay NULL); nil
    /// when the host's is shorter than its size field.
    @unsafe static func copy<T>(_ table: UnsafePointer<T>, over empty: T) -> T? {
        // SAFETY: the caller's: a host's table, which holds the bytes its
        // first field says (host.h).
        let size = unsafe min(UnsafeRawPointer(table).load(as: Int.self), MemoryLayout<T>.size)
        guard size >= MemoryLayout<Int>.size else { return nil }
        var copied = empty
        unsafe withUnsafeMutableBytes(of: &copied) { dest in
            unsafe dest.copyMemory(from: UnsafeRawBufferPointer(start: table, count: size))
        }
        return copied
    }
}
