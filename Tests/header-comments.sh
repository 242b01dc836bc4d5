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

echo "1..4"
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

out=$(awk -f "$KERNELDOC" "$INCLUDE"/swifttce/host.h)
if [ -z "$out" ]; then
    echo "ok 3 - host.h: every function and struct has its kernel-doc comment"
else
    echo "$out" | sed 's/^/# /'
    echo "not ok 3 - host.h: every function and struct has its kernel-doc comment"
fi

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
out=$(awk -f "$KERNELDOC" "$TMP/k2.h" | sed "s|$TMP/k2.h:||")
want="16: swifttce_noreturns: no Returns:
23: swifttce_noparam: no @b:
26: swifttce_plain: no kernel-doc comment right before it
31: swifttce_named: its comment does not start \"swifttce_named: \"
38: S: no @y:"
if [ "$out" = "$want" ]; then
    echo "ok 4 - kernel-doc: a missing comment, name, parameter, member or Returns is found"
else
    echo "$out" | sed 's/^/# /'
    echo "not ok 4 - kernel-doc: a missing comment, name, parameter, member or Returns is found"
fi
