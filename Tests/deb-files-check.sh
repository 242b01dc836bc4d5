#!/bin/sh
# What the Debian packaging (debian/) says of the package must stay true as
# the package changes, without building the .debs (make check-deb does):
#   - debian/changelog's upstream version is the Makefile's SWIFTTCE_VERSION
#     (debian/rules stops on a mismatch too, but only in a package build);
#   - the runtime package is named for the sonames' major version
#     (libswifttce$MAJOR, Debian's library package rule), in debian/control
#     and in its .install and .symbols files' names;
#   - debian/libswifttce0.symbols lists exactly what build/lib's shared
#     objects export (scripts/deb-symbols.sh remakes it).
# Output is TAP.
set -u

name=deb-files
. "$(dirname "$0")/script-env.sh"
tap_log=$log

version=$(make -s --no-print-directory print-version)
major=${version%%.*}
package=libswifttce$major

# The first line: "swifttce (0.2.0-1) unstable; urgency=medium".
changelog=$(sed -n '1s/^swifttce (\([^)]*\)).*/\1/p' debian/changelog)
echo "debian/changelog: '$changelog'" >"$log"
test "${changelog%-*}" = "$version" && test "$changelog" != "$version"
tap $? "debian/changelog's version ($changelog) is $version with a Debian revision"

{
    grep -qx "Package: $package" debian/control &&
        test "$(grep -c '^Package: libswifttce[0-9]' debian/control)" = 1 &&
        test -f "debian/$package.install" && test -f "debian/$package.symbols"
} >"$log" 2>&1
tap $? "the runtime package is $package (soname major $major): debian/control, .install, .symbols"

scripts/deb-symbols.sh >"$tmp/symbols" 2>"$log" &&
    diff -u "debian/$package.symbols" "$tmp/symbols" >"$log" 2>&1
tap $? "debian/$package.symbols is what the shared objects export (else: scripts/deb-symbols.sh, see its comment)"

echo "1..$n"
exit $failed
