# TAP for the shell tests, sourced by each: `tap STATUS DESCRIPTION [FILE]`
# counts a test and prints its line; on failure it shows the last lines of
# FILE, or of $tap_log when the script set one. The script ends with
#   echo "1..$n"; exit $failed
n=0
failed=0
tap_log=

tap() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
        shown=${3:-$tap_log}
        if [ -n "$shown" ]; then
            tail -n 30 "$shown" | sed 's/^/# /'
        fi
    fi
}
