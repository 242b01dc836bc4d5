# What a development install holds, for install-check.sh and deb-check.sh
# (sourced; $root is the package): `dev_files INCLUDEDIR LIBDIR
# PKGCONFIGDIR` prints the headers, the archives, the .so links and the
# .pc files where those directories put them, one path a line.
dev_files() {
    echo "$1/swifttce.h"
    for h in "$root"/include/swifttce/*.h; do
        echo "$1/swifttce/$(basename "$h")"
    done
    for lib in libswifttce libswifttce-host; do
        echo "$2/$lib.a"
        echo "$2/$lib.so"
    done
    for m in swifttce swifttce-static swifttce-host swifttce-host-static; do
        echo "$3/$m.pc"
    done
}
