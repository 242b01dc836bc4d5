import SwiftTCEEngine

// An RTAS call as QEMU's handlers receive it (nargs argument cells, nret
// return cells, the status in rets[0]), taken apart once for the six calls
// of DDW.swift and VIO.swift.

/// The cells' arrays, as C passes them.
public typealias RTASArgs = UnsafePointer<UInt32>
public typealias RTASRets = UnsafeMutablePointer<UInt32>

/// @safe by the C contract (QEMU's too): args holds nargs cells and rets
/// nret, or is NULL; RTASArguments and RTASReturns check every index.
@safe struct RTASCall {
    let nargs: UInt32
    let nret: UInt32
    /// The argument cells: one past nargs, or of a NULL array, is missing.
    let args: RTASArguments
    /// The return cells: one past nret, or of a NULL array, is not written.
    let out: RTASReturns
    private let rets: RTASRets?

    @safe init(_ nargs: UInt32, _ args: RTASArgs?, _ nret: UInt32, _ rets: RTASRets?) {
        self.nargs = nargs
        self.nret = nret
        self.args = unsafe RTASArguments(args, count: nargs)  // SAFETY: the contract above
        self.out = unsafe RTASReturns(rets, count: nret)  // SAFETY: as above
        unsafe self.rets = rets  // SAFETY: as above
    }

    /// The BUID QEMU reads from args[1] (high half) and args[2] (low half).
    var buid: UInt64? {
        guard let high = args[1], let low = args[2] else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// Return cell i as the call left it; 0 past nret.
    func ret(_ i: UInt32) -> UInt32 {
        guard let rets = unsafe rets, i < nret else { return 0 }  // SAFETY: the contract above
        return unsafe rets[Int(i)]  // SAFETY: i < nret, the contract above
    }

    /// Whether the call succeeded with at least `cells` return cells, so
    /// that its trace line has all it prints.
    func succeeded(returning cells: UInt32) -> Bool {
        nret >= cells && cells >= 1 && ret(0) == rtasSuccess
    }

    /// rets[0] = PARAM_ERROR: what QEMU answers when it finds nothing the
    /// arguments name.
    func refuse() {
        out.store(0, rtasParameterError)
    }

    func succeed() {
        out.store(0, rtasSuccess)
    }
}
