import CSwiftTCEHost
import Glibc

// Anonymous memory from the kernel, in pages: the engine's only mmap,
// madvise and munmap calls, each result checked here once.

enum Pages {
    /// What the kernel commits at a time (getpagesize reads a word glibc
    /// keeps; a lazily initialised global would be swift_once's, whose
    /// ordering ThreadSanitizer does not see).
    static var size: Int { Int(getpagesize()) }

    /// bytes of private anonymous memory reading as zeros, committed a page
    /// at a time by writes; with `reserveOnly`, no swap is set aside for it
    /// either (MAP_NORESERVE). nil when the kernel refuses.
    static func map(bytes: Int, reserveOnly: Bool = false) -> UnsafeMutableRawPointer? {
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (reserveOnly ? MAP_NORESERVE : 0)
        // SAFETY: a new private mapping: it overlaps nothing of anyone's.
        guard let raw = unsafe mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0),
              unsafe raw != swifttce_map_failed() else { return nil }
        return unsafe raw
    }

    /// Asks for the range to be committed a small page at a time, not as a
    /// 2 MiB huge page on its first write. A kernel without transparent
    /// huge pages refuses (EINVAL), and then has none to give: the answer
    /// changes nothing either way, so there is nothing to do with it.
    @unsafe static func avoidHugePages(_ start: UnsafeMutableRawPointer, bytes: Int) {
        // SAFETY: the caller's range, of a mapping map() made.
        if unsafe madvise(start, bytes, Int32(SWIFTTCE_MADV_NOHUGEPAGE)) != 0 {
            // Refused: no huge page will be used there either.
        }
    }

    /// Gives the range's pages back to the kernel, after which they read as
    /// zeros; false when the kernel refused, and then the range holds what
    /// it held (a caller that needs zeros writes them).
    @unsafe static func giveBack(_ start: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        // SAFETY: the caller's range, of a mapping map() made, whose
        // contents the caller gives up.
        unsafe madvise(start, bytes, Int32(SWIFTTCE_MADV_DONTNEED)) == 0
    }

    /// Unmaps a whole mapping that map() made. It fails only for an
    /// argument that is not such a mapping (a bug of ours): a debug build
    /// stops there; a release build leaves the mapping, which nothing
    /// reaches any more, rather than stop the emulator.
    @unsafe static func unmap(_ start: UnsafeMutableRawPointer, bytes: Int) {
        // SAFETY: a whole mapping of map()'s that nothing uses any more.
        let unmapped = unsafe munmap(start, bytes) == 0
        assert(unmapped, "munmap of \(bytes) bytes failed: errno \(errno)")
    }
}
