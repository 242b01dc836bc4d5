import CSwiftTCEHost

/// Tables freed with no host RCU, kept for the next table with the same
/// prefix (a stale fast translate may be in their memory at any time, so
/// it is never given back). Disabled: they hold no storage, only their
/// block and the flat array's address space.
enum TablePool {
    private static var blocks: PosixLocked<[Int: [TCETable]]> {
        Singleton.get(Int32(SWIFTTCE_SINGLETON_TABLE_POOL)) { PosixLocked([:]) }
    }

    static func take(prefixBytes: Int) -> TCETable? {
        blocks.withLock { $0[prefixBytes]?.popLast() }
    }

    static func give(_ table: TCETable) {
        let prefixBytes = table.fields.prefixBytes
        blocks.withLock { $0[prefixBytes, default: []].append(table) }
    }
}
