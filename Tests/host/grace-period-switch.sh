#!/bin/sh
# TAP: the engine's grace periods under SWIFTTCE_TEST_GRACE_PERIOD, the
# test-only switch GracePeriod.swift reads. Without membarrier ("mprotect")
# and without any barrier ("fence": reads fence themselves) everything still
# holds: test-host-grace-period (a call that lets storage go waits for a read
# stopped inside it; a re-enabled table shows nothing of its last window)
# and test-reenable-race (every answer is one window's). With a barrier that
# fails ("fail") a table refuses what needs one, with a message. And with
# grace periods that wait for no one ("lie") each waiting test fails: the
# suite notices a grace period that lies.
set -u
cd "$(dirname "$0")/../.." || exit 1
. Tests/tap.sh
grace=build/tests/host/test-host-grace-period
race=build/tests/test-reenable-race
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-grace.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
tap_log=$tmp/log

for mode in "" mprotect fence fail; do
    SWIFTTCE_TEST_GRACE_PERIOD=$mode $grace >"$tap_log" 2>&1
    tap $? "test-host-grace-period passes with SWIFTTCE_TEST_GRACE_PERIOD=${mode:-(unset)}"
done
for mode in mprotect fence; do
    SWIFTTCE_TEST_GRACE_PERIOD=$mode $race >"$tap_log" 2>&1
    tap $? "test-reenable-race passes with SWIFTTCE_TEST_GRACE_PERIOD=$mode"
done
for path in disable-waits reclaim-waits set-storage-waits; do
    SWIFTTCE_TEST_GRACE_PERIOD=lie $grace -p /host/grace-period/$path >"$tap_log" 2>&1
    status=$?
    # Failed, and for the reason: the call returned while the read went on.
    [ $status -ne 0 ] && grep -q "returned_while_reading" "$tap_log"
    tap $? "a grace period that lies fails /host/grace-period/$path (exit $status)"
done

echo "1..$n"
exit $failed
