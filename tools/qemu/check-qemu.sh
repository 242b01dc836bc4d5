#!/bin/bash
# check-qemu.sh: `make check-qemu`. Proves a SwiftTCE QEMU against Debian's
# stock QEMU 7.2 with real guests (never part of make check: needs make qemu,
# the guest of tools/qemu/fetch-guest.sh and 10-20 minutes of TCG).
#   QEMU_SWIFTTCE  the binary under test (default build/qemu/build/qemu-system-ppc64)
#   QEMU_STOCK     the reference (default /usr/bin/qemu-system-ppc64, Debian's)
#   QEMU_CHECKS    which checks (default all): checkpatch shapes migrate
#                  sparse pingpong replay qtest
#   QEMU_OFF       the series' tree built with the option off, for replay
#                  (default build/qemu/build-off/qemu-system-ppc64; skipped
#                  when missing)
#   QEMU_SHAPES    the shapes of `shapes` (default all seven Linux ones)
#   QEMU_CHAINS    the shapes of `migrate` (default two-phb-ddw64k migrate
#                  vio-bypass ddw-remove-reset)
#   QEMU_SPARSE_SHAPES  the shapes of `sparse` (default two-phb-ddw64k)
#   QEMU_SPARSE_GLOBAL  its -global (default
#                  spapr-tce-table.sparse-migration=on; =off shows its
#                  checks failing), SPARSE_CORRUPT its breakages (swap past;
#                  none: a refusal check that fails)
#   QEMU_CHECK_JOBS  guests run at once (default 2)
# Prints TAP ("ok N - ...", "not ok N - ...", "# ..." details, "1..N") and a
# summary line; exits 1 when anything failed. Work files: build/qemu/check.
set -u
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
SWIFT=${QEMU_SWIFTTCE:-$OUT/build/qemu-system-ppc64}
STOCK=${QEMU_STOCK:-/usr/bin/qemu-system-ppc64}
OFF=${QEMU_OFF:-$OUT/build-off/qemu-system-ppc64}
ALL_CHECKS="checkpatch shapes migrate sparse pingpong replay qtest"
CHECKS=${QEMU_CHECKS:-$ALL_CHECKS}
SHAPES=${QEMU_SHAPES:-vio-disk two-phb-ddw64k ram4g-4disk migrate migrate-16m ddw-remove-reset bigwin}
CHAINS=${QEMU_CHAINS:-two-phb-ddw64k migrate vio-bypass ddw-remove-reset}
SPARSE_SHAPES=${QEMU_SPARSE_SHAPES:-two-phb-ddw64k}
JOBS=${QEMU_CHECK_JOBS:-2}
TRACE_CHECK=${TRACE_CHECK:-build/bin/tce-trace-check}
SRC=$OUT/src
CK=$OUT/check
die() { echo "check-qemu: $*" >&2; exit 2; }

for q in "$SWIFT" "$STOCK"; do
    [ -x "$q" ] || die "no QEMU binary $q (make qemu; apt-get install qemu-system-ppc)"
done
# (checkpatch, replay and qtest boot no guest)
case " $CHECKS " in *" shapes "*|*" migrate "*|*" sparse "*|*" pingpong "*)
    [ -n "$(ls "$OUT"/root/boot/vmlinux-* 2>/dev/null)" ] || die "no guest kernel: make qemu-guest" ;;
esac
[ -x "$TRACE_CHECK" ] || die "no $TRACE_CHECK: make"
[ -f "$SRC/scripts/analyze-migration.py" ] || die "no QEMU source in $SRC: make qemu"
rm -rf "$CK"; mkdir -p "$CK/results"
echo "# check-qemu: under test $SWIFT ($("$SWIFT" --version | head -n1))"
echo "# check-qemu: reference $STOCK ($("$STOCK" --version | head -n1))"
T0=$(date +%s)

