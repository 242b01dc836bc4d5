#!/bin/sh
# make install as a packager runs it (DESTDIR, and every directory moved),
# and what a C build on a machine without Swift gets from the result:
#   - the files land where PREFIX, LIBDIR, INCLUDEDIR, PKGCONFIGDIR and
#     DOCDIR say, and nowhere else; the manifest lists exactly them;
#   - the .pc files name the installed paths (under ${prefix}, or absolute
#     when outside it), never the build tree or the Swift toolchain;
#   - a host-mode and a standalone program (meson-glue's examples) build
#     with pkg-config under env -i with a PATH that has no Swift, statically
#     and shared, and run under env -i; the static ones refer to nothing of
#     the toolchain's, and linked with -rdynamic they export exactly what a
#     program without SwiftTCE does (no swifttce_*, no Swift runtime);
#   - the sealed archive keeps its runtime to itself: beside an emulator
#     that defines some of the runtime's names (a decoy that aborts), or
#     whose C++ instantiates the std:: templates the runtime does;
#   - as root, the static programs also link with the toolchain's directory
#     hidden behind an empty tmpfs (a mount namespace of our own);
#   - make uninstall leaves the tree as it was: empty, or with what was there
#     before (an unrelated file, a directory install found) and no more.
# Output is TAP.
set -u

name=install
. "$(dirname "$0")/script-env.sh"
. "$root/Tests/dev-files.sh"

# run DESCRIPTION COMMAND...: a test; its output goes to the log.
run() {
    desc=$1
    shift
    "$@" >"$log" 2>&1
    tap $? "$desc"
}

version=$(make -s --no-print-directory print-version)
major=${version%%.*}
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
# The PATH of a machine without Swift.
bare_path=/usr/bin:/bin

# ---- make install into a DESTDIR, every directory moved --------------------
dest=$tmp/dest
prefix=/opt/swifttce
libdir=$prefix/lib64
includedir=$prefix/inc
pkgconfigdir=$prefix/share/pkgconfig
docdir=$prefix/share/doc/swifttce
dirs="PREFIX=$prefix LIBDIR=$libdir INCLUDEDIR=$includedir PKGCONFIGDIR=$pkgconfigdir"
run "make install DESTDIR=... $dirs" make --no-print-directory install DESTDIR="$dest" $dirs

{
    dev_files "$includedir" "$libdir" "$pkgconfigdir"
    for lib in libswifttce libswifttce-host; do
        echo "$libdir/$lib.so.$major"
        echo "$libdir/$lib.so.$version"
    done
    echo "$docdir/LICENSE"
    echo "$docdir/README.md"
    echo "$docdir/install-manifest"
} | sort >"$tmp/expected"
(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort) >"$tmp/found"
diff "$tmp/expected" "$tmp/found" >"$log"
tap $? "the files are where the directories say, and no others"

awk '$1 != "d" { print $2 }' "$dest$docdir/install-manifest" | sort |
    diff - "$tmp/found" >"$log"
tap $? "the manifest lists every file and link installed"

run "the sonames are links to the file, the link-time names to the sonames" sh -c '
    for lib in libswifttce libswifttce-host; do
        test "$(readlink "$1/$lib.so.$2")" = "$lib.so.$3" &&
        test "$(readlink "$1/$lib.so")" = "$lib.so.$2" &&
        test -f "$1/$lib.so.$3" && test ! -L "$1/$lib.so.$3" || exit 1
    done' sh "$dest$libdir" "$major" "$version"
run "LICENSE and README.md are the package's" sh -c '
    cmp LICENSE "$1/LICENSE" && cmp README.md "$1/README.md"' sh "$dest$docdir"

# ---- the .pc files ----------------------------------------------------------
pc() {
    PKG_CONFIG_PATH=$dest$pkgconfigdir pkg-config "$@"
}
run "the .pc files: prefix, libdir and includedir are the installed ones" sh -c '
    for m in swifttce swifttce-static swifttce-host swifttce-host-static; do
        test "$(PKG_CONFIG_PATH=$1 pkg-config --variable=prefix $m)" = "$2" &&
        test "$(PKG_CONFIG_PATH=$1 pkg-config --variable=libdir $m)" = "$3" &&
        test "$(PKG_CONFIG_PATH=$1 pkg-config --variable=includedir $m)" = "$4" ||
        { echo "$m"; exit 1; }
    done' sh "$dest$pkgconfigdir" "$prefix" "$libdir" "$includedir"
