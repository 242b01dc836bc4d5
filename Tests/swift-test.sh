#!/bin/sh
# `swift test` (Tests/SwiftTCEEngineTests: the engine's internals, with
# Swift Testing) as TAP: a line for each test it reports, then one for its
# exit status, which also catches a run that crashed before it reported.
# A test that passed with a known issue (withKnownIssue) says so.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-swift-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
log="$tmp/log"
. "$root/Tests/tap.sh"

# XCTest has no tests here; its empty run is only noise.
${SWIFT:-swift} test --disable-xctest >"$log" 2>&1
status=$?

# Swift Testing's result lines: "<mark> Test NAME [with N test cases]
# passed|failed after T seconds[ with N issues]" (mark ✔, ✘ or ━).
sed -n 's/^\(✔\|✘\|━\) Test \(.*\) \(passed\|failed\) after [0-9.]* seconds\(.*\)$/\3|\2|\4/p' \
    "$log" >"$tmp/results"
while IFS='|' read -r verdict name rest; do
    case $name in
        "run with "*) continue ;;   # the whole run's line
    esac
    case $rest in
        *"known issue"*) name="$name (a known issue is recorded)" ;;
    esac
    if [ "$verdict" = passed ]; then
        tap 0 "$name"
    else
        # Only this test's issues, not the whole log.
        grep -F -- "Test ${name% with [0-9]* test cases} recorded" "$log" |
            head -n 20 >"$tmp/issues"
        tap 1 "$name" "$tmp/issues"
    fi
done <"$tmp/results"
test -s "$tmp/results"
tap $? "swift test reports its tests"
# What went wrong, without the build's progress or a crash's backtrace.
grep -a -E 'error:|Fatal error|runtime failure|^✘' "$log" | cut -c1-300 |
    head -n 30 >"$tmp/summary"
test "$status" = 0
tap $? "swift test exits 0" "$tmp/summary"

echo "1..$n"
exit $failed
