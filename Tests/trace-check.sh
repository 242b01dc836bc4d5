#!/bin/sh
# TAP: the trace checker passes every real QEMU trace in Tests/traces and
# catches what is wrong in altered ones (so a pass means something): each
# altered trace must fail, and for the reason it names.
set -u
CHECK=${TRACE_CHECK:-build/bin/tce-trace-check}
DIR=$(dirname "$0")/traces
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
. "$(dirname "$0")/tap.sh"

# $1: expected status (pass|fail), $2: description, $3: trace file,
# $4 (fail only): text the checker's report must contain
expect() {
    out=$("$CHECK" "$3" 2>&1)
    status=$?
    if [ "$1" = pass ]; then
        [ $status = 0 ] && echo "$out" | grep -q ' 0 failed$'
    else
        [ $status != 0 ] && echo "$out" | grep -Eq ' [1-9][0-9]* failed$' &&
            echo "$out" | grep -Fq -- "$4"
    fi
    r=$?
    if [ $r != 0 ]; then
        [ "$1" = pass ] || echo "# wanted: $4"
        echo "$out" | sed 's/^/# /' | tail -n 8
    fi
    tap $r "$2"
}

# $1: a function printing a trace, $2: description
right() {
    "$1" >"$TMP/t.trace"
    expect pass "$2" "$TMP/t.trace"
}

# $1: a function printing a trace, $2: description, $3: the sed script that
# makes it wrong, $4: text the checker's report must contain
variant() {
    "$1" | sed "$3" >"$TMP/v.trace"
    expect fail "$2" "$TMP/v.trace" "$4"
}