grep -l -e "$root" -e "$toolchain" -e swift_static -e swiftrt "$dest$pkgconfigdir"/*.pc \
    >"$log" 2>&1
tap $((! $?)) "no .pc names the build tree ($root) or the toolchain ($toolchain)"
for lib in swifttce swifttce-host; do
    libs=$(echo $(pc --libs $lib-static))    # (words, as a compiler sees them)
    echo "$lib-static: $libs"
    test "$libs" = "$libdir/lib$lib.a -lstdc++ -lm -ldl -lpthread" || echo "wrong"
done >"$log" 2>&1
! grep -q '^wrong$' "$log"
tap $? "the static modules link the archive and system libraries only"

# A LIBDIR outside PREFIX is named as it is (only the .pc files matter here).
run "LIBDIR outside PREFIX: the .pc says it absolutely" sh -c '
    make --no-print-directory install DESTDIR="$1" PREFIX=/opt/a LIBDIR=/var/lib/a &&
    test "$(PKG_CONFIG_PATH=$1/var/lib/a/pkgconfig pkg-config --variable=libdir swifttce-host)" = /var/lib/a &&
    grep -qx "libdir=/var/lib/a" "$1/var/lib/a/pkgconfig/swifttce-host.pc" &&
    make --no-print-directory uninstall DESTDIR="$1" PREFIX=/opt/a LIBDIR=/var/lib/a &&
    test -z "$(ls -A "$1")"' sh "$tmp/dest-a"

# ---- C builds with no Swift ------------------------------------------------
run "the PATH $bare_path has no swift, swiftc or clang of the toolchain" sh -c '
    ! env -i PATH="$1" sh -c "command -v swift || command -v swiftc" &&
    case "$(env -i PATH="$1" sh -c "readlink -f \"\$(command -v cc)\"")" in
    "$2"/*) false ;; *) true ;; esac' sh "$bare_path" "$toolchain"

# build OUT MODULE SOURCE... [FLAGS]: cc with pkg-config's MODULE, under
# env -i with the bare PATH; pkg-config reads the DESTDIR's .pc files, its
# prefix redefined there (the installed paths are not there yet). A script,
# so a mount namespace can run it too.
cat >"$tmp/build.sh" <<'EOF'
out=$1 module=$2 prefix=$3 pc_path=$4 bare_path=$5
shift 5
exec env -i PATH="$bare_path" PKG_CONFIG_PATH="$pc_path" sh -c '
    out=$1 module=$2 prefix=$3
    shift 3
    flags=$(pkg-config --define-variable=prefix="$prefix" --cflags --libs "$module") &&
    libdir=$(pkg-config --define-variable=prefix="$prefix" --variable=libdir "$module") ||
        exit 1
    case $module in
    *-static) ;;
    *) flags="$flags -Wl,-rpath,$libdir" ;;
    esac
    cc -std=gnu11 -Wall -Wextra -Werror "$@" $flags -o "$out"' \
    sh "$out" "$module" "$prefix" "$@"
EOF
build() {
    out=$1
    module=$2
    shift 2
    sh "$tmp/build.sh" "$out" "$module" "$dest$prefix" "$dest$pkgconfigdir" \
        "$bare_path" "$@"
}

host_src=meson-glue/example-host/main.c
standalone_src=meson-glue/example/main.c
for kind in static shared; do
    suffix=$([ $kind = static ] && echo -static)
    run "host mode, $kind: builds with pkg-config swifttce-host$suffix under env -i" \
        build "$tmp/host-$kind" "swifttce-host$suffix" "$host_src" -rdynamic
    run "host mode, $kind: runs under env -i" env -i "$tmp/host-$kind"
    run "standalone, $kind: builds with pkg-config swifttce$suffix under env -i" \
        build "$tmp/standalone-$kind" "swifttce$suffix" "$standalone_src" -rdynamic
    run "standalone, $kind: runs under env -i" env -i "$tmp/standalone-$kind"
done

# What any program linked with -rdynamic exports (main, _start, _edata...).
printf 'int main(void)\n{\n    return 0;\n}\n' >"$tmp/plain.c"
run "a program without SwiftTCE builds the same way" \
    env -i PATH="$bare_path" cc "$tmp/plain.c" -rdynamic -o "$tmp/plain"
# (Less the system libraries' data the program refers to, such as stderr:
# copies of them live in the program, under their versioned names.)
exported() {
    nm -D --defined-only "$1" | awk '$NF !~ /@/ { print $NF }' | sort -u
}
exported "$tmp/plain" >"$tmp/plain.exported"
for prog in host-static standalone-static; do
    exported "$tmp/$prog" | comm -23 - "$tmp/plain.exported" >"$log"
    test ! -s "$log"
    tap $? "$prog, -rdynamic: exports nothing a program without SwiftTCE does not"
    { readelf -d "$tmp/$prog"; ldd "$tmp/$prog"; } >"$tmp/deps" 2>&1
    grep -e "$toolchain" -e swift -e RPATH -e RUNPATH "$tmp/deps" >"$log"
    tap $((! $?)) "$prog: needs nothing of SwiftTCE's or the toolchain's (readelf -d, ldd)"
done

# ---- the archive keeps its runtime to itself --------------------------------
archive=$dest$libdir/libswifttce-host.a
# Names the runtime inside defines (locally), which an emulator may define
# too: the half-float helpers compilers emit, sanitizer hooks, and Swift's
# own entry points.
decoys="__extendhfsf2 __truncsfhf2 __tsan_on_initialize swift_retain \
swift_release swift_allocObject swift_once swift_slowAlloc"
nm "$archive" | awk '{ print $NF }' | sort -u >"$tmp/archive.names"
for name in $decoys; do
    grep -qx "$name" "$tmp/archive.names" || echo "$name is not in the archive"
done >"$log"
test ! -s "$log"
tap $? "the archive defines the decoys' names (locally)"
{
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    for name in $decoys; do
        printf 'void %s(void);\nvoid %s(void)\n{\n    fputs("%s called\\n", stderr);\n    abort();\n}\n' \
            "$name" "$name" "$name"
    done
} >"$tmp/decoy.c"
run "beside an emulator defining $(echo $decoys | wc -w) runtime names: links with -rdynamic" \
    build "$tmp/decoy" swifttce-host-static "$host_src" "$tmp/decoy.c" -rdynamic
run "... and runs without calling one" env -i "$tmp/decoy"
if command -v c++ >/dev/null 2>&1; then
    cat >"$tmp/neighbour.cc" <<'EOF'
#include <vector>
/* An emulator's C++: the std::vector<unsigned> the Swift runtime has too. */
extern "C" unsigned neighbour(void)
{
    std::vector<unsigned> v;
    v.push_back(1u);
    return v.size();
}
EOF
    printf '%s\n' '#include <swifttce/host.h>' 'unsigned neighbour(void);' \
        'int main(void)' '{' \
        '    SwiftTCETable *t = swifttce_table_new(&(SwiftTCEHostOps){ .size = sizeof(SwiftTCEHostOps) }, 0);' \
        '    SwiftTCEMapping m;' \
        '    swifttce_table_enable(t, 12, 0, 16, 0);' \
        '    swifttce_put_tce(t, 0x1000, 0x5000 | SWIFTTCE_TCE_READ);' \
        '    swifttce_translate(t, 0x1000, &m);' \
        '    swifttce_table_free(t);' \
        '    return neighbour() == 1 && m.translated_addr == 0x5000 ? 0 : 1;' \
        '}' >"$tmp/neighbour-main.c"
    c++ -O0 -c "$tmp/neighbour.cc" -o "$tmp/neighbour.o" >"$log" 2>&1 &&
        build "$tmp/neighbour" swifttce-host-static "$tmp/neighbour-main.c" \
            "$tmp/neighbour.o" >>"$log" 2>&1
    tap $? "beside an emulator's C++ (std::vector<unsigned>, -O0): links"
    run "... and runs" env -i "$tmp/neighbour"