# Each task writes its results to $CK/results/NAME as lines "ok|not ok<TAB>what"
# and "#<TAB>detail"; they are numbered and printed in task order at the end.
result() {  # result FILE STATUS WHAT [DETAIL-FILE]
    if [ "$2" = 0 ]; then printf 'ok\t%s\n' "$3"; else printf 'not ok\t%s\n' "$3"; fi >> "$1"
    if [ "$2" != 0 ] && [ -n "${4:-}" ] && [ -s "$4" ]; then tail -n 12 "$4" | sed 's/^/#\t/' >> "$1"; fi
}
# What a trace must share with stock QEMU's for the same shape. Not xlate
# (its count changes from run to run) and not the exact sequence of TCE
# hypercalls: the guest maps its buffers as its allocator and timing make
# them (one indirect call or a put, which pages), stock against stock too;
# tce-trace-check holds each of those calls to QEMU 7.2's answer. So:
#  - the control events (new_table, ddw_*, pre_save: windows made, removed,
#    reset and saved) in the same order, host pointers (new_table's table=)
#    left out;
#  - the same kinds of hypercall events: name, LIOBN and return code.
HCALLS='^spapr_iommu_(pci_)?(put|get|stuff|indirect) '
control() {
    grep -v -E -e '^#' -e '^spapr_iommu_xlate ' -e "$HCALLS" "$1" |
        sed -E 's/ table=0x[0-9a-f]+ / table=PTR /'
}
hcall_kinds() {
    grep -E "$HCALLS" "$1" | sed -E 's/^(spapr_iommu_[a-z_]+) liobn=(0x[0-9a-f]+) .*ret=(-?[0-9]+).*$/\1 liobn=\2 ret=\3/' |
        sort | uniq -c | awk '{ c = $1; $1 = ""; print substr($0, 2) " (" c ")" }'
}

# the hops after which the guest needed a key to wake up (migrate-chain.sh)
nudges() {
    k=$(grep -c 'typed a key' "$1")
    [ "$k" = 0 ] || echo " ($k hops woken by a key: QEMU 7.2 loses a wakeup pending at the stop)"
}

task_checkpatch() {
    r=$CK/results/$1; : > "$r"
    for p in qemu/[0-9]*.patch; do
        [ "$(basename "$p")" = 0000-cover-letter.patch ] && continue
        "$SRC/scripts/checkpatch.pl" --no-color "$p" > "$CK/checkpatch.log" 2>&1
        result "$r" $? "checkpatch.pl: $(basename "$p")" "$CK/checkpatch.log"
    done
}

task_shape() {  # the shape on both binaries
    s=$2; r=$CK/results/$1; : > "$r"
    for side in swifttce stock; do
        q=$SWIFT; [ $side = stock ] && q=$STOCK
        QEMU_SYSTEM_PPC64=$q QEMU_WORK=$CK/$side tools/qemu/run-guest.sh "$s" "$CK/$side/$s.trace" \
            > "$CK/$side-$s.log" 2>&1
        result "$r" $? "$s on $side: the guest's disk workload completes, data verified" "$CK/$side-$s.log"
    done
    if [ "$s" = bigwin ]; then
        # its clear writes 2^26 entries; tce-trace-check stops at 2^24 by
        # design (TCE_TRACE_MAX_PAGE_WRITES: bounded on any trace)
        result "$r" 0 "$s on swifttce: the trace replays (tce-trace-check) # SKIP the window's clear writes 2^26 entries, the checker's bound is 2^24"
    elif [ -f "$CK/swifttce/$s.trace" ]; then
        "$TRACE_CHECK" "$CK/swifttce/$s.trace" > "$CK/trace-check-$s.log" 2>&1
        result "$r" $? "$s on swifttce: the trace replays (tce-trace-check)" "$CK/trace-check-$s.log"
    else
        result "$r" 1 "$s on swifttce: the trace replays (no trace)"
    fi
    if [ -f "$CK/swifttce/$s.trace" ] && [ -f "$CK/stock/$s.trace" ]; then
        for side in stock swifttce; do
            control "$CK/$side/$s.trace" > "$CK/$s.$side.control"
            hcall_kinds "$CK/$side/$s.trace" > "$CK/$s.$side.kinds"
        done
        diff "$CK/$s.stock.control" "$CK/$s.swifttce.control" > "$CK/$s.control.diff"
        result "$r" $? "$s: the trace's $(wc -l < "$CK/$s.stock.control") control events (new_table, ddw_*, pre_save) equal stock QEMU's" "$CK/$s.control.diff"
        # counts aside: which kinds, not how many
        diff <(sed 's/ ([0-9]*)$//' "$CK/$s.stock.kinds") <(sed 's/ ([0-9]*)$//' "$CK/$s.swifttce.kinds") > "$CK/$s.kinds.diff"
        result "$r" $? "$s: its hypercall events are of stock's kinds: $(sed 's/spapr_iommu_//' "$CK/$s.stock.kinds" | paste -sd, - | sed 's/,/, /g')" "$CK/$s.kinds.diff"
    else
        result "$r" 1 "$s: the trace's events against stock QEMU's (a trace is missing)"
    fi
    rm -f "$CK"/*/"$s"/*.img "$CK"/*/"$s"/migration.bin
}