for t in "$DIR"/*.trace; do
    "$CHECK" "$t" >"$TMP/out" 2>&1
    status=$?
    sed 's/^/# /' "$TMP/out"
    [ $status = 0 ] && grep -q ' 0 mismatches, 0 errors$' "$TMP/out" &&
        grep -Eq '^[1-9][0-9]* passed, 0 failed$' "$TMP/out"
    tap $? "$(basename "$t") replays with no mismatch"
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
right base "hand-made trace replays"
variant base "wrong put return code" '3s/ret=0/ret=-4/' \
    'H_PUT_TCE returned 0, the trace says -4'
variant base "wrong out-of-window return code" '5s/ret=-4/ret=0/' \
    'H_PUT_TCE returned -4, the trace says 0'
variant base "wrong translated address" '4s/-> 0x4b8c000/-> 0x4b8d000/' \
    'the trace says -> 0x4b8d000 perm=3'
variant base "wrong perm" '4s/perm=3/perm=1/' \
    'the trace says -> 0x4b8c000 perm=1'
variant base "xlate of a learned entry held to what was learned" \
    '8s/perm=2/perm=3/' 'the trace says -> 0x5000000 perm=3'
variant base "wrong last indirect entry" '9s/perm=1/perm=3/' \
    'the trace says -> 0x7000000 perm=3'
variant base "stuff start is the traced ioba minus npages pages" \
    '11s/-> 0x0 perm=0/-> 0x5000000 perm=2/' \
    'xlate 0x3000 -> 0x0 perm=0 mask=0xfff; the trace says -> 0x5000000'
variant base "unknown machine key" '1s/ram=2G/ram=2G cpus=4/' \
    "machine: unknown key 'cpus'"
variant base "garbage line" '6s/iobaN=/iobaN /' \
    'malformed spapr_iommu_pci_indirect'
variant base "unknown event" '2s/new_table/old_table/' \
    "unknown event 'spapr_iommu_old_table'"
variant base "missing new_table for the default window" '2d' \
    'table 0x80000000 was enabled at machine set-up but no'
variant base "ddw=on machine answers differently" \
    '1s/ddw=off/ddw=on pgsz=0x1000/;$a\
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107' \
    'mask 0x1; the trace says 1, 0x80000000, 0x107'

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
right partial "partly failing indirect and stuff, a second DDW query"
variant partial "indirect: an in-window first entry cannot fail" \
    '3s/iobaN=0x1/iobaN=0x0/' 'H_PUT_TCE_INDIRECT returned 0, the trace says -4'
variant partial "indirect past the window cannot succeed" '6s/ret=-4/ret=0/' \
    'H_PUT_TCE_INDIRECT returned -4, the trace says 0'
variant partial "new_table before a call that enables nothing" \
    '10s/^/spapr_iommu_new_table liobn=0x80000001 table=0x1 fd=-1\
/;11d' 'spapr_iommu_new_table liobn=0x80000001, but the next call did not'
variant partial "DDW query counts the new window" '13s/0 windows/1 windows/' \
    'answered 0 windows, size 0x80000000, mask 0x107; the trace says 1,'
variant partial "a vast stuff stops the replay" '$a\
spapr_iommu_pci_stuff liobn=0x80000001 ioba=0x800002000000000 tcevalue=0x3 npages=33554432 ret=0' \
    'the trace writes more than 16777216 table entries: replay stopped'

# Two PHBs: PHB 1's windows are LIOBNs 0x800001nn, its BUID ends in 1.
phbs() {
    cat <<'T'
# machine: phbs=2 pgsz=0x11000
spapr_iommu_new_table liobn=0x80000100 table=0x55d0 fd=-1
spapr_iommu_new_table liobn=0x80000000 table=0x55e0 fd=-1
spapr_iommu_pci_put liobn=0x80000100 ioba=0x1000 tce=0x4b8c003 ret=0
spapr_iommu_xlate liobn=0x80000100 0x1010 -> 0x4b8c000 perm=3 mask=0xfff
spapr_iommu_xlate liobn=0x80000000 0x1010 -> 0x0 perm=0 mask=0xfff
spapr_iommu_ddw_query buid=0x800000020000001 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x3
spapr_iommu_new_table liobn=0x80000101 table=0x7f00 fd=-1
spapr_iommu_ddw_create buid=0x800000020000001 addr=0x0, page size=0x10000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000101
spapr_iommu_pci_put liobn=0x80000101 ioba=0x800000000010000 tce=0x20003 ret=0
spapr_iommu_xlate liobn=0x80000101 0x10000 -> 0x20000 perm=3 mask=0xffff
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x3
T
}
right phbs "two PHBs: events on the second PHB's windows"
variant phbs "two PHBs: the machine has one" '1s/phbs=2/phbs=1/' \
    'spapr_iommu_new_table liobn=0x80000100: the machine has no such table'
variant phbs "two PHBs: a misspelled key" '1s/phbs=2/phb=2/' \
    "machine: unknown key 'phb'"
variant phbs "two PHBs: more than the machine can have" '1s/phbs=2/phbs=32/' \
    'machine: phbs=32 is not 1 to 31'
variant phbs "two PHBs: the second PHB's default window not announced" '2d' \
    'table 0x80000100 was enabled at machine set-up but no'
variant phbs "two PHBs: an entry written on the other PHB" \
    '5s/liobn=0x80000100/liobn=0x80000000/' \
    'xlate 0x1010 -> 0x0 perm=0 mask=0xfff; the trace says -> 0x4b8c000'
variant phbs "two PHBs: a BUID no PHB has" '7s/0x800000020000001/0x800000020000002/' \
    'ibm,query-pe-dma-window failed with -3'
variant phbs "two PHBs: the DDW is made on the BUID's PHB" \
    '9s/buid=0x800000020000001/buid=0x800000020000000/' \
    'made LIOBN 0x80000001 at 0x800000000000000; the trace says 0x80000101'
variant phbs "two PHBs: PHB 0 still has its window to create" \
    '12s/1 windows/0 windows/' \
    'answered 1 windows, size 0x80000000, mask 0x3; the trace says 0,'

# A VIO device's table (non-PCI LIOBN, 4 KiB pages at 0, here 16 MiB).
vio() {
    cat <<'T'
# machine: vio=0x71000002:0x1000000
spapr_iommu_new_table liobn=0x71000002 table=0x55c0 fd=-1
spapr_iommu_new_table liobn=0x80000000 table=0x55d0 fd=-1
spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x4b8c003 ret=0
spapr_iommu_get liobn=0x71000002 ioba=0x1000 ret=0 tce=0x4b8c003
spapr_iommu_xlate liobn=0x71000002 0x1010 -> 0x4b8c000 perm=3 mask=0xfff
spapr_iommu_indirect liobn=0x71000002 ioba=0x2000 tcelist=0x9000 iobaN=0x1 tceN=0x7000001 ret=0
spapr_iommu_get liobn=0x71000002 ioba=0x2000 ret=0 tce=0x5000002
spapr_iommu_get liobn=0x71000002 ioba=0x2000 ret=0 tce=0x5000002
spapr_iommu_xlate liobn=0x71000002 0x2008 -> 0x5000000 perm=2 mask=0xfff
spapr_iommu_xlate liobn=0x71000002 0x3000 -> 0x7000000 perm=1 mask=0xfff
spapr_iommu_stuff liobn=0x71000002 ioba=0x4000 tcevalue=0x0 npages=2 ret=0
spapr_iommu_xlate liobn=0x71000002 0x3000 -> 0x0 perm=0 mask=0xfff
spapr_iommu_put liobn=0x71000002 ioba=0xfff000 tce=0x1 ret=0
spapr_iommu_put liobn=0x71000002 ioba=0x1000000 tce=0x1 ret=-4
spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0
spapr_iommu_xlate liobn=0x71000002 0x1010 -> 0x4b8c000 perm=3 mask=0xfff
T
}
right vio "VIO table: put, get, indirect, stuff, xlate"
variant vio "VIO table: a pci_ event on its LIOBN" \
    '4s/spapr_iommu_put/spapr_iommu_pci_put/' \
    "spapr_iommu_pci_put on LIOBN 0x71000002, not a PCI window's"
variant vio "VIO table: a VIO event on a PCI LIOBN" \
    '16s/spapr_iommu_pci_put/spapr_iommu_put/' \
    "spapr_iommu_put on LIOBN 0x80000000, a PCI window's"
variant vio "VIO table: a bigger window" '1s/0x1000000/0x2000000/' \
    'H_PUT_TCE returned 0, the trace says -4'
variant vio "VIO table: a smaller window" '1s/0x1000000/0x800000/' \
    'H_PUT_TCE returned -4, the trace says 0'
variant vio "VIO table: not announced" '2d' \
    'table 0x71000002 was enabled at machine set-up but no'
variant vio "VIO table: the machine has none" '1s/.*/# machine: ram=2G/' \
    'spapr_iommu_new_table liobn=0x71000002: the machine has no such table'
