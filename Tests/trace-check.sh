#!/bin/sh
# TAP: the trace checker passes the real QEMU traces in Tests/traces and
# catches what is wrong in altered ones (so a pass means something).
set -u
CHECK=${TRACE_CHECK:-build/bin/tce-trace-check}
DIR=$(dirname "$0")/traces
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
n=0
fail=0

ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        fail=1
    fi
}

# $1: expected status (pass|fail), $2: description, $3: trace file
expect() {
    out=$("$CHECK" "$3" 2>&1)
    status=$?
    if [ "$1" = pass ]; then
        [ $status = 0 ] && echo "$out" | grep -q ' 0 failed$'
    else
        [ $status != 0 ] && echo "$out" | grep -Eq ' [1-9][0-9]* failed$'
    fi
    r=$?
    [ $r = 0 ] || echo "$out" | sed 's/^/# /' | tail -n 8
    ok $r "$2"
}

echo "1..25"

for t in "$DIR"/default-window-1disk.trace "$DIR"/ddw-16m-1disk.trace; do
    "$CHECK" "$t" >"$TMP/out" 2>&1
    status=$?
    sed 's/^/# /' "$TMP/out"
    [ $status = 0 ] && grep -q ' 0 mismatches, 0 errors$' "$TMP/out" &&
        grep -Eq '^[1-9][0-9]* passed, 0 failed$' "$TMP/out"
    ok $? "$(basename "$t") replays with no mismatch"
done

# A small hand-made trace, right, then wrong in one field at a time.
base() {
    cat <<'T'
# machine: ddw=off ram=2G
spapr_iommu_new_table liobn=0x80000000 table=0x55d0 fd=-1
spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x4b8c003 ret=0
spapr_iommu_xlate liobn=0x80000000 0x1010 -> 0x4b8c000 perm=3 mask=0xfff
spapr_iommu_pci_put liobn=0x80000000 ioba=0x40000000 tce=0x1 ret=-4
spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x2000 tcelist=0x9000 iobaN=0x2 tceN=0x7000001 ret=0
spapr_iommu_xlate liobn=0x80000000 0x3000 -> 0x5000000 perm=2 mask=0xfff
spapr_iommu_xlate liobn=0x80000000 0x3008 -> 0x5000000 perm=2 mask=0xfff
spapr_iommu_xlate liobn=0x80000000 0x4000 -> 0x7000000 perm=1 mask=0xfff
spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x5000 tcevalue=0x0 npages=3 ret=0
spapr_iommu_xlate liobn=0x80000000 0x3000 -> 0x0 perm=0 mask=0xfff
spapr_iommu_xlate liobn=0x80000000 0x40000000 -> 0x0 perm=0 mask=0xffffffffffffffff
T
}
base >"$TMP/base.trace"
expect pass "hand-made trace replays" "$TMP/base.trace"

variant() {
    base | sed "$2" >"$TMP/v.trace"
    expect fail "$1" "$TMP/v.trace"
}
variant "wrong put return code" '3s/ret=0/ret=-4/'
variant "wrong out-of-window return code" '5s/ret=-4/ret=0/'
variant "wrong translated address" '4s/-> 0x4b8c000/-> 0x4b8d000/'
variant "wrong perm" '4s/perm=3/perm=1/'
variant "xlate of a learned entry held to what was learned" '8s/perm=2/perm=3/'
variant "wrong last indirect entry" '9s/perm=1/perm=3/'
variant "stuff start is the traced ioba minus npages pages" '11s/-> 0x0 perm=0/-> 0x5000000 perm=2/'
variant "unknown machine key" '1s/ram=2G/ram=2G cpus=4/'
variant "garbage line" '6s/iobaN=/iobaN /'
variant "unknown event" '2s/new_table/old_table/'
variant "missing new_table for the default window" '2d'
variant "ddw=on machine answers differently" '1s/ddw=off/ddw=on pgsz=0x1000/;$a\
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107'

# Hypercalls that fail part-way: QEMU traces the failing TCE with the index
# before it (indirect) and the ioba it stopped at (stuff).
partial() {
    cat <<'T'
# machine: ddw=on
spapr_iommu_new_table liobn=0x80000000 table=0x55d0 fd=-1
spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x3fffe000 tcelist=0x9000 iobaN=0x1 tceN=0x9000003 ret=-4
spapr_iommu_xlate liobn=0x80000000 0x3fffe000 -> 0x1234000 perm=3 mask=0xfff
spapr_iommu_xlate liobn=0x80000000 0x3ffff000 -> 0x5678000 perm=1 mask=0xfff
spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x40000000 tcelist=0x9000 iobaN=0x0 tceN=0x1 ret=-4
spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x40000000 tcevalue=0x3 npages=4 ret=-4
spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x40000000 tcevalue=0x0 npages=4 ret=0
spapr_iommu_xlate liobn=0x80000000 0x3fffe000 -> 0x0 perm=0 mask=0xfff
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_new_table liobn=0x80000001 table=0x7f00 fd=-1
spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000, requested=0x10000000000, start addr=0x800000000000000, liobn=0x80000001
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 0 windows available, max window size=0x80000000, mask=0x107
T
}
partial >"$TMP/partial.trace"
expect pass "partly failing indirect and stuff, a second DDW query" "$TMP/partial.trace"
pvariant() {
    partial | sed "$2" >"$TMP/p.trace"
    expect fail "$1" "$TMP/p.trace"
}
pvariant "indirect: an in-window first entry cannot fail" '3s/iobaN=0x1/iobaN=0x0/'
pvariant "indirect past the window cannot succeed" '6s/ret=-4/ret=0/'
pvariant "new_table before a call that enables nothing" '10s/^/spapr_iommu_new_table liobn=0x80000001 table=0x1 fd=-1\
/;11d'
pvariant "DDW query counts the new window" '13s/0 windows/1 windows/'
pvariant "a vast stuff stops the replay" '$a\
spapr_iommu_pci_stuff liobn=0x80000001 ioba=0x800002000000000 tcevalue=0x3 npages=33554432 ret=0'

# The real DDW trace, altered.
rvariant() {
    sed "$2" "$DIR/ddw-16m-1disk.trace" >"$TMP/r.trace"
    expect fail "$1" "$TMP/r.trace"
}
rvariant "DDW trace: wrong page-size mask" '/ddw_query/s/mask=0x107/mask=0x7/'
rvariant "DDW trace: wrong window LIOBN" '/ddw_create/s/liobn=0x80000001$/liobn=0x80000000/'
rvariant "DDW trace: new_table of the DDW window missing" '/new_table liobn=0x80000001/d'
rvariant "DDW trace: the machine has no DDW" '1s/.*/# machine: ram=2G ddw=off/'

exit $fail
