#!/bin/sh
# The ABI check (mk/abi.mk, README "Versions and ABI"): each shared object's
# ABI as the tree builds it (scripts/abi-dump.sh) is abi/'s, by libabigail's
# abidiff (scripts/abi-compare.sh). Then, on scratch copies, that the check
# fails, saying what changed, when a function is removed from a header or
# added to one, when a public struct changes (one of each library's), when a constant
# changes, and when the export map loses a symbol. Output is TAP.
set -u

name=abi
. "$(dirname "$0")/script-env.sh"
tap_log=$log

headers_of() {
    make -s --no-print-directory "print-abi-headers-$1"
}

# ---- The tree against abi/ -------------------------------------------------

for lib in libswifttce-host libswifttce; do
    mkdir -p "$tmp/now"
    # shellcheck disable=SC2046
    scripts/abi-dump.sh "$tmp/now/$lib" "build/lib/$lib.so" "build/abi/$lib.names" \
        include $(headers_of "$lib") >"$log" 2>&1 &&
        scripts/abi-compare.sh "abi/$lib" "$tmp/now/$lib" >>"$log" 2>&1
    tap $? "$lib: the tree's ABI is abi/'s (exported symbols, C types, constants; else make abi-baseline, on purpose)"
done

# ---- The check catches a change --------------------------------------------

# expect_change DESCRIPTION LIB SO NAMES INCDIR PATTERN...: the dump of a
# changed copy differs from abi/, and the message has every PATTERN (grep
# -E), which says what changed; its first lines go to the TAP output.
expect_change() {
    what=$1 lib=$2 so=$3 names=$4 incdir=$5
    shift 5
    out=$tmp/changed/$lib
    rm -rf "$tmp/changed"
    mkdir -p "$tmp/changed"
    # shellcheck disable=SC2046
    if ! scripts/abi-dump.sh "$out" "$so" "$names" "$incdir" $(headers_of "$lib") >"$log" 2>&1; then
        tap 1 "$what: the changed copy's ABI could not be dumped"
        return
    fi
    if scripts/abi-compare.sh "abi/$lib" "$out" >"$tmp/message" 2>&1; then
        echo "abi-compare.sh passed the change" >"$log"
        tap 1 "$what: the check fails"
        return
    fi
    cp "$tmp/message" "$log"
    for pattern in "$@"; do
        if ! grep -Eq -- "$pattern" "$tmp/message"; then
            echo "the message does not say: $pattern" >>"$log"
            tap 1 "$what: the check fails, saying what changed"
            return
        fi
    done
    tap 0 "$what: the check fails, saying what changed"
    grep -E -- "$(printf '%s|' "$@" | sed 's/|$//')" "$tmp/message" | head -n 4 | sed 's/^ */#   /'
}

fresh_include() {
    rm -rf "$tmp/include"
    cp -R include "$tmp/include"
}

# A function removed: its prototype leaves host.h (and so the names).
fresh_include
grep -vx swifttce_phb_free build/abi/libswifttce-host.names >"$tmp/names"
sed -i '/^void swifttce_phb_free(SwiftTCEPhb \*phb);$/d' "$tmp/include/swifttce/host.h"
expect_change "host.h without swifttce_phb_free" libswifttce-host \
    build/lib/libswifttce-host.so "$tmp/names" "$tmp/include" \
    "changed INCOMPATIBLY" "Removed variable" "swifttce_phb_free"

# A function added: compatible, but recorded on purpose (a new node too).
fresh_include
(cat build/abi/libswifttce-host.names && echo swifttce_table_new_call) | LC_ALL=C sort >"$tmp/names"
sed -i 's|^#endif /\* SWIFTTCE_HOST_H \*/|/* Added. */\nint swifttce_table_new_call(SwiftTCETable *t);\n&|' \
    "$tmp/include/swifttce/host.h"
expect_change "host.h with a new function" libswifttce-host \
    build/lib/libswifttce-host.so "$tmp/names" "$tmp/include" \
    "types of the functions, objects and structs changed \(" "1 Added variable" \
    "swifttce_table_new_call"

