// swift-tools-version:6.2
import PackageDescription

// MARK: - Products
//
// The Makefile turns these into build/lib/libswifttce-host.{a,so} (the
// engine, host mode) and build/lib/libswifttce.{a,so} (the standalone
// library on top of it); C callers use those, not SwiftPM.

let products: [Product] = [
    .library(name: "swifttce-host", type: .static, targets: ["SwiftTCEEngine"]),
    .library(name: "SwiftTCEHostShared", type: .dynamic, targets: ["SwiftTCEEngine"]),
    .library(name: "swifttce", type: .static, targets: ["SwiftTCE"]),
    .library(name: "SwiftTCEShared", type: .dynamic, targets: ["SwiftTCE"]),
]

// MARK: - Targets

let targets: [Target] = [
    // The engine's C contract (include/swifttce/host.h) and its private shim.
    .target(name: "CSwiftTCEHost", path: "CShims/Host"),
    // The engine: storage, reclamation, the TCE layer, DDW, QEMU's vmstate.
    // No QEMU names; every C entry point is swifttce_*.
    .target(name: "SwiftTCEEngine", dependencies: ["CSwiftTCEHost"], swiftSettings: [.strictMemorySafety()]),
    // The standalone library's C contract (include/swifttce.h: QEMU's names)
    // and its shim: the ops table, translate's zero region.
    .target(name: "CSwiftTCE", path: "CShims/Standalone"),
    // The standalone library: a mini memory core, the LIOBN registry, the
    // PHB, its own migration stream, all on the engine.
    .target(name: "SwiftTCE", dependencies: ["SwiftTCEEngine", "CSwiftTCE"], swiftSettings: [.strictMemorySafety()]),
    // `swift test`: the engine's internals (storage, grace periods, the fast
    // geometry word, the TCE layer) against plain models, with Swift Testing.
    // The C contract's tests are Tests/*.c; make check runs both.
    .testTarget(name: "SwiftTCEEngineTests", dependencies: ["SwiftTCEEngine"]),
]

let package = Package(name: "SwiftTCE", products: products, targets: targets)
