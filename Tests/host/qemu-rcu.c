/*
 * RCU for qemu-rcu.h: QEMU's scheme with a counter per reader thread.
 *
 * rcu_gp_ctr is the grace-period counter (odd, so that a reader's copy of
 * it is never 0). A reader entering its outermost section copies it into
 * its own ctr; leaving, it stores 0. synchronize_rcu advances the counter
 * and waits for every reader whose ctr is neither 0 nor the new value:
 * those began before and may still hold what the writer unpublished. All
 * of it is sequentially consistent atomics, so that a reader's store of its
 * ctr and its loads of RCU pointers are ordered against the writer's
 * unpublishing store and its loads of the ctrs.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <glib.h>

#include "qemu-queue.h"
#include "qemu-rcu.h"

#define RCU_GP_CTR_STEP 2

typedef struct RCUReaderData {
    atomic_ulong ctr;
    unsigned depth;         /* nesting; only the owning thread uses it */
    QLIST_ENTRY(RCUReaderData) node;
} RCUReaderData;

static atomic_ulong rcu_gp_ctr = 1;
static __thread RCUReaderData rcu_reader;
/* The registered readers; held by synchronize_rcu while it waits. */
static pthread_mutex_t rcu_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static QLIST_HEAD(, RCUReaderData) rcu_registry =
    QLIST_HEAD_INITIALIZER(rcu_registry);

void rcu_register_thread(void)
{
    pthread_mutex_lock(&rcu_registry_lock);
    QLIST_INSERT_HEAD(&rcu_registry, &rcu_reader, node);
    pthread_mutex_unlock(&rcu_registry_lock);
}

void rcu_unregister_thread(void)
{
    pthread_mutex_lock(&rcu_registry_lock);
    QLIST_REMOVE(&rcu_reader, node);
    pthread_mutex_unlock(&rcu_registry_lock);
}

void rcu_read_lock(void)
{
    if (rcu_reader.depth++ > 0) {
        return;
    }
    atomic_store(&rcu_reader.ctr, atomic_load(&rcu_gp_ctr));
}

void rcu_read_unlock(void)
{
    g_assert(rcu_reader.depth > 0);
    if (--rcu_reader.depth > 0) {
        return;
    }
    atomic_store(&rcu_reader.ctr, 0);
}

static bool rcu_gp_ongoing(RCUReaderData *reader, unsigned long gp)
{
    unsigned long ctr = atomic_load(&reader->ctr);

    return ctr != 0 && ctr != gp;
}

void synchronize_rcu(void)
{
    RCUReaderData *reader;
    unsigned long gp;

    /* Never from inside a read-side section: it would wait for itself. */
    g_assert(rcu_reader.depth == 0);
    pthread_mutex_lock(&rcu_registry_lock);
    gp = atomic_fetch_add(&rcu_gp_ctr, RCU_GP_CTR_STEP) + RCU_GP_CTR_STEP;
    QLIST_FOREACH(reader, &rcu_registry, node) {
        while (rcu_gp_ongoing(reader, gp)) {
            sched_yield();
        }
    }
    pthread_mutex_unlock(&rcu_registry_lock);
}

/* ---- call_rcu: one thread runs the callbacks, a batch per grace period */

static pthread_mutex_t rcu_call_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rcu_call_cond = PTHREAD_COND_INITIALIZER;
static struct rcu_head *rcu_call_queue;      /* newest first */
static unsigned long rcu_call_queued, rcu_call_done;

static void *call_rcu_thread(void *opaque)
{
    (void)opaque;
    pthread_mutex_lock(&rcu_call_lock);
    for (;;) {
        struct rcu_head *batch, *next, *oldest = NULL;
        unsigned long n = 0;

        while (!rcu_call_queue) {
            pthread_cond_wait(&rcu_call_cond, &rcu_call_lock);
        }
        batch = rcu_call_queue;
        rcu_call_queue = NULL;
        pthread_mutex_unlock(&rcu_call_lock);

        /* Oldest first, as they were queued. */
        for (; batch; batch = next) {
            next = batch->next;
            batch->next = oldest;
            oldest = batch;
        }
        synchronize_rcu();
        for (; oldest; oldest = next, n++) {
            next = oldest->next;
            oldest->func(oldest);
        }

        pthread_mutex_lock(&rcu_call_lock);
        rcu_call_done += n;
        pthread_cond_broadcast(&rcu_call_cond);
    }
    return NULL;
}

void call_rcu1(struct rcu_head *head, RCUCBFunc *func)
{
    head->func = func;
    pthread_mutex_lock(&rcu_call_lock);
    head->next = rcu_call_queue;
    rcu_call_queue = head;
    rcu_call_queued++;
    pthread_cond_broadcast(&rcu_call_cond);
    pthread_mutex_unlock(&rcu_call_lock);
}

void drain_call_rcu(void)
{
    pthread_mutex_lock(&rcu_call_lock);
    /* A callback that queues another counts it before it counts itself. */
    while (rcu_call_done != rcu_call_queued) {
        pthread_cond_wait(&rcu_call_cond, &rcu_call_lock);
    }
    pthread_mutex_unlock(&rcu_call_lock);
}

/* As QEMU's rcu_init: the main thread reads too, and the thread starts. */
static void __attribute__((constructor)) rcu_init(void)
{
    pthread_t thread;
    pthread_attr_t attr;
    int err;

    rcu_register_thread();
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&thread, &attr, call_rcu_thread, NULL);
    if (err) {
        g_error("call_rcu thread: %s", g_strerror(err));
    }
    pthread_attr_destroy(&attr);
}
