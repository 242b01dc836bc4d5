#!/bin/sh
# The version node of the export maps (CShims/*exports.map): each shared
# object defines SWIFTTCE_0.3, every symbol it exports is in it as the
# default version (name@@SWIFTTCE_0.3, as readelf --dyn-syms shows it), and
# those symbols are exactly what its headers declare (build/abi/*.names).
# The sealed archives are not linked with the maps: their symbols carry no
# version, and they keep the names their headers declare. Output is TAP.
set -u

name=symbol-versions
. "$(dirname "$0")/script-env.sh"
node=SWIFTTCE_0.3

for lib in libswifttce-host libswifttce; do
    so=build/lib/$lib.so
    readelf -V -W "$so" >"$log" 2>&1
    grep -q "Name: $node\$" "$log"
    tap $? "$lib.so defines version node $node"

    # Defined, not local: what other objects can bind to. The node's own
    # symbol (ABS, OBJECT, named $node) is the linker's.
    readelf --dyn-syms -W "$so" |
        awk '$1 ~ /^[0-9]+:$/ && $5 != "LOCAL" && $7 != "UND" && $8 != "'"$node"'" && NF >= 8 { print $8 }' |
        LC_ALL=C sort >"$tmp/$lib.exported"
    grep -v "@@$node\$" "$tmp/$lib.exported" >"$log"
    test -s "$tmp/$lib.exported" && test ! -s "$log"
    tap $? "every symbol $lib.so exports is name@@$node ($(wc -l <"$tmp/$lib.exported") of them)"

    sed "s/@@$node\$//" "$tmp/$lib.exported" >"$tmp/$lib.names"
    LC_ALL=C sort "build/abi/$lib.names" | diff -u - "$tmp/$lib.names" >"$log" 2>&1
    tap $? "$lib.so exports exactly what its headers declare (- declared only, + exported only)"

    # The same, as objdump -T shows it: the version column.
    objdump -T "$so" | awk '$2 == "g" && $4 != "*UND*" { print $6 }' |
        sort -u >"$log"
    test "$(cat "$log")" = "$node"
    tap $? "objdump -T: $lib.so's global symbols' one version is $node"

    archive=build/lib/$lib.a
    nm "$archive" >"$tmp/nm" 2>"$log"
    ! grep -q '@' "$tmp/nm" && ! readelf -S -W "$archive" | grep -q 'gnu\.version'
    tap $? "$lib.a (sealed) has no symbol versions"
    awk 'NF == 3 && $2 ~ /^[A-Z]$/ && $2 != "U" { print $3 }' "$tmp/nm" | LC_ALL=C sort -u >"$tmp/globals"
    LC_ALL=C sort -u "build/seal/${lib#lib}.globals" | diff -u - "$tmp/globals" >"$log" 2>&1
    tap $? "$lib.a still keeps exactly its headers' names (build/seal/${lib#lib}.globals)"
done

echo "1..$n"
exit $failed
