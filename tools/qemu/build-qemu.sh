#!/bin/sh
# build-qemu.sh: `make qemu`. Debian bookworm's QEMU 7.2 with the SwiftTCE
# series (qemu/*.patch) in $QEMU_OUT/src, built against this repository's
# SwiftTCE into $QEMU_OUT/build/qemu-system-ppc64. Each step is its own
# script and is incremental: qemu-deps.sh (apt), qemu-source.sh (apt-get
# source, git am), qemu-build.sh (configure, ninja, firmware).
set -eu
OUT=${QEMU_OUT:-build/qemu}
TOOLS=$(dirname "$0")
t0=$(date +%s)
# the deb-src entry matters only while the source is still to be fetched
if [ -d "$OUT/src/.git" ]; then "$TOOLS/qemu-deps.sh"; else "$TOOLS/qemu-deps.sh" --source; fi
"$TOOLS/qemu-source.sh"
"$TOOLS/qemu-build.sh"
echo "build-qemu: done in $(( $(date +%s) - t0 )) s"
