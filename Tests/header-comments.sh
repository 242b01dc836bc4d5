#!/bin/sh
# TAP: every declaration in include/ has its comment (tools/headers/
# uncommented.awk), and the check finds one that has none; host.h's
# comments are kernel-doc, QEMU's form (tools/headers/kerneldoc.awk: name,
# each parameter or member, Returns), and that check finds what is missing.
set -u
AWK_PROG=$(dirname "$0")/../tools/headers/uncommented.awk
KERNELDOC=$(dirname "$0")/../tools/headers/kerneldoc.awk
INCLUDE=$(dirname "$0")/../include
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# expect N DESCRIPTION GOT WANT: test N passes when GOT is WANT; else what
# it got is shown.
expect() {
    if [ "$3" = "$4" ]; then
        echo "ok $1 - $2"
    else
        echo "$3" | sed 's/^/# /'
        echo "not ok $1 - $2"
    fi
}

echo "1..4"
expect 1 "every declaration in include/ has a comment" \
    "$(awk -f "$AWK_PROG" "$INCLUDE"/swifttce.h "$INCLUDE"/swifttce/*.h)" ""

cat >"$TMP/t.h" <<'H'
/* Documented. */
int documented(void);
int grouped(void);

int bare(void);
/* A type. */
typedef struct T T;
typedef int naked_t;
H
expect 2 "an uncommented declaration is found" \
    "$(awk -f "$AWK_PROG" "$TMP/t.h")" "$TMP/t.h:5: bare"

expect 3 "host.h: every function and struct has its kernel-doc comment" \
    "$(awk -f "$KERNELDOC" "$INCLUDE"/swifttce/host.h)" ""

cat >"$TMP/k.h" <<'H'
/**
 * good: all there
 *
 * @a: one
 * @fn: a hook
 *
 * Returns: a value.
 */
int good(int a, void (*fn)(void *opaque));

/**
 * noreturns: no Returns
 *
 * @a: one
 */
int noreturns(int a);

/**
 * noparam: @b missing
 *
 * @a: one
 */
void noparam(int a, int b);

/* Not kernel-doc. */
void plain(void);

/**
 * othername: about something else
 */
void named(void);

/**
 * S: a struct
 *
 * @x: one
 */
typedef struct S {
    int x;
    /* y's comment, which is no documentation of it. */
    void (*y)(int z);
} S;
H
# The checker looks at swifttce_ functions: name the samples so.
sed 's/^\(int\|void\) /&swifttce_/; s/^ \* \(good\|noreturns\|noparam\|othername\): / * swifttce_\1: /' "$TMP/k.h" >"$TMP/k2.h"
want="16: swifttce_noreturns: no Returns:
23: swifttce_noparam: no @b:
26: swifttce_plain: no kernel-doc comment right before it
31: swifttce_named: its comment does not start \"swifttce_named: \"
38: S: no @y:"
expect 4 "kernel-doc: a missing comment, name, parameter, member or Returns is found" \
    "$(awk -f "$KERNELDOC" "$TMP/k2.h" | sed "s|$TMP/k2.h:||")" "$want"
