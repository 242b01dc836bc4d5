# `swift test`: the engine's internals (Tests/SwiftTCEEngineTests, Swift
# Testing, a debug build of its own in .build/debug), run by make check
# through a TAP wrapper like the other scripts.
CHECK_SCRIPTS += Tests/swift-test.sh