variant vio "VIO table: a LIOBN with the PCI bit" '1s/0x71000002/0x81000002/' \
    'cannot set up the machine'
variant vio "VIO table: an entry without its size" '1s/:0x1000000//' \
    "vio entry '0x71000002' is not LIOBN:SIZE"
variant vio "VIO table: wrong get of a put entry" '5s/tce=0x4b8c003/tce=0x4b8c001/' \
    'H_GET_TCE read 0x4b8c003, the trace says 0x4b8c001'
variant vio "VIO table: get of a learned entry held to it" \
    '9s/tce=0x5000002/tce=0x5000003/' \
    'H_GET_TCE read 0x5000002, the trace says 0x5000003'
variant vio "VIO table: xlate held to what get learned" '10s/perm=2/perm=3/' \
    'the trace says -> 0x5000000 perm=3'
variant vio "VIO table: stuff start" '13s/-> 0x0 perm=0/-> 0x7000000 perm=1/' \
    'xlate 0x3000 -> 0x0 perm=0 mask=0xfff; the trace says -> 0x7000000'
variant vio "VIO table: its entries are its own" \
    '17s/-> 0x4b8c000 perm=3/-> 0x0 perm=3/' \
    'the trace says -> 0x0 perm=3'

# pre_save: QEMU's geometry of each table it migrates (LIOBN and entry
# count in bare hex); a disabled table is "0 bus_offset=0x0 ps=0".
saves() {
    cat <<'T'
# machine: phbs=2 pgsz=0x11000 vio=0x71000002:0x10000000
spapr_iommu_new_table liobn=0x71000002 table=0x55c0 fd=-1
spapr_iommu_new_table liobn=0x80000100 table=0x55d0 fd=-1
spapr_iommu_new_table liobn=0x80000000 table=0x55e0 fd=-1
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x3
spapr_iommu_new_table liobn=0x80000001 table=0x7f00 fd=-1
spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x10000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000001
spapr_iommu_pre_save liobn=80000000 40000 bus_offset=0x0 ps=12
spapr_iommu_pre_save liobn=80000001 8000 bus_offset=0x800000000000000 ps=16
spapr_iommu_pre_save liobn=80000100 40000 bus_offset=0x0 ps=12
spapr_iommu_pre_save liobn=80000101 0 bus_offset=0x0 ps=0
spapr_iommu_pre_save liobn=71000002 10000 bus_offset=0x0 ps=12
T
}
right saves "pre_save: every table's geometry"
variant saves "pre_save: wrong entry count" '9s/ 8000 / 4000 /' \
    'QEMU saved 0x4000 at 0x800000000000000, ps=16'
