/*
 * Checks every test uses: an Error that says something, and random numbers
 * from a seed the log shows.
 */
#ifndef SWIFTTCE_TESTS_CHECKS_H
#define SWIFTTCE_TESTS_CHECKS_H

#include <glib.h>
#include <string.h>

#include "swifttce.h"

/* errp holds an Error with a non-empty message; frees it and clears errp. */
static inline void assert_error_set(Error **errp)
{
    const char *msg;

    g_assert_nonnull(*errp);
    msg = error_get_pretty(*errp);
    g_assert_nonnull(msg);
    g_assert_cmpuint(strlen(msg), >, 0);
    g_test_message("error (expected): %s", msg);
    error_free(*errp);
    *errp = NULL;
}

/* A fixed seed, printed so that a failure can be reproduced. */
static inline GRand *test_rand_new(guint32 seed)
{
    g_test_message("random seed: %" G_GUINT32_FORMAT, seed);
    return g_rand_new_with_seed(seed);
}

static inline guint64 test_rand_u64(GRand *r)
{
    return ((guint64)g_rand_int(r) << 32) | g_rand_int(r);
}

#endif /* SWIFTTCE_TESTS_CHECKS_H */
