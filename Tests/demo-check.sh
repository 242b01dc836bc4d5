#!/bin/sh
# The example emulator as a test: `make demo` (meson through meson-glue),
# then more runs with other window sizes, page sizes and mapping counts.
# The demo's exit status is its own verdict: container state == table state,
# every buffer as the guest left it, and the frame scanned out through
# translate == the guest's framebuffer. Output is TAP.
set -u

root=$(cd "$(dirname "$0")/.." && pwd -P)
demo="$root/build/demo-build/pseries-demo"
log=$(mktemp "${TMPDIR:-/tmp}/swifttce-demo.XXXXXX") || exit 1
trap 'rm -f "$log" "$log.png"' EXIT INT TERM
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
n=0
failed=0

tap() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
        tail -n 20 "$log" | sed 's/^/# /'
    fi
}

make -C "$root" --no-print-directory demo >"$log" 2>&1
tap $? "make demo builds through meson-glue and runs"
grep -q 'state == table state: yes' "$log"
tap $? "the report says container state == table state"
grep -q 'swifttce found: YES.*overridden' \
    "$root/build/demo-build/meson-logs/meson-log.txt"
tap $? "swifttce came from the meson-glue subproject"
head -c 8 "$root/build/demo/frame.png" 2>/dev/null | od -An -c | grep -q 'P   N   G'
tap $? "build/demo/frame.png is a PNG"
sed -n '/^pseries-demo:/,$p' "$log" | sed 's/^/# /'

# Warning-free (-Wall -Wextra -Werror) with both compilers, whichever one
# make demo used: one meson build dir each, configured once.
for cc in gcc clang; do
    dir="$root/build/demo-$cc"
    if [ ! -f "$dir/build.ninja" ]; then
        CC=$cc meson setup --force-fallback-for=swifttce "$dir" "$root/demo" \
            >"$log" 2>&1
    fi
    meson compile -C "$dir" >"$log" 2>&1 &&
        grep -q "C compiler for the host machine: $cc " "$dir/meson-logs/meson-log.txt"
    tap $? "the demo builds with $cc, warnings as errors"
done

"$demo" --help >"$log" 2>&1 && grep -q -- '--window-size' "$log"
tap $? "pseries-demo --help"

for args in "-w 1T -p 4K -n 1000" "-w 64G -p 16M -n 8" "-w 256T -p 2M -n 5000" \
            "-w 128T -p 64K -n 1"; do
    "$demo" $args -o "$log.png" >"$log" 2>&1
    tap $? "pseries-demo $args"
done
"$demo" -w 128T -p 4K -o "$log.png" >"$log" 2>&1
test $? = 1 && grep -q 'create-pe-dma-window.*status -1' "$log"
tap $? "2^35 TCEs of 4 KiB are refused by ibm,create-pe-dma-window"
"$demo" -w 3G >"$log" 2>&1
test $? = 2
tap $? "a window size that is not a power of two is a usage error"

echo "1..$n"
exit $failed
