/*
 * What a notifier is told, recorded, and compared: shared by the tests of
 * both worlds, the standalone library's (Tests/, QEMU's names over
 * swifttce.h's memory core) and the QEMU-shaped host's (Tests/host/, its
 * own memory core). Both spell QEMU's memory API alike, so this header
 * uses it as it finds it: include it after swifttce.h or qemu-memory.h.
 *
 * A world's oracle for replay, QEMU's generic walk, is a region of its own
 * with no replay hook over the table's translate (built as that world
 * builds regions); replay_entries records what replaying either region
 * gives, and assert_tlb_entries_eq holds one to the other.
 */
#ifndef SWIFTTCE_TESTS_IOMMU_RECORD_H
#define SWIFTTCE_TESTS_IOMMU_RECORD_H

#include <glib.h>
#include <stddef.h>

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/* A notifier that records a copy of every entry it is given. */
typedef struct Recorder {
    IOMMUNotifier n;
    GArray *entries;   /* of IOMMUTLBEntry, as they came */
} Recorder;

static inline void recorder_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    g_array_append_val(container_of(n, Recorder, n)->entries, *entry);
}

/* A recorder of flags events over [start, end], not registered yet. */
static inline void recorder_init(Recorder *rec, IOMMUNotifierFlag flags,
                                 hwaddr start, hwaddr end, int iommu_idx)
{
    iommu_notifier_init(&rec->n, recorder_notify, flags, start, end,
                        iommu_idx);
    rec->entries = g_array_new(FALSE, TRUE, sizeof(IOMMUTLBEntry));
}

static inline void recorder_clear(Recorder *rec)
{
    g_array_set_size(rec->entries, 0);
}

static inline void recorder_destroy(Recorder *rec)
{
    g_array_free(rec->entries, TRUE);
    rec->entries = NULL;
}

static inline IOMMUTLBEntry *recorder_entry(Recorder *rec, guint i)
{
    g_assert_cmpuint(i, <, rec->entries->len);
    return &g_array_index(rec->entries, IOMMUTLBEntry, i);
}

static inline IOMMUTLBEntry test_entry(hwaddr iova, hwaddr translated_addr,
                                       hwaddr addr_mask,
                                       IOMMUAccessFlags perm)
{
    IOMMUTLBEntry e = {
        .target_as = NULL,
        .iova = iova,
        .translated_addr = translated_addr,
        .addr_mask = addr_mask,
        .perm = perm,
    };
    return e;
}

/* Field by field: the struct has tail padding, so no memcmp. */
static inline void assert_tlb_entry_eq(const IOMMUTLBEntry *a,
                                       const IOMMUTLBEntry *b)
{
    g_assert_true(a->target_as == b->target_as);
    g_assert_cmphex(a->iova, ==, b->iova);
    g_assert_cmphex(a->translated_addr, ==, b->translated_addr);
    g_assert_cmphex(a->addr_mask, ==, b->addr_mask);
    g_assert_cmpint(a->perm, ==, b->perm);
}

/* Two arrays of IOMMUTLBEntry: the same entries in the same order. */
static inline void assert_tlb_entries_eq(GArray *a, GArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++) {
        assert_tlb_entry_eq(&g_array_index(a, IOMMUTLBEntry, i),
                            &g_array_index(b, IOMMUTLBEntry, i));
    }
}

/*
 * What memory_region_iommu_replay tells a recorder of flags events over
 * every address: a new array of IOMMUTLBEntry (free it with g_array_free).
 */
static inline GArray *replay_entries(IOMMUMemoryRegion *mr,
                                     IOMMUNotifierFlag flags)
{
    Recorder rec;

    recorder_init(&rec, flags, 0, HWADDR_MAX, 0);
    memory_region_iommu_replay(mr, &rec.n);
    return rec.entries;
}

#endif /* SWIFTTCE_TESTS_IOMMU_RECORD_H */
