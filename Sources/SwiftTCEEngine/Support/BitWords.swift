import Glibc

/// 64-bit words used as bits, in memory one writer owns (the table's lock
/// serialises it): the engine's bitmaps. Every access is checked against the
/// word count, so using one is safe; making one over memory, and freeing
/// it, are not.
@safe @usableFromInline
struct BitWords {
    @usableFromInline let base: UnsafeMutablePointer<UInt64>
    @usableFromInline let wordCount: Int

    /// Over wordCount words at base, which outlive every use.
    @unsafe init(over base: UnsafeMutableRawPointer, wordCount: Int) {
        // SAFETY: the caller's: base holds wordCount words for as long.
        unsafe self.base = base.bindMemory(to: UInt64.self, capacity: wordCount)
        self.wordCount = wordCount
    }

    /// wordCount words of zeros from the heap (free them with deallocate);
    /// nil when memory runs out.
    static func allocate(wordCount: Int) -> BitWords? {
        // SAFETY: fresh memory, the value's, freed by deallocate().
        guard let raw = unsafe calloc(max(wordCount, 1), 8) else { return nil }
        // SAFETY: fresh memory of that many words, this value's to free.
        return unsafe BitWords(over: raw, wordCount: wordCount)
    }

    /// Frees what allocate made; the value is not used afterwards.
    @unsafe func deallocate() {
        // SAFETY: allocate()'s memory, freed once (the caller's contract).
        unsafe free(base)
    }

    /// Where the words are (for the kernel: madvise, munmap).
    @unsafe var baseAddress: UnsafeMutableRawPointer {
        // SAFETY: the address only, for the caller to use as its contract says.
        unsafe UnsafeMutableRawPointer(base)
    }

    @inlinable subscript(word w: Int) -> UInt64 {
        @inline(__always) get {
            precondition(UInt(bitPattern: w) < UInt(bitPattern: wordCount), "bit word out of range")
            // SAFETY: checked against the count just above.
            return unsafe base[w]
        }
        @inline(__always) nonmutating set {
            precondition(UInt(bitPattern: w) < UInt(bitPattern: wordCount), "bit word out of range")
            // SAFETY: checked against the count just above.
            unsafe base[w] = newValue
        }
    }

    /// Word w, unchecked: for a loop that checked its whole range first.
    @inlinable @inline(__always) @unsafe func wordUnchecked(_ w: Int) -> UInt64 {
        // SAFETY: the caller's: w below wordCount.
        unsafe base[w]
    }

    @inlinable @inline(__always) func test(_ bit: Int) -> Bool {
        self[word: bit &>> 6] & (UInt64(1) &<< UInt64(bit & 63)) != 0
    }

    /// Whether any bit of words first..<first + count is set (one check
    /// for the run).
    @inline(__always) func anySet(words first: Int, count: Int) -> Bool {
        precondition(first >= 0 && count >= 0 && count <= wordCount - first, "bit words out of range")
        var any: UInt64 = 0
        // SAFETY: the run was checked against the count just above.
        for w in first..<(first + count) { any |= unsafe base[w] }
        return any != 0
    }

    @inline(__always) func set(_ bit: Int) {
        self[word: bit &>> 6] |= UInt64(1) &<< UInt64(bit & 63)
    }

    @inline(__always) func clear(_ bit: Int) {
        self[word: bit &>> 6] &= ~(UInt64(1) &<< UInt64(bit & 63))
    }
}