task_chain() {  # stock -> SwiftTCE -> SwiftTCE -> stock, then the re-saves
    s=$2; r=$CK/results/$1; : > "$r"; w=$CK/chain-$s
    RESAVE="stock=$STOCK stock2=$STOCK swifttce=$SWIFT" \
        tools/qemu/migrate-chain.sh "$s" "$w" "$STOCK" "$SWIFT" "$SWIFT" "$STOCK" > "$CK/chain-$s.log" 2>&1
    st=$?
    result "$r" $st "migrate $s: stock -> swifttce -> swifttce -> stock during I/O, the guest finishes with its data verified$(nudges "$CK/chain-$s.log")" "$CK/chain-$s.log"
    if [ -f "$w/resave.swifttce" ]; then
        python3 "$TOOLS/vmstate-compare.py" "$SRC" "$w/resave.stock" "$w/resave.stock2" \
            "$w/resave.swifttce" "$w/stream.1" > "$CK/vmstate-$s.log" 2>&1
        vst=$?
        # one result per line it printed, its details after
        while IFS= read -r line; do
            case $line in
            "ok "*) printf 'ok\tvmstate %s: %s\n' "$s" "${line#ok }" >> "$r" ;;
            "not ok "*) printf 'not ok\tvmstate %s: %s\n' "$s" "${line#not ok }" >> "$r" ;;
            "# "*) printf '#\t%s\n' "${line#\# }" >> "$r" ;;
            *) printf '#\t%s\n' "$line" >> "$r" ;;
            esac
        done < "$CK/vmstate-$s.log"
        grep -q '^ok\|^not ok' "$CK/vmstate-$s.log" || result "$r" 1 "vmstate $s: compared ($vst)" "$CK/vmstate-$s.log"
    else
        result "$r" 1 "vmstate $s: the same state saved by stock and swifttce (no re-saves: the chain failed)"
    fi
    if [ "$s" = vio-bypass ]; then
        # the shape is there for this: SLOF had the VIO table in bypass
        python3 "$TOOLS/extract-vmstate.py" "$w/stream.1" "$CK/bypass-sections" s > "$CK/bypass.log" 2>&1 &&
            grep -q 'liobn=0x71000002 .*bypass=1' "$CK/bypass.log"
        result "$r" $? "migrate vio-bypass: the streams carry the VIO table with bypass=1" "$CK/bypass.log"
    fi
    rm -f "$w"/stream.* "$w"/resave.* "$w"/*.img
}

# load_only W TAG QEMU STREAM [ARG...]: process 1 of the chain in W (its
# command line, console, monitor and trace renamed TAG) on QEMU, loading
# STREAM, paused (-S); it is quit if the load succeeds. Prints QEMU's exit
# status (128 + a signal's number when it died of one); its output in
# W/stdout.TAG.
load_only() {
    lw=$1; ltag=$2; lq=$3; lst=$4; shift 4
    largs=$(cut -d' ' -f2- "$lw/cmdline.1" | sed -E "s#(con|monitor|console|trace)\.1([ ,]|\$)#\1.$ltag\2#g; s# -incoming exec:cat [^ ]*##")
    set -f
    # shellcheck disable=SC2086
    "$lq" $largs -S -incoming "exec:cat $lst" "$@" > "$lw/stdout.$ltag" 2>&1 &
    lpid=$!
    set +f
    if python3 "$TOOLS/monitor.py" "$lw/monitor.$ltag" wait-incoming > "$lw/incoming.$ltag.log" 2>&1; then
        echo "# loaded" >> "$lw/stdout.$ltag"
        python3 "$TOOLS/monitor.py" "$lw/monitor.$ltag" quit > /dev/null 2>&1 || kill "$lpid"
    elif kill -0 "$lpid" 2>/dev/null; then
        # neither loaded nor gone in monitor.py's 10 minutes
        echo "# still loading: killed" >> "$lw/stdout.$ltag"
        kill "$lpid"
    fi
    lrc=0; wait "$lpid" || lrc=$?
    echo "$lrc"
}

task_sparse() {  # the opt-in sparse format (qemu/0004) between SwiftTCE QEMUs
    s=$2; r=$CK/results/$1; : > "$r"; w=$CK/sparse-$s
    # the binary under test, every table saving sparse
    sp=$CK/qemu-sparse
    printf '#!/bin/sh\nexec %s -global %s "$@"\n' "$(realpath "$SWIFT")" \
        "${QEMU_SPARSE_GLOBAL:-spapr-tce-table.sparse-migration=on}" > "$sp"
    chmod +x "$sp"
    # sparse -> sparse -> SwiftTCE with the property off (which reads it all
    # the same); stream.1 re-saved stopped by SwiftTCE off (full format),
    # that by stock twice and by SwiftTCE off again
    RESAVE="off=$SWIFT stock:off=$STOCK stock2:off=$STOCK swifttce:off=$SWIFT" \
        tools/qemu/migrate-chain.sh "$s" "$w" "$sp" "$sp" "$SWIFT" > "$CK/sparse-$s.log" 2>&1
    st=$?
    result "$r" $st "sparse $s: swifttce (sparse-migration=on) -> swifttce (on) -> swifttce (off) during I/O (the first stream is checked below), the guest finishes with its data verified$(nudges "$CK/sparse-$s.log")" "$CK/sparse-$s.log"
    if [ $st != 0 ] || [ ! -f "$w/resave.swifttce" ]; then
        result "$r" 1 "sparse $s: sizes, stock's bytes with the property off, refusals (the chain failed)"
        rm -f "$w"/stream.* "$w"/resave.* "$w"/*.img
        return
    fi
    python3 "$TOOLS/extract-vmstate.py" --sparse-sizes "$w/stream.1" "$w/resave.off" > "$CK/sparse-sizes-$s.log" 2>&1
    result "$r" $? "sparse $s: each enabled window's section carries only its mapped entries (as many as the full stream's non-zero ones), <= 16 bytes each + 4 KiB: $(grep -o 'window.*' "$CK/sparse-sizes-$s.log" | paste -sd';' - | sed 's/;/; /g')" "$CK/sparse-sizes-$s.log"
    # the property off: QEMU 7.2's bytes (resave.off: the state that came
    # sparse, saved off; loaded and saved again by stock and by swifttce)
    python3 "$TOOLS/vmstate-compare.py" "$SRC" "$w/resave.stock" "$w/resave.stock2" \
        "$w/resave.swifttce" "$w/resave.off" > "$CK/sparse-vmstate-$s.log" 2>&1
    result "$r" $? "sparse $s: the state loaded from the sparse stream, saved with the property off, has stock's spapr_iommu bytes (vmstate-compare: $(grep -c '^ok' "$CK/sparse-vmstate-$s.log") ok, $(grep -c '^not ok' "$CK/sparse-vmstate-$s.log") not ok)" "$CK/sparse-vmstate-$s.log"
    # stock QEMU as the destination of a sparse stream
    rc=$(load_only "$w" stock "$STOCK" "$w/stream.1" -trace vmstate_subsection_load_bad)
    grep -q "of device 'spapr_iommu'" "$w/stdout.stock" && grep -q 'vmstate_subsection_load_bad spapr_iommu: spapr_iommu_sparse' "$w/trace.stock" && [ "$rc" = 1 ]
    result "$r" $? "sparse $s: stock QEMU refuses the sparse stream (exit $rc, no signal): $(grep -m1 'of device' "$w/stdout.stock"); its trace: $(grep -m1 -o 'vmstate_subsection_load_bad spapr_iommu: .*' "$w/trace.stock")" "$w/stdout.stock"
    # a SwiftTCE destination refusing a broken sparse section
    for kind in ${SPARSE_CORRUPT:-swap past}; do
        if ! python3 "$TOOLS/extract-vmstate.py" --sparse-corrupt "$w/stream.1" "$w/stream.$kind" "$kind" > "$w/corrupt.$kind" 2>&1; then
            result "$r" 1 "sparse $s: swifttce refuses a sparse section broken ($kind): $(tail -n1 "$w/corrupt.$kind")"
            continue
        fi
        liobn=$(sed -n 's/^liobn=0x0*\([0-9a-f]*\) .*/\1/p' "$w/corrupt.$kind")
        rc=$(load_only "$w" "$kind" "$SWIFT" "$w/stream.$kind")
        [ -n "$liobn" ] && grep -q "spapr_iommu 0x$liobn: spapr_iommu_sparse refused: " "$w/stdout.$kind" && [ "$rc" = 1 ]
        result "$r" $? "sparse $s: swifttce refuses a sparse section broken ($kind: $(cat "$w/corrupt.$kind")), exit $rc, no signal: $(grep -m1 'refused' "$w/stdout.$kind")" "$w/stdout.$kind"
    done
    rm -f "$w"/stream.* "$w"/resave.* "$w"/*.img
}

task_pingpong() {   # ten migrations, stock and SwiftTCE in turn
    r=$CK/results/$1; : > "$r"
    chain=""
    for i in 0 1 2 3 4 5; do chain="$chain $STOCK $SWIFT"; done
    chain=${chain% *}    # 11 processes: 10 migrations
    # shellcheck disable=SC2086
    tools/qemu/migrate-chain.sh migrate "$CK/pingpong" $chain > "$CK/pingpong.log" 2>&1
    result "$r" $? "ping-pong: 10 migrations stock <-> swifttce during I/O (shape migrate), nothing lost: data verified at the end$(nudges "$CK/pingpong.log")" "$CK/pingpong.log"
    rm -f "$CK"/pingpong/stream.* "$CK"/pingpong/*.img
}

task_qtest() {  # QEMU's own suite, in the tree that was built (make qemu)
    r=$CK/results/$1; : > "$r"
    b=$(realpath "$OUT/build")
    # ninja with no target: the unit and qtest binaries too
    ninja -C "$b" > "$CK/qtest-build.log" 2>&1 || { result "$r" 1 "qtest-ppc64: the test binaries build" "$CK/qtest-build.log"; return; }
    (cd "$b" && meson test --no-rebuild --print-errorlogs --suite qtest-ppc64) > "$CK/qtest.log" 2>&1
    st=$?
    summary=$(grep -E '^(Ok|Fail|Skipped|Timeout|Expected Fail|Unexpected Pass): ' "$CK/qtest.log" | tr -s ' \n' ' ')
    grep -Eq '^Ok: +[1-9]' "$CK/qtest.log" && grep -Eq '^Fail: +0' "$CK/qtest.log" && grep -Eq '^Timeout: +0' "$CK/qtest.log" || st=1
    result "$r" $st "qtest-ppc64 (meson test in $OUT/build): $summary" "$CK/qtest.log"
}

# The series' qtest spapr-tce-replay-test (patch 0006) on the binary under
# test, and on the same tree built with the option off (stock QEMU's walk of
# the same window) when there is one: correctness is TAP, the replay's
# times are "#" lines and their ratio, never an assertion.
task_replay() {
    r=$CK/results/$1; : > "$r"
    b=$(realpath "$OUT/build")
    t=tests/qtest/spapr-tce-replay-test
    ninja -C "$b" $t > "$CK/replay-build.log" 2>&1 || { result "$r" 1 "replay: $t builds" "$CK/replay-build.log"; return; }
    for who in swifttce off; do
        q=$SWIFT; [ $who = off ] && q=$OFF
        if [ ! -x "$q" ]; then
            printf '#\t%s\n' "replay: no option-off build $q (QEMU_SWIFTTCE_OPT=disabled QEMU_BUILD_DIR=build/qemu/build-off make qemu): SwiftTCE's times only" >> "$r"
            continue
        fi
        QTEST_QEMU_BINARY=$q "$b/$t" --tap > "$CK/replay-$who.log" 2>&1
        st=$?
        grep -q '^not ok' "$CK/replay-$who.log" && st=1
        [ "$(grep -c '^ok ' "$CK/replay-$who.log")" = 2 ] || st=1
        result "$r" $st "replay: spapr-tce-replay-test on $who ($q): a populated 2^26-entry window replayed whole and in ranges, as the table says; ranged notifications expand to QEMU's per-entry ones" "$CK/replay-$who.log"
        grep -E '^# replay ' "$CK/replay-$who.log" | sed "s/^# replay /#\treplay on $who: /" >> "$r"
    done
    # the whole window's replay, SwiftTCE against the option off
    ns() { sed -nE "s/^# replay $1: ([0-9]+) ns.*/\1/p" "$CK/replay-$2.log" 2>/dev/null; }
    a=$(ns whole-window swifttce); o=$(ns whole-window off)
    [ -n "$a" ] && [ -n "$o" ] && [ "$a" -gt 0 ] &&
        printf '#\t%s\n' "replay of the whole window: SwiftTCE $a ns, option off $o ns: $(awk -v a="$a" -v o="$o" 'BEGIN { printf "%.0f", o / a }') times faster" >> "$r"
}

