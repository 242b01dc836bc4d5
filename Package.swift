// swift-tools-version:6.0
import PackageDescription

// MARK: - Products
//
// The Makefile turns these into build/lib/libswifttce.a and a self-contained
// build/lib/libswifttce.so; C callers use those, not SwiftPM.

let products: [Product] = [
    .library(name: "swifttce", type: .static, targets: ["SwiftTCE"]),
    .library(name: "SwiftTCEShared", type: .dynamic, targets: ["SwiftTCE"]),
]

// MARK: - Targets

let targets: [Target] = [
    // The public C headers (include/) plus the ops table, as a Clang module.
    .target(name: "CSwiftTCE", path: "CShims"),
    // Everything with logic in it. Every C entry point is a Swift
    // `@c @implementation` function: the compiler matches it against its
    // declaration in include/, so a drifting prototype does not build.
    .target(name: "SwiftTCE", dependencies: ["CSwiftTCE"]),
]

let package = Package(name: "SwiftTCE", products: products, targets: targets)
