import Synchronization

// How every TCE is written, in the tree's leaves and in the flat array alike:
// the entry and the bit of a bitmap word that says it has a perm, which
// replay follows. Writers may race; translate reads without a lock.

/// Writes one entry and keeps its "has a perm" bit exact enough:
/// once the writers are done the bit is never clear under a mapped entry
/// (it may stay set under an unmapped one, which replay skips). Writers
/// may race on the same entry.
///
/// Every change of a bitmap word is a sequentially consistent
/// read-modify-write (RMW). A writer first peeks (relaxed) at the bit and
/// the old entry: "looks set" if either says mapped. The peek only picks
/// the path; each path is correct whatever it says:
///  - map, not looking set ("fresh"): store the entry, OR the bit in;
///  - map, looking set ("remap"): store the entry (seq_cst), re-read the
///    bit (seq_cst); done if set, else OR it in;
///  - unmap, looking set: store the entry, AND the bit out, re-read the
///    entry (seq_cst), OR the bit back if a mapping is there;
///  - unmap, not looking set: store the entry, nothing else.
/// Why a mapping cannot be lost: let the last entry written be a mapping
/// by M and the bit end clear; then some AND by an unmapper U is the last
/// change of the bit, after M's OR if M did one. A fresh M's OR is a
/// release and U's AND an acquire reading from a release sequence made of
/// RMWs only, so M's entry store happens before U's re-read. A remapping
/// M's seq_cst re-read of the bit comes before U's AND in the single
/// order S (if after, it would see the bit clear and OR it in), so M's
/// seq_cst entry store precedes U's seq_cst re-read in S and that re-read
/// cannot see an older entry. Either way U's re-read sees M's mapping and
/// puts the bit back: contradiction.
///
/// Cost, in locked instructions (x86): one per map (the remap's is the
/// entry's own store, on the line being written, with the bitmap only
/// read), one per unmap of a mapped entry, none to clear an unmapped one.
/// (The former all-seq_cst scheme took two for a fresh map and for an
/// unmap, one for the others.)
@inline(__always)
func writeEntry(
    _ tce: UInt64,
    at entry: UnsafeMutablePointer<Atomic<UInt64>>,
    markedBy bit: UInt64,
    in word: UnsafeMutablePointer<Atomic<UInt64>>
) {
    // Both peeks first: on a cold leaf their two cache misses overlap, and
    // the entry's line is then at hand for the store (the hint decides
    // only the path; every path is correct whatever it says).
    let old = entry.pointee.load(ordering: .relaxed)
    let looksSet = word.pointee.load(ordering: .relaxed) & bit != 0 || old & permBits != 0
    if tce & permBits != 0 {
        if looksSet {
            entry.pointee.store(tce, ordering: .sequentiallyConsistent)
            if word.pointee.load(ordering: .sequentiallyConsistent) & bit != 0 { return }
        } else {
            entry.pointee.store(tce, ordering: .relaxed)
        }
        word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
    } else {
        entry.pointee.store(tce, ordering: .relaxed)
        if looksSet {
            word.pointee.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
            if entry.pointee.load(ordering: .sequentiallyConsistent) & permBits != 0 {
                word.pointee.bitwiseOr(bit, ordering: .sequentiallyConsistent)
            }
        }
    }
}