# the tasks, longest first; qtest last (ninja takes both cores)
for c in $CHECKS; do
    case " $ALL_CHECKS " in *" $c "*) ;;
    *) die "unknown check $c ($ALL_CHECKS)" ;; esac
done
want() { case " $CHECKS " in *" $1 "*) return 0;; esac; return 1; }
TASKS=()
want checkpatch && TASKS+=("checkpatch")
want pingpong && TASKS+=("pingpong")
if want migrate; then for s in $CHAINS; do TASKS+=("chain $s"); done; fi
if want sparse; then for s in $SPARSE_SHAPES; do TASKS+=("sparse $s"); done; fi
if want shapes; then for s in $SHAPES; do TASKS+=("shape $s"); done; fi
want replay && TASKS+=("replay")
want qtest && TASKS+=("qtest")

i=0
for t in "${TASKS[@]}"; do
    i=$((i + 1))
    name=$(printf '%02d' $i)
    set -- $t
    kind=$1; arg=${2:-}
    # a free slot first
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    # ninja in the build tree, and replay's times: alone
    case $kind in qtest|replay) wait ;; esac
    echo "# check-qemu: $(date +%T) start $t"
    ( t1=$(date +%s); "task_$kind" "$name" "$arg"; echo "# check-qemu: $(date +%T) $t done in $(( $(date +%s) - t1 )) s" ) &
done
wait

n=0; failed=0
for f in "$CK"/results/*; do
    while IFS=$'\t' read -r st what; do
        case $st in
        ok) n=$((n + 1)); echo "ok $n - $what" ;;
        "not ok") n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $what" ;;
        "#") echo "# $what" ;;
        esac
    done < "$f"
done
echo "1..$n"
echo "# check-qemu: $((n - failed)) passed, $failed failed, in $(( $(date +%s) - T0 )) s"
[ $failed = 0 ]
