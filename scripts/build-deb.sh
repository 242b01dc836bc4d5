#!/bin/sh
# make deb: the Debian packages (debian/) in build/deb/, and lintian's word
# on them in build/deb/lintian.txt.
#
# dpkg-buildpackage builds in the source tree and writes the packages to its
# parent, and its clean step empties build/: so it runs on a copy of the
# tree, build/deb/src/swifttce-VERSION (the files git knows or would add,
# changes included; everything but build/ and SwiftPM's scratch when git is
# not there), and only the results come up to build/deb/. The copy goes once
# the packages are made; a failed build keeps it, with build/deb/build.log.
#
# DEB_BUILD_OPTIONS (make deb's default: nocheck, as make check is run on
# its own) is dpkg-buildpackage's; nocheck also selects the nocheck build
# profile, which leaves make check's build dependencies out.
set -u
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

out=build/deb
version=$(make -s --no-print-directory print-version) || exit 1
src=$out/src/swifttce-$version
log=$out/build.log

rm -rf "$out"
mkdir -p "$src" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # (A file git knows but the tree has lost is not copied.)
    git ls-files -c -o --exclude-standard | while read -r f; do
        if [ -e "$f" ] || [ -L "$f" ]; then
            echo "$f"
        fi
    done | tar -cf - -T - | tar -xf - -C "$src" || exit 1
else
    tar -cf - --exclude=./build --exclude='./.build*' --exclude=./.git . |
        tar -xf - -C "$src" || exit 1
fi

profiles=
case " ${DEB_BUILD_OPTIONS-} " in
*" nocheck "*) profiles=-Pnocheck ;;
esac
echo "dpkg-buildpackage -us -uc -b $profiles in $src" \
     "(DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS-}'; log: $log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b $profiles) >"$log" 2>&1; then
    echo "make deb: dpkg-buildpackage failed; the end of $log:" >&2
    tail -n 25 "$log" >&2
    exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/ || exit 1
rm -rf "$out/src"

changes=$(ls "$out"/*.changes)
lintian --fail-on error --info "$changes" >"$out/lintian.txt" 2>&1
status=$?
echo "lintian $changes ($out/lintian.txt):"
grep -E '^[EWIXPO]: ' "$out/lintian.txt" | sed 's/^/  /'
ls -l "$out"/*.deb
[ $status = 0 ] || echo "make deb: lintian reports errors" >&2
exit $status
