#!/bin/sh
# Seals a static library for C programs that know nothing of Swift: SwiftPM's
# archive of a product and the Swift runtime it needs (swiftrt.o and the
# members of the runtime's archives it pulls in) are linked into one
# relocatable object (ld -r), and the archive OUT holds that object alone.
# In the object:
#   - the names GLOBALS lists (what the headers declare) are the only global
#     symbols, and they are hidden: an emulator links them, but they never
#     reach its dynamic symbol table, even with -rdynamic;
#   - everything else defined is local: our Swift code, the runtime, the
#     C++ library code it instantiates (std::vector<...>, ...) cannot meet a
#     name of the emulator's, nor be exported by it;
#   - no COMDAT groups: a group is kept once per link by its name, so our
#     copy of a C++ template the emulator also instantiates could be thrown
#     away while our local symbols still point into it;
#   - no .swift1_autolink_entries (the Swift driver's list of the runtime
#     libraries to link, which are inside now).
# The runtime's own machinery is left as ld -r merged it: .init_array (its
# constructors, swiftrt.o's registration of the swift5_* metadata sections
# through the linker's __start_/__stop_ symbols) and its thread-locals.
# What stays undefined is the system's: libc, libm, libdl, libpthread,
# libstdc++ and libgcc (the Makefile's SYSTEM_LIBS).
#
# binutils' objcopy cannot set a symbol's visibility: LLVM_OBJCOPY (the
# toolchain's llvm-objcopy) does the symbol work, at build time only.
#
# Usage: seal-archive.sh OUT.a SWIFTPM.a GLOBALS RUNTIME_LINK_ARGS...
set -eu
out=$1
in=$2
globals=$3
shift 3
objcopy=${LLVM_OBJCOPY:-llvm-objcopy}

name=$(basename "$out" .a)
member=${name#lib}.o
tmp=$(mktemp -d "$(dirname "$out")/.seal.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

ld -r -o "$tmp/linked.o" --whole-archive "$in" --no-whole-archive "$@"
"$objcopy" --remove-section=.group --remove-section=.swift1_autolink_entries \
    --keep-global-symbols="$globals" \
    --set-symbols-visibility="$globals=hidden" \
    "$tmp/linked.o" "$tmp/$member"

# The object must define every declared name, and nothing more, globally.
nm -g --defined-only -P "$tmp/$member" | awk '{ print $1 }' | sort -u \
    >"$tmp/defined"
if ! sort -u "$globals" | cmp -s - "$tmp/defined"; then
    echo "seal-archive.sh: $out: the global symbols differ from $globals:" >&2
    sort -u "$globals" | diff - "$tmp/defined" >&2 || true
    exit 1
fi
if readelf -S -W "$tmp/$member" | grep -q ' GROUP '; then
    echo "seal-archive.sh: $out: a COMDAT group is left" >&2
    exit 1
fi

rm -f "$tmp/$name.a"
ar rcD "$tmp/$name.a" "$tmp/$member"
mv -f "$tmp/$name.a" "$out"
echo "sealed $out: $(wc -l <"$tmp/defined") global symbols (hidden), $(wc -c <"$out") bytes"
