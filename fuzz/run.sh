#!/bin/sh
# fuzz/run.sh HARNESS SECONDS [libFuzzer options...]: runs one harness built
# by make fuzz-build for SECONDS on its committed seeds (fuzz/corpus/HARNESS,
# read only) plus what earlier runs found (build/fuzz/corpus/HARNESS, where
# new inputs go). Crashes go to build/fuzz/artifacts/, the log to
# build/fuzz/logs/HARNESS.log. Exit status: libFuzzer's (0: no crash).
set -u
h=$1
secs=$2
shift 2
dir=build/fuzz
mkdir -p "$dir/corpus/$h" "$dir/artifacts" "$dir/logs" "fuzz/corpus/$h"
dict=
[ -f "fuzz/$h.dict" ] && dict="-dict=fuzz/$h.dict"
log="$dir/logs/$h.log"
echo "fuzz: $h for ${secs}s"
# halt/abort on the first sanitizer report: libFuzzer saves the input.
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"$dir/bin/$h" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
    -rss_limit_mb=2048 $dict -artifact_prefix="$dir/artifacts/$h-" "$@" \
    "$dir/corpus/$h" "fuzz/corpus/$h" >"$log" 2>&1
status=$?
if [ $status -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz: $h FAILED (status $status, log $log)"
    exit $status
fi
grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" |
    sed "s/^/fuzz: $h /"
