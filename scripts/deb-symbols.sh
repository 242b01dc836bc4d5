#!/bin/sh
# Prints debian/libswifttce0.symbols for the shared objects in build/lib:
# each soname's exported symbols (nm -D, defined and global) with their
# version node, sorted. A
# symbol the current file lists keeps its version there (the first release
# that had it); a new one gets the Makefile's SWIFTTCE_VERSION. Run
#   make && scripts/deb-symbols.sh >debian/libswifttce0.symbols.new &&
#   mv debian/libswifttce0.symbols.new debian/libswifttce0.symbols
# after the C contract gains or loses a symbol (Tests/deb-files-check.sh
# and the package build, at dpkg-gensymbols' check level 4, insist).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
version=$(make -s --no-print-directory print-version)
major=${version%%.*}
current=debian/libswifttce0.symbols
package=libswifttce$major

for lib in libswifttce-host libswifttce; do
    so=build/lib/$lib.so
    if [ ! -f "$so" ]; then
        echo "deb-symbols: no $so: run make first" >&2
        exit 1
    fi
    echo "$lib.so.$major $package #MINVER#"
    echo "* Build-Depends-Package: libswifttce-dev"
    # Upper-case types only: the lower-case ones in .dynsym are local. nm
    # names each with its version node (name@@SWIFTTCE_0.3, the default
    # version; the node's own absolute symbol has none): the symbols file
    # says name@NODE, as dpkg-gensymbols does, and the node itself as
    # NODE@NODE.
    nm -D --with-symbol-versions --defined-only "$so" |
        awk '$2 ~ /^[A-Z]$/ && $3 ~ /@/ {
                 sub(/@@/, "@", $3); print $3
                 # dpkg-gensymbols lists each version node too, as NODE@NODE.
                 node = $3; sub(/.*@/, "", node); print node "@" node
             }' | LC_ALL=C sort -u |
        awk -v version="$version" -v lib="$lib.so.$major" -v current="$current" '
            BEGIN {
                # The versions the current file gives this soname'"'"'s symbols.
                while ((getline line < current) > 0) {
                    if (line ~ /^[^ *#]/) {
                        split(line, f, " ")
                        in_lib = (f[1] == lib)
                    } else if (in_lib && line ~ /^ /) {
                        split(line, f, " ")
                        known[f[1]] = f[2]
                    }
                }
            }
            { print " " $1 " " ($1 in known ? known[$1] : version) }'
done
