import CSwiftTCEHost

// The TCE layer: what the entries of a Storage mean. Only this layer knows
// the permission bits.

/// The bits of a TCE that make it a mapping (its perm).
@usableFromInline let permBits = UInt64(SWIFTTCE_TCE_READ | SWIFTTCE_TCE_WRITE)

/// A table's window as its writer sees it (under the table's lock): its
/// geometry and its entries.
@usableFromInline
struct Window {
    @usableFromInline let pageShift: UInt32
    @usableFromInline let busOffset: UInt64
    @usableFromInline let nbTable: UInt32
    /// nil exactly when nbTable is 0 (disabled).
    @usableFromInline let storage: Storage?

    @inlinable
    init(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32, storage: Storage?) {
        self.pageShift = pageShift
        self.busOffset = busOffset
        self.nbTable = nbTable
        self.storage = storage
    }

    /// The bits of an address above the page offset (all of them while
    /// disabled, as in QEMU, where page_shift is then 0).
    @inlinable var pageMask: UInt64 { ~UInt64(0) &<< UInt64(pageShift) }

    var pageSize: UInt64 { UInt64(1) &<< UInt64(pageShift) }

    /// QEMU's entry index of a bus address: (ioba - bus_offset) >>
    /// page_shift, unsigned, so an ioba below the window wraps and fails the
    /// range check.
    func index(ofIOBA ioba: UInt64) -> UInt64 {
        (ioba &- busOffset) &>> UInt64(pageShift)
    }
}

/// A window's shape (all 0 while disabled).
package struct Geometry: Equatable {
    package var pageShift: UInt32
    package var busOffset: UInt64
    package var nbTable: UInt32

    package init(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) {
        self.pageShift = pageShift
        self.busOffset = busOffset
        self.nbTable = nbTable
    }

    package static var disabled: Geometry { Geometry(pageShift: 0, busOffset: 0, nbTable: 0) }

    /// Why a window of this shape cannot be enabled, or nil when it can.
    /// Migration formats hold a stream to the same limits.
    package static func problem(pageShift: UInt32, busOffset: UInt64, nbTable: UInt32) -> String? {
        guard pageShift >= 1 && pageShift <= 63 else {
            return "page_shift \(pageShift) is not in 1...63"
        }
        guard nbTable != 0 else {
            return "a window needs at least one entry"
        }
        let entries = UInt64(nbTable)
        let size = entries << UInt64(pageShift)
        guard size >> UInt64(pageShift) == entries, busOffset <= UInt64.max - (size - 1) else {
            return "\(nbTable) pages of 2^\(pageShift) bytes at 0x\(String(busOffset, radix: 16)) pass 2^64"
        }
        return nil
    }
}

extension SwiftTCEMapping {
    /// QEMU's answer outside the window.
    @inlinable
    public static var unmapped: SwiftTCEMapping {
        SwiftTCEMapping(iova: 0, translated_addr: 0, addr_mask: ~0, perm: 0)
    }

    /// What translate answers for a TCE (QEMU's, field by field): mask is
    /// the page mask, iova the page's address.
    @inlinable @inline(__always)
    init(iova: UInt64, tce: UInt64, mask: UInt64) {
        self.init(iova: iova, translated_addr: tce & mask, addr_mask: ~mask,
                  perm: UInt32(truncatingIfNeeded: tce & permBits))
    }
}

/// A mapping for C, written with two 16-byte stores: a C caller that copies
/// it with wide loads (as compilers do for a struct) has them forwarded from
/// the stores; field-by-field stores would make those loads wait for memory.
/// Its two words are SwiftTCEMapping's layout (the shim asserts the fields'
/// offsets): iova and translated_addr, then addr_mask and perm with its
/// padding.
struct MappingBuffer {
    private var words: (SIMD2<UInt64>, SIMD2<UInt64>)

    init(_ m: SwiftTCEMapping) {
        words = (SIMD2(m.iova, m.translated_addr), SIMD2(m.addr_mask, UInt64(m.perm)))
    }

    /// Calls body with the mapping in this buffer (on the stack).
    mutating func withMapping(_ body: (UnsafePointer<SwiftTCEMapping>) -> Void) {
        // SAFETY: 32 bytes, 16-byte aligned, SwiftTCEMapping's layout (the
        // shim's asserts); rebound for the call only.
        unsafe withUnsafeMutablePointer(to: &words) { pointer in
            unsafe pointer.withMemoryRebound(to: SwiftTCEMapping.self, capacity: 1) { mapping in
                unsafe body(mapping)
            }
        }
    }

    /// Writes the mapping to out (perm's 4 bytes of padding too).
    @unsafe func store(to out: UnsafeMutablePointer<SwiftTCEMapping>) {
        // SAFETY: the caller's SwiftTCEMapping, 32 bytes; the words are its
        // layout, stored as bytes of a trivial type.
        let raw = UnsafeMutableRawPointer(out)
        unsafe raw.storeBytes(of: words.0, as: SIMD2<UInt64>.self)
        unsafe raw.storeBytes(of: words.1, toByteOffset: 16, as: SIMD2<UInt64>.self)
    }
}