variant saves "pre_save: wrong bus offset" '9s/=0x800000000000000/=0x0/' \
    'QEMU saved 0x8000 at 0x0, ps=16'
variant saves "pre_save: wrong page shift" '9s/ps=16/ps=12/' \
    'QEMU saved 0x8000 at 0x800000000000000, ps=12'
variant saves "pre_save: a disabled table saved as enabled" \
    '11s/0 bus_offset=0x0 ps=0/40000 bus_offset=0x0 ps=12/' \
    'table 0x80000101 has 0x0 entries at 0x0, ps=0; QEMU saved 0x40000'
variant saves "pre_save: wrong VIO window" '12s/ 10000 / 20000 /' \
    'table 0x71000002 has 0x10000 entries'
variant saves "pre_save: a table the machine does not have" \
    '12s/liobn=71000002/liobn=71000003/' \
    'QEMU saved table 0x71000003, which the model does not have'
variant saves "pre_save: LIOBN spelled with 0x" '8s/liobn=/liobn=0x/' \
    'malformed spapr_iommu_pre_save'

# A machine with DDW: its default window with an entry mapped, then a 2 GiB
# DDW of 16 MiB pages; lines 1-6 of the traces that start with it.
with_ddw() {
    cat <<'T'
# machine: ddw=on
spapr_iommu_new_table liobn=0x80000000 table=0x55d0 fd=-1
spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x4b8c003 ret=0
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_new_table liobn=0x80000001 table=0x7f00 fd=-1
spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000001
T
}

# ibm,remove-pe-dma-window: removing the default window while a DDW is
# there restores nothing; removing that DDW, the last window and not the
# default one, restores the default window: QEMU traces its new_table and
# a ddw_reset right after the remove line.
remove() {
    with_ddw
    cat <<'T'
spapr_iommu_ddw_remove liobn=0x80000000
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_pci_put liobn=0x80000001 ioba=0x800000001000000 tce=0x1000003 ret=0
spapr_iommu_ddw_remove liobn=0x80000001
spapr_iommu_new_table liobn=0x80000000 table=0x7f10 fd=-1
spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0
spapr_iommu_xlate liobn=0x80000000 0x1000 -> 0x0 perm=0 mask=0xfff
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_pci_put liobn=0x80000001 ioba=0x800000001000000 tce=0x1000003 ret=-4
T
}
right remove "ddw_remove of the last DDW, then the restore's new_table and ddw_reset"
variant remove "ddw_remove: the restore not traced" '11,12d' \
    'restored the default window, so QEMU traces spapr_iommu_new_table liobn=0x80000000 next'
variant remove "ddw_remove: the restore's ddw_reset missing" '12d' \
    'so QEMU traces spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0 next'
variant remove "ddw_remove: ddw_reset before the new_table" '11{h;d};12G' \
    'so QEMU traces spapr_iommu_new_table liobn=0x80000000 next'
variant remove "ddw_remove: the restore's ddw_reset on another PHB" \
    '12s/0x800000020000000/0x800000020000001/' \
    'so QEMU traces spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0 next'
variant remove "ddw_remove: the restore's new_table before the remove line" \
    '10{h;d};11G' \
    'so QEMU traces spapr_iommu_new_table liobn=0x80000000 next'
variant remove "ddw_remove: the trace ends inside the restore" '11,$d' \
    'the trace ends before QEMU'"'"'s lines for the default window 0x80000000'
variant remove "ddw_remove: removing the default window restores nothing" \
    '7a\
spapr_iommu_new_table liobn=0x80000000 table=0x7f20 fd=-1' \
    'spapr_iommu_new_table liobn=0x80000000, but the next call did not enable it'
variant remove "ddw_remove: a window the PHB does not have" \
    '7s/0x80000000/0x80000002/' 'ibm,remove-pe-dma-window failed with -3'
variant remove "ddw_remove: the restored window is empty" \
    '13s/-> 0x0 perm=0/-> 0x4b8c000 perm=3/' \
    'xlate 0x1000 -> 0x0 perm=0 mask=0xfff; the trace says -> 0x4b8c000'
variant remove "ddw_remove: the removed DDW is gone" '15s/ret=-4/ret=0/' \
    'H_PUT_TCE returned -4, the trace says 0'

