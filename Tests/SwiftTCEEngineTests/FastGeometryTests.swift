import Testing
@testable import SwiftTCEEngine

// translate's fast geometry word (FastGeometry), through its Swift API only
// (init(generation:count:pageShift:), count, generation, shiftAmount): where
// a table keeps it is not these tests' business.

extension EngineTests {
    @Suite("The fast geometry word")
    struct FastGeometryWord {
        static let generationCount: UInt64 = 1 << 35

        @Test("count, generation (mod 2^35) and page shift come back as they went in; the word shifts by the page shift")
        func roundTrip() {
            var rng = SplitMix64(seed: 31)
            let counts: [UInt64] = [0, 1, 511, 1 << 21, FlatStorage.entryLimit, (1 << 23) - 1]
            for i in 0..<20_000 {
                let count = i < counts.count * 63
                    ? counts[i % counts.count] : UInt64.random(in: 0...FlatStorage.entryLimit, using: &rng)
                let shift = i < counts.count * 63 ? UInt32(i / counts.count + 1) : UInt32.random(in: 1...63, using: &rng)
                let generation = rng.next()
                let g = FastGeometry(generation: generation, count: count, pageShift: shift)
                #expect(g.count == count && g.generation == generation % FastGeometryWord.generationCount,
                        "count \(count), generation \(generation), shift \(shift)")
                // The word itself is the shift amount of a masking shift.
                let addr = rng.next()
                #expect(addr &>> g.shiftAmount == addr >> UInt64(shift), "shift \(shift)")
                #expect(FastGeometry(word: g.word).word == g.word)
            }
        }

        @Test("the generation wraps to 0 after 2^35 - 1 and leaves count and shift alone")
        func generationWraps() {
            let last = FastGeometry(generation: FastGeometryWord.generationCount - 1, count: FlatStorage.entryLimit,
                                    pageShift: 63)
            #expect(last.generation == FastGeometryWord.generationCount - 1)
            let wrapped = FastGeometry(generation: last.generation &+ 1, count: last.count, pageShift: 63)
            #expect(wrapped.generation == 0)
            #expect(wrapped.count == FlatStorage.entryLimit && wrapped.shiftAmount & 63 == 63)
            #expect(wrapped.word != last.word)
            // A generation past 2^64 wraps the same way.
            #expect(FastGeometry(generation: .max, count: 3, pageShift: 12).generation == FastGeometryWord.generationCount - 1)
        }

        @Test("a change always moves the word: the next generation differs whatever count and shift it carries",
              arguments: [0, 1, FastGeometryWord.generationCount - 1000, FastGeometryWord.generationCount - 1])
        func changeMovesWord(start: UInt64) {
            var rng = SplitMix64(seed: start)
            var seen = Set<UInt64>()
            var old = FastGeometry(generation: start, count: 4096, pageShift: 16)
            seen.insert(old.word)
            for _ in 0..<2000 {
                // As a table moves it: the same window again, another, or
                // none (a withdraw: count 0).
                let count: UInt64, shift: UInt32
                switch rng.next() % 3 {
                case 0: (count, shift) = (old.count, UInt32(old.shiftAmount & 63))
                case 1: (count, shift) = (0, 0)
                default: (count, shift) = (UInt64.random(in: 1...FlatStorage.entryLimit, using: &rng),
                                           UInt32.random(in: 1...63, using: &rng))
                }
                let new = FastGeometry(generation: old.generation &+ 1, count: count, pageShift: shift)
                #expect(new.word != old.word)
                #expect(new.generation == (old.generation + 1) % FastGeometryWord.generationCount)
                seen.insert(new.word)
                old = new
            }
            // Within 2^35 changes no word comes back (no ABA for a reader).
            #expect(seen.count == 2001)
        }

        @Test("count 0 (no flat window, or fast reads off) lets no address through")
        func emptyLetsNothingThrough() {
            var rng = SplitMix64(seed: 7)
            for shift in [0, 12, 16, 63] as [UInt32] {
                let g = FastGeometry(generation: rng.next(), count: 0, pageShift: shift)
                for _ in 0..<1000 {
                    #expect(!(rng.next() &>> g.shiftAmount < g.count))
                }
                #expect(!(0 &>> g.shiftAmount < g.count))
            }
        }
    }
}
