#!/bin/sh
# TAP: every declaration in include/ has its comment (tools/headers/
# uncommented.awk), and the check finds one that has none.
set -u
AWK_PROG=$(dirname "$0")/../tools/headers/uncommented.awk
INCLUDE=$(dirname "$0")/../include
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

echo "1..2"
out=$(awk -f "$AWK_PROG" "$INCLUDE"/swifttce.h "$INCLUDE"/swifttce/*.h)
if [ -z "$out" ]; then
    echo "ok 1 - every declaration in include/ has a comment"
else
    echo "$out" | sed 's/^/# /'
    echo "not ok 1 - every declaration in include/ has a comment"
fi

cat >"$TMP/t.h" <<'H'
/* Documented. */
int documented(void);
int grouped(void);

int bare(void);
/* A type. */
typedef struct T T;
typedef int naked_t;
H
out=$(awk -f "$AWK_PROG" "$TMP/t.h")
if [ "$out" = "$TMP/t.h:5: bare" ]; then
    echo "ok 2 - an uncommented declaration is found"
else
    echo "$out" | sed 's/^/# /'
    echo "not ok 2 - an uncommented declaration is found"
fi