# A public struct changed: SwiftTCEMapping's perm widened (host mode), and
# a member added to the caller-allocated IOMMUNotifier (standalone).
fresh_include
sed -i 's/^    uint32_t perm;$/    uint64_t perm;/' "$tmp/include/swifttce/host.h"
expect_change "host.h's SwiftTCEMapping.perm uint32_t -> uint64_t" libswifttce-host \
    build/lib/libswifttce-host.so build/abi/libswifttce-host.names "$tmp/include" \
    "types of the functions, objects and structs changed" "struct SwiftTCEMapping' changed" "uint32_t perm" \
    "type size changed from 32 to 64"

fresh_include
sed -i 's/^    int iommu_idx;$/&\n    void *opaque;/' "$tmp/include/swifttce/memory.h"
expect_change "memory.h's IOMMUNotifier gains a member" libswifttce \
    build/lib/libswifttce.so build/abi/libswifttce.names "$tmp/include" \
    "types of the functions, objects and structs changed" "struct IOMMUNotifier' changed" "void\\* opaque" \
    "type size changed from"

# A constant's meaning changed.
fresh_include
sed -i 's/^#define SWIFTTCE_INDIRECT_MAX 512$/#define SWIFTTCE_INDIRECT_MAX 1024/' \
    "$tmp/include/swifttce/host.h"
expect_change "host.h's SWIFTTCE_INDIRECT_MAX 512 -> 1024" libswifttce-host \
    build/lib/libswifttce-host.so build/abi/libswifttce-host.names "$tmp/include" \
    "constants changed" "^ *-SWIFTTCE_INDIRECT_MAX 512" "^ *\\+SWIFTTCE_INDIRECT_MAX 1024"

# A symbol dropped from a copy of the export map. Relinking the Swift
# library takes minutes; a C stand-in with the contract's names, linked
# with the real map and with the copy, shows the symbol half of the check
# on a shared object: the stand-in with the real map is the baseline.
stub() {
    while read -r sym; do
        case $sym in
        spapr_tce_iommu_ops) echo "const char $sym[1];" ;;
        *) echo "void $sym(void) {}" ;;
        esac
    done <build/abi/libswifttce.names >"$tmp/stub.c"
    cc -shared -fPIC -Wl,--version-script="$1" -Wl,-soname,libswifttce.so.0 \
        "$tmp/stub.c" -o "$2"
}
grep -v '^ *rtas_quiesce;$' CShims/exports.map >"$tmp/exports.map"
if ! { stub CShims/exports.map "$tmp/real.so" && stub "$tmp/exports.map" "$tmp/dropped.so"; } >"$log" 2>&1 ||
    cmp -s CShims/exports.map "$tmp/exports.map"; then
    tap 1 "exports.map without rtas_quiesce: the stand-ins could not be made"
else
    mkdir -p "$tmp/stub"
    scripts/abi-dump.sh "$tmp/stub/libswifttce" "$tmp/real.so" build/abi/libswifttce.names \
        include $(headers_of libswifttce) >"$log" 2>&1 &&
        mkdir -p "$tmp/dropped" &&
        scripts/abi-dump.sh "$tmp/dropped/libswifttce" "$tmp/dropped.so" \
            build/abi/libswifttce.names include $(headers_of libswifttce) >>"$log" 2>&1
    if [ $? -ne 0 ]; then
        tap 1 "exports.map without rtas_quiesce: the stand-ins' ABI could not be dumped"
    elif scripts/abi-compare.sh "$tmp/stub/libswifttce" "$tmp/dropped/libswifttce" >"$tmp/message" 2>&1; then
        echo "abi-compare.sh passed the change" >"$log"
        tap 1 "exports.map without rtas_quiesce: the check fails"
    else
        cp "$tmp/message" "$log"
        grep -q "exported symbols (and their version node) changed INCOMPATIBLY" "$tmp/message" &&
            grep -q "1 Removed.*function symbol" "$tmp/message" &&
            grep -q "rtas_quiesce@@SWIFTTCE_0.3" "$tmp/message"
        tap $? "exports.map without rtas_quiesce: the check fails, saying what changed"
        grep -E "INCOMPATIBLY|rtas_quiesce" "$tmp/message" | head -n 3 | sed 's/^ */#   /'
    fi
fi

echo "1..$n"
exit $failed
