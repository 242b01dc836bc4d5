/*
 * DMA windows on SwiftTCE (spapr.h): the hooks SwiftTCE calls, the region
 * callbacks that call SwiftTCE, the LIOBN list, the TCE hypercalls and the
 * table's migration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spapr.h"

/* ---- What SwiftTCE asks of the emulator (SwiftTCEHostOps) ------------- */

/* An entry was written: tell the region's listeners (VFIO, vhost...). */
static void tce_notify(void *host_table, const SwiftTCEMapping *m)
{
    SpaprTce *tce = host_table;
    McTLBEntry e = { m->iova, m->translated_addr, m->addr_mask, m->perm };

    mc_region_notify(&tce->iommu, &e);
}

/* H_PUT_TCE_INDIRECT's list, read from guest RAM as the guest wrote it. */
static bool tce_read_guest(void *guest, uint64_t gpa, void *buf, size_t len)
{
    Machine *m = guest;

    if (gpa > sizeof(m->ram) || len > sizeof(m->ram) - gpa) {
        return false;         /* reads as zeros, as QEMU's unassigned memory */
    }
    memcpy(buf, m->ram + gpa, len);
    return true;
}

/*
 * Storage a translate may still be reading is freed after a grace period:
 * the emulator's RCU. (Without this hook SwiftTCE tracks readers itself.)
 */
static void tce_defer_free(void (*fn)(void *), void *arg)
{
    mc_call_rcu(fn, arg);
}

static void tce_set_error(void *host_errp, const char *msg)
{
    mc_error_set(host_errp, msg);
}

static const SwiftTCEHostOps tce_ops = {
    .size = sizeof(SwiftTCEHostOps),  /* lets SwiftTCE add hooks later */
    .notify = tce_notify,
    .read_guest = tce_read_guest,
    .defer_free = tce_defer_free,
    .set_error = tce_set_error,
};

/* ---- What the emulator's memory core asks of the IOMMU ----------------- */

static McTLBEntry tce_translate(McIOMMURegion *mr, uint64_t addr)
{
    SpaprTce *tce = mr->opaque;
    SwiftTCEMapping m;

    /*
     * Lock-free and allocation-free; the caller is in an RCU read section.
     * (A host linking the library may use swifttce_lookup_inline instead:
     * the same answer, a flat window's entry read inline.)
     */
    swifttce_translate(tce->table, addr, &m);
    return (McTLBEntry){ m.iova, m.translated_addr, m.addr_mask, m.perm };
}

static void tce_replay_one(void *opaque, const SwiftTCEMapping *m)
{
    McNotifier *n = opaque;
    McTLBEntry e = { m->iova, m->translated_addr, m->addr_mask, m->perm };

    if (e.iova >= n->start && e.iova <= n->end) {
        n->notify(n, &e);
    }
}

/* A new listener learns what is mapped (QEMU: spapr_tce_replay). */
static void tce_replay(McIOMMURegion *mr, McNotifier *n)
{
    SpaprTce *tce = mr->opaque;

    swifttce_replay(tce->table, mr->size, tce_replay_one, n);
}

static const McIOMMUOps tce_iommu_ops = {
    .translate = tce_translate,
    .replay = tce_replay,
};

/* ---- The LIOBN list ---------------------------------------------------- */

SpaprTce *spapr_tce_new(Machine *m, uint32_t liobn)
{
    SpaprTce *tce = calloc(1, sizeof(*tce));

    if (!tce || spapr_tce_find(m, liobn)) {
        free(tce);
        return NULL;
    }
    tce->liobn = liobn;
    tce->table = swifttce_table_new(&tce_ops, tce);
    if (!tce->table) {
        free(tce);
        return NULL;
    }
    mc_region_init(&tce->iommu, "spapr-tce", &tce_iommu_ops, tce);
    tce->next = m->tces;
    m->tces = tce;
    return tce;
}

void spapr_tce_free(Machine *m, SpaprTce *tce)
{
    SpaprTce **p;

    for (p = &m->tces; *p; p = &(*p)->next) {
        if (*p == tce) {
            *p = tce->next;
            break;
        }
    }
    swifttce_table_free(tce->table);  /* its memory goes through mc_call_rcu */
    free(tce);
}

SpaprTce *spapr_tce_find(Machine *m, uint32_t liobn)
{
    SpaprTce *tce;

    for (tce = m->tces; tce; tce = tce->next) {
        if (tce->liobn == liobn) {
            return tce;
        }
    }
    return NULL;
}

/* ---- Hypercalls -------------------------------------------------------- */

/*
 * The emulator finds the table by LIOBN (an unknown one is H_PARAMETER, as
 * in QEMU); SwiftTCE does the rest: QEMU's checks, the writes, a notify per
 * entry written.
 */
int64_t spapr_hypercall(Machine *m, uint64_t opcode, uint64_t *args)
{
    SpaprTce *tce = spapr_tce_find(m, (uint32_t)args[0]);
    SwiftTCETable *t = tce ? tce->table : NULL;

    switch (opcode) {
    case H_PUT_TCE:           /* liobn, ioba, tce */
        return swifttce_put_tce(t, args[1], args[2]);
    case H_GET_TCE: {         /* liobn, ioba; the TCE comes back in r4 */
        uint64_t value;
        int64_t ret = swifttce_get_tce(t, args[1], &value);

        if (ret == SWIFTTCE_H_SUCCESS) {
            args[0] = value;
        }
        return ret;
    }
    case H_PUT_TCE_INDIRECT:  /* liobn, ioba, tce_list, npages */
        return swifttce_put_tce_indirect(t, args[1], args[2], args[3], m);
    case H_STUFF_TCE:         /* liobn, ioba, tce_value, npages */
        return swifttce_stuff_tce(t, args[1], args[2], args[3]);
    }
    return -2;                /* H_FUNCTION */
}

/* ---- Migration --------------------------------------------------------- */

/*
 * The section body QEMU 7.2's "spapr_iommu" vmstate gives (liobn, the
 * entries, bypass, def_win, the "spapr_iommu_ex" subsection): SwiftTCE
 * writes it whole; the emulator frames it in its own stream.
 */
size_t spapr_tce_save(Machine *m, SpaprTce *tce, uint8_t **buf)
{
    size_t size = swifttce_table_vmstate_save(tce->table, tce->liobn, tce->bypass,
                                              tce->def_win, NULL, 0, &m->err);

    *buf = size ? malloc(size) : NULL;
    if (!*buf) {
        return 0;
    }
    return swifttce_table_vmstate_save(tce->table, tce->liobn, tce->bypass,
                                       tce->def_win, *buf, size, &m->err);
}

/* Version 3: with def_win (QEMU 7.2's). Nothing changes on a refusal. */
int spapr_tce_load(Machine *m, SpaprTce *tce, const uint8_t *buf, size_t len)
{
    int ret = swifttce_table_vmstate_load(tce->table, tce->liobn, 3, buf, len,
                                          &tce->bypass, &tce->def_win,
                                          NULL, &m->err);

    if (ret < 0) {
        return ret;
    }
    /*
     * The region takes the loaded window's size (QEMU's post_load region
     * work; a SwiftTCELoadResult says what changed, for traces).
     */
    mc_region_set_size(&tce->iommu, (uint64_t)swifttce_table_nb_table(tce->table)
                                        << swifttce_table_page_shift(tce->table));
    return 0;
}