# QEMU 7.2 keeps def_win on window 0's table once a reset set it, even when
# it holds a DDW: removing that DDW last restores nothing.
remove_def() {
    cat <<'T'
# machine: ddw=on
spapr_iommu_new_table liobn=0x80000000 table=0x55d0 fd=-1
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_new_table liobn=0x80000001 table=0x7f00 fd=-1
spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000001
spapr_iommu_ddw_remove liobn=0x80000000
spapr_iommu_new_table liobn=0x80000000 table=0x7f10 fd=-1
spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000000
spapr_iommu_ddw_remove liobn=0x80000001
spapr_iommu_ddw_remove liobn=0x80000000
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 2 windows available, max window size=0x80000000, mask=0x107
spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=-4
T
}
right remove_def "ddw_remove: a DDW on the default window's LIOBN, removed last"
variant remove_def "ddw_remove: that DDW's removal does not restore" \
    '11s/2 windows/1 windows/' \
    'answered 2 windows, size 0x80000000, mask 0x107; the trace says 1,'
variant remove_def "ddw_remove: no window is left" '12s/ret=-4/ret=0/' \
    'H_PUT_TCE returned -4, the trace says 0'

# ibm,reset-pe-dma-window from the guest: every window removed, the default
# one enabled again (traced as its new_table before the ddw_reset line),
# even while it is enabled.
reset() {
    with_ddw
    cat <<'T'
spapr_iommu_new_table liobn=0x80000000 table=0x7f10 fd=-1
spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0
spapr_iommu_xlate liobn=0x80000000 0x1000 -> 0x0 perm=0 mask=0xfff
spapr_iommu_pci_put liobn=0x80000001 ioba=0x800000000000000 tce=0x3 ret=-4
spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107
T
}
right reset "ddw_reset: the guest's reset call"
variant reset "ddw_reset: the default window's new_table missing" '7d' \
    'the model enabled table 0x80000000 without a spapr_iommu_new_table line'
variant reset "ddw_reset: a BUID no PHB has" \
    '8s/0x800000020000000/0x800000020000001/' \
    'ibm,reset-pe-dma-window failed with -3'
variant reset "ddw_reset: the default window is emptied" \
    '9s/-> 0x0 perm=0/-> 0x4b8c000 perm=3/' \
    'xlate 0x1000 -> 0x0 perm=0 mask=0xfff; the trace says -> 0x4b8c000'
variant reset "ddw_reset: the DDW is removed" '10s/ret=-4/ret=0/' \
    'H_PUT_TCE returned -4, the trace says 0'
variant reset "ddw_reset: the machine has no DDW" '1s/ddw=on/ddw=off/;4,6d' \
    'ibm,reset-pe-dma-window failed with -3'

# The real traces, altered.
ddw16m() { cat "$DIR/ddw-16m-1disk.trace"; }
variant ddw16m "DDW trace: wrong page-size mask" \
    '/ddw_query/s/mask=0x107/mask=0x7/' 'mask 0x107; the trace says 1, 0x80000000, 0x7'
variant ddw16m "DDW trace: wrong window LIOBN" \
    '/ddw_create/s/liobn=0x80000001$/liobn=0x80000000/' \
    'made LIOBN 0x80000001 at 0x800000000000000; the trace says 0x80000000'
variant ddw16m "DDW trace: new_table of the DDW window missing" \
    '/new_table liobn=0x80000001/d' \
    'the model enabled table 0x80000001 without a spapr_iommu_new_table line'
variant ddw16m "DDW trace: the machine has no DDW" \
    '1s/.*/# machine: ram=2G ddw=off/' 'ibm,query-pe-dma-window failed with -3'
migrate() { cat "$DIR/migrate.trace"; }
variant migrate "migrate trace: the DDW saved with other pages" \
    '/pre_save liobn=80000001/s/ps=16/ps=24/' \
    'QEMU saved 0x8000 at 0x800000000000000, ps=24'
variant migrate "migrate trace: the VIO table's calls named pci_" \
    's/^spapr_iommu_indirect /spapr_iommu_pci_indirect /' \
    "spapr_iommu_pci_indirect on LIOBN 0x71000002, not a PCI window's"
remreset() { cat "$DIR/ddw-remove-reset.trace"; }
variant remreset "remove/reset trace: the guest's reset call missing" \
    '/^spapr_iommu_ddw_reset/d' \
    'spapr_iommu_new_table liobn=0x80000100, but the next call did not enable it'

echo "1..$n"
exit $failed