else
    tap 0 "# SKIP no C++ compiler for the C++ neighbour"
fi

# ---- with the toolchain hidden ---------------------------------------------
hidden() {
    unshare --mount sh -c '
        mount --make-rprivate / && mount -t tmpfs -o ro swifttce-test "$1" &&
        test -z "$(ls -A "$1")" && shift && "$@"' sh "$toolchain" "$@"
}
if [ "$(id -u)" = 0 ] && hidden true >/dev/null 2>&1; then
    for kind in host standalone; do
        src=$([ $kind = host ] && echo "$host_src" || echo "$standalone_src")
        module=$([ $kind = host ] && echo swifttce-host-static || echo swifttce-static)
        run "$kind, static: links and runs with $toolchain an empty tmpfs" \
            hidden sh -c 'sh "$@" && env -i "$2"' sh "$tmp/build.sh" \
            "$tmp/$kind-hidden" "$module" "$dest$prefix" "$dest$pkgconfigdir" \
            "$bare_path" "$src"
    done
else
    tap 0 "# SKIP not root, or no mount namespace: the toolchain stays visible"
fi

# ---- make uninstall -------------------------------------------------------
run "make uninstall DESTDIR=... (the same directories)" \
    make --no-print-directory uninstall DESTDIR="$dest" $dirs
(cd "$dest" && find . -mindepth 1) >"$log"
test ! -s "$log"
tap $? "uninstall leaves the DESTDIR empty"

# Into a tree that has things already: they stay, and only they.
pre=$tmp/pre
mkdir -p "$pre/usr/lib/pkgconfig" "$pre/usr/include" "$pre/usr/share/doc/other"
echo "not ours" >"$pre/usr/include/other.h"
(cd "$pre" && find . | sort) >"$tmp/pre.before"
run "make install, then uninstall, into a tree with things in it" sh -c '
    make --no-print-directory install DESTDIR="$1" PREFIX=/usr &&
    test -f "$1/usr/lib/libswifttce-host.a" &&
    make --no-print-directory uninstall DESTDIR="$1" PREFIX=/usr' sh "$pre"
(cd "$pre" && find . | sort) | diff "$tmp/pre.before" - >"$log"
tap $? "uninstall leaves what was there before, and nothing more"

echo "1..$n"
exit $failed
