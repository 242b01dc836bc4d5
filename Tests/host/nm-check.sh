#!/bin/sh
# The host libraries' symbols. Host mode links beside an emulator's own names
# (QEMU's memory_region_*, error_*, ...) and must neither take nor give one:
#   - in build/lib/libswifttce-host.a (sealed: one object, the Swift runtime
#     inside) and build/lib/libswifttce-host.so, the defined global symbols
#     are exactly what host.h declares (build/tests/host/host-names.txt),
#     all swifttce_*; the archive's are hidden, so an emulator linked with
#     -rdynamic does not export them;
#   - the archive is one object and has no COMDAT group (a group the
#     emulator's C++ also has would be kept once, maybe not ours);
#   - what either leaves undefined, the system defines: libc, libm,
#     libpthread, libdl, libstdc++, libgcc_s (nm -D --defined-only of them on
#     this system), the dynamic linker's __tls_get_addr (the Swift runtime's
#     thread-locals), and for the archive the symbols the static linker
#     makes (__start_/__stop_ of the swift5_* metadata sections, which
#     swiftrt.o registers with the runtime, and __ehdr_start); no Swift
#     runtime: it is inside both;
#   - neither refers to a name of QEMU's (memory_region_*, iommu_*, error_*,
#     spapr_*, rtas_*).
# Weak undefined symbols (__gmon_start__, _ITM_*...) are fine. Output is TAP.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-nm.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

archive=build/lib/libswifttce-host.a
shared=build/lib/libswifttce-host.so
qemu_names='^(memory_region_|iommu_|error_|spapr_|rtas_)'

. "$root/Tests/tap.sh"
# nm -P lines are "NAME TYPE [VALUE SIZE]"; an archive's also name members.
symbols() {
    nm -P "$@" | awk 'NF >= 2 && $2 ~ /^[A-Za-z]$/ { print $1 " " $2 }' |
        sed 's/@.*\( [A-Za-z]\)$/\1/' | sort -u
}

# What the system's shared libraries define (without symbol versions).
for lib in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 libstdc++.so.6 \
           libgcc_s.so.1; do
    path=$(cc -print-file-name="$lib")
    if [ ! -e "$path" ]; then
        echo "Bail out! no $lib on this system"
        exit 1
    fi
    symbols -D --defined-only "$path"
done | awk '{ print $1 }' | sort -u >"$tmp/system"

# The dynamic linker's, and the static linker's own for the archive.
echo __tls_get_addr >"$tmp/ld.so"
sort -u "$tmp/system" "$tmp/ld.so" >"$tmp/providers"
linker_made='^(__start_swift5_|__stop_swift5_)|^__ehdr_start$'

# global_defined FILE SYMBOLS: the defined global symbols.
for kind in archive shared; do
    if [ $kind = archive ]; then
        lib=$archive
        symbols -g --defined-only "$lib" >"$tmp/$kind.defined"
        symbols -u "$lib" | awk -v made="$linker_made" '$1 !~ made' \
            >"$tmp/$kind.undefined"
        providers="$tmp/providers"
        what="the system (or the static linker)"
    else
        lib=$shared
        # Global binding only: a local dynamic symbol (the engine's TLS
        # record, which the object's own TLS relocation names) cannot be
        # interposed by a host's name. Nor can the export map's version
        # node (an absolute symbol named SWIFTTCE_0.3, the linker's).
        symbols -D --defined-only "$lib" |
            awk '$2 ~ /^[A-Z]$/ && !($2 == "A" && $1 ~ /^SWIFTTCE_[0-9.]+$/)' \
            >"$tmp/$kind.defined"
        symbols -D --undefined-only "$lib" >"$tmp/$kind.undefined"
        providers="$tmp/providers"
        what="the system"
    fi
    echo "# $lib: $(wc -l <"$tmp/$kind.defined") defined global," \
        "$(wc -l <"$tmp/$kind.undefined") undefined"

    awk '$1 !~ /^swifttce_/' "$tmp/$kind.defined" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: every defined global symbol is swifttce_*" "$tmp/out"

    awk '$2 != "w" && $2 != "v" { print $1 }' "$tmp/$kind.undefined" |
        comm -23 - "$providers" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: every undefined symbol is defined by $what" "$tmp/out"

    cat "$tmp/$kind.defined" "$tmp/$kind.undefined" | awk '{ print $1 }' |
        grep -E "$qemu_names" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: no name of QEMU's, defined or undefined" "$tmp/out"
done

# The sealed archive: one object, its globals hidden, no COMDAT group.
members=$(ar t "$archive" | wc -l)
test "$members" = 1
tap $? "$archive: one object (it has $members)"
readelf -s -W "$archive" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && $6 != "HIDDEN"' \
    >"$tmp/out"
test ! -s "$tmp/out"
tap $? "$archive: every defined global symbol is hidden" "$tmp/out"
readelf -S -W "$archive" | grep ' GROUP ' >"$tmp/out"
test ! -s "$tmp/out"
tap $? "$archive: no COMDAT group" "$tmp/out"

if grep -q '^__tls_get_addr U$' "$tmp/shared.undefined"; then
    echo "# $shared needs __tls_get_addr, which only the dynamic linker defines"
fi

# host.h's declarations (build/tests/host/host-names.txt, from mk/host.mk)
# are the contract: nothing else is global, in either library.
sort -u build/tests/host/host-names.txt >"$tmp/declared"
for kind in archive shared; do
    awk '{ print $1 }' "$tmp/$kind.defined" | comm -23 - "$tmp/declared" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$kind: every global symbol is declared in host.h" "$tmp/out"
done

echo "1..$n"
exit $failed
