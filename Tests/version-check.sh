#!/bin/sh
# One version: the Makefile's SWIFTTCE_VERSION (make print-version). The
# headers' SWIFTTCE_VERSION* macros (swifttce.h and swifttce/host.h, each on
# its own and both together, either first), every .pc file's Version, the
# shared objects' sonames (lib*.so.MAJOR) and meson-glue's project version
# must say the same. Output is TAP.
set -u

name=version
. "$(dirname "$0")/script-env.sh"
version=$(make -s --no-print-directory print-version)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
patch=${rest#*.}
echo "# SWIFTTCE_VERSION $version"

# The macros as a C program sees them; -pedantic would flag a redefinition
# that is not identical.
for headers in "swifttce.h" "swifttce/host.h" "swifttce.h swifttce/host.h" \
               "swifttce/host.h swifttce.h"; do
    {
        for h in $headers; do
            echo "#include <$h>"
        done
        cat <<'EOF'
#include <stdio.h>
int main(void)
{
    printf("%s %d %d %d\n", SWIFTTCE_VERSION, SWIFTTCE_VERSION_MAJOR,
           SWIFTTCE_VERSION_MINOR, SWIFTTCE_VERSION_PATCH);
    return 0;
}
EOF
    } >"$tmp/version.c"
    cc -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude "$tmp/version.c" \
        -o "$tmp/version" &&
        test "$("$tmp/version")" = "$version $major $minor $patch"
    tap $? "the macros of $headers say $version"
done

for pc in build/lib/pkgconfig/*.pc; do
    module=$(basename "$pc" .pc)
    test "$(PKG_CONFIG_PATH=build/lib/pkgconfig pkg-config --modversion "$module")" = \
        "$version"
    tap $? "$module.pc: Version $version"
done

for so in libswifttce.so libswifttce-host.so; do
    readelf -d "build/lib/$so" | grep -q "(SONAME) *Library soname: \[$so\.$major\]" &&
        test -e "build/lib/$so.$major"
    tap $? "$so: soname $so.$major, and build/lib has that name"
done

grep -q "^project('swifttce', 'c', version: '$version'" meson-glue/meson.build
tap $? "meson-glue's project version is $version"

echo "1..$n"
exit $failed
