#!/bin/sh
# The host libraries' symbols (HOST.md): for build/lib/libswifttce-host.a
# and build/lib/libswifttce-host.so, every defined global symbol starts with
# swifttce_; the .so's undefined ones are defined by libc, libm, libpthread,
# libdl, libstdc++ or libgcc_s (nm -D --defined-only of them on this
# system); the archive's by those or by the Swift runtime it is linked with
# (the Makefile's SWIFT_LIBS); and neither refers to a name of QEMU's
# (memory_region_*, iommu_*, error_*, spapr_*, rtas_*). Weak undefined
# symbols (__gmon_start__, _ITM_*...) are fine. Output is TAP.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/swifttce-nm.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# We may run under `make check`: its jobserver is not for our own make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

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

# What the Swift runtime of SWIFT_LIBS defines: its objects, and the
# archives its -l names find in its -L directories (the rest are system
# libraries above).
swift_libs=$(make -s --no-print-directory print-swift-libs)
dirs=
for word in $swift_libs; do
    case $word in
    -L*) dirs="$dirs ${word#-L}" ;;
    esac
done
for word in $swift_libs; do
    case $word in
    *.o) symbols --defined-only "$word" ;;
    -l*)
        for dir in $dirs; do
            if [ -e "$dir/lib${word#-l}.a" ]; then
                symbols --defined-only "$dir/lib${word#-l}.a"
            fi
        done
        ;;
    esac
done | awk '$2 != "U" { print $1 }' | sort -u >"$tmp/swift"
sort -u "$tmp/system" "$tmp/swift" >"$tmp/system+swift"

# global_defined FILE SYMBOLS: the defined global symbols.
for kind in archive shared; do
    if [ $kind = archive ]; then
        lib=$archive
        symbols -g --defined-only "$lib" >"$tmp/$kind.defined"
        symbols -u "$lib" >"$tmp/$kind.undefined"
        providers="$tmp/system+swift"
        what="libc, libm, libpthread, libdl, libstdc++, libgcc_s or the Swift runtime"
    else
        lib=$shared
        # Global binding only: a local dynamic symbol (the engine's TLS
        # record, which the object's own TLS relocation names) cannot be
        # interposed by a host's name.
        symbols -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/' \
            >"$tmp/$kind.defined"
        symbols -D --undefined-only "$lib" >"$tmp/$kind.undefined"
        providers="$tmp/system"
        what="libc, libm, libpthread, libdl, libstdc++ or libgcc_s"
    fi
    echo "# $lib: $(wc -l <"$tmp/$kind.defined") defined global," \
        "$(wc -l <"$tmp/$kind.undefined") undefined"

    awk '$1 !~ /^swifttce_/' "$tmp/$kind.defined" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: every defined global symbol is swifttce_*" "$tmp/out"

    # The dynamic linker defines __tls_get_addr, for the thread-locals of
    # the Swift runtime linked into the shared object: the one exception.
    awk '$2 != "w" && $2 != "v" { print $1 }' "$tmp/$kind.undefined" |
        grep -v '^__tls_get_addr$' | comm -23 - "$providers" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: every undefined symbol is defined by $what" "$tmp/out"

    cat "$tmp/$kind.defined" "$tmp/$kind.undefined" | awk '{ print $1 }' |
        grep -E "$qemu_names" >"$tmp/out"
    test ! -s "$tmp/out"
    tap $? "$lib: no name of QEMU's, defined or undefined" "$tmp/out"
done

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
