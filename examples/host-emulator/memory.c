/* The emulator's memory core (memory.h): nothing here knows of SwiftTCE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

void mc_region_init(McIOMMURegion *mr, const char *name,
                    const McIOMMUOps *ops, void *opaque)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->ops = ops;
    mr->opaque = opaque;
}

void mc_region_set_size(McIOMMURegion *mr, uint64_t size)
{
    mr->size = size;
}

void mc_region_add_notifier(McIOMMURegion *mr, McNotifier *n)
{
    n->next = mr->notifiers;
    mr->notifiers = n;
    if (mr->ops->replay) {
        mr->ops->replay(mr, n);
    }
}

void mc_region_del_notifier(McIOMMURegion *mr, McNotifier *n)
{
    McNotifier **p;

    for (p = &mr->notifiers; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            return;
        }
    }
}

void mc_region_notify(McIOMMURegion *mr, const McTLBEntry *e)
{
    McNotifier *n;

    for (n = mr->notifiers; n; n = n->next) {
        if (e->iova >= n->start && e->iova <= n->end) {
            n->notify(n, e);
        }
    }
}

McTLBEntry mc_dma_translate(McIOMMURegion *mr, uint64_t addr)
{
    McTLBEntry e;

    mc_rcu_read_lock();
    e = mr->ops->translate(mr, addr);
    mc_rcu_read_unlock();
    return e;
}

/* ---- RCU ------------------------------------------------------------- */

typedef struct McRcuItem {
    void (*fn)(void *);
    void *arg;
    struct McRcuItem *next;
} McRcuItem;

static unsigned rcu_readers;
static McRcuItem *rcu_queue;

void mc_rcu_read_lock(void)
{
    rcu_readers++;
}

void mc_rcu_read_unlock(void)
{
    rcu_readers--;
}

void mc_call_rcu(void (*fn)(void *), void *arg)
{
    McRcuItem *item = malloc(sizeof(*item));

    if (!item) {
        /* No memory to queue with: a real emulator would wait for readers. */
        abort();
    }
    item->fn = fn;
    item->arg = arg;
    item->next = rcu_queue;
    rcu_queue = item;
}

unsigned mc_rcu_quiescent(void)
{
    unsigned ran = 0;

    while (rcu_readers == 0 && rcu_queue) {
        McRcuItem *item = rcu_queue;

        rcu_queue = item->next;
        item->fn(item->arg);
        free(item);
        ran++;
    }
    return ran;
}

unsigned mc_rcu_pending(void)
{
    unsigned n = 0;
    McRcuItem *item;

    for (item = rcu_queue; item; item = item->next) {
        n++;
    }
    return n;
}

void mc_error_set(McError *errp, const char *msg)
{
    if (errp) {
        snprintf(errp->msg, sizeof(errp->msg), "%s", msg);
    }
}
