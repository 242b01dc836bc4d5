/*
 * Host mode through meson: a guest maps two pages of a 1 TiB window, a
 * newly attached listener is replayed what is mapped, a device translates.
 */
#include <inttypes.h>
#include <stdio.h>

#include <swifttce/host.h>

/* The replayed entries, as a listener attached late would see them. */
static void count_mapping(void *opaque, const SwiftTCEMapping *m)
{
    unsigned *n = opaque;

    printf("replay: iova 0x%" PRIx64 " -> 0x%" PRIx64 "\n", m->iova,
           m->translated_addr);
    (*n)++;
}

int main(void)
{
    static const SwiftTCEHostOps ops = { .size = sizeof(SwiftTCEHostOps) };
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    SwiftTCEMapping m;
    unsigned replayed = 0;

    /* 2^24 entries of 64 KiB: bigger than a flat array, a sparse tree. */
    if (!t || swifttce_table_enable(t, 16, 0, 1u << 24, NULL) < 0) {
        return 1;
    }
    if (swifttce_put_tce(t, 3 * 0x10000, 0x120000 | SWIFTTCE_TCE_READ) !=
            SWIFTTCE_H_SUCCESS ||
        swifttce_put_tce(t, 0xfff0000, 0x340000 | SWIFTTCE_TCE_READ |
                         SWIFTTCE_TCE_WRITE) != SWIFTTCE_H_SUCCESS) {
        return 1;
    }
    swifttce_replay(t, UINT64_MAX, count_mapping, &replayed);
    swifttce_translate(t, 3 * 0x10000 + 0x42, &m);
    printf("0x30042 -> 0x%" PRIx64 " perm %u, %zu bytes of table\n",
           m.translated_addr | (0x42 & m.addr_mask), m.perm,
           swifttce_table_storage_bytes(t));
    swifttce_table_free(t);
    return replayed == 2 && m.translated_addr == 0x120000 &&
           m.perm == SWIFTTCE_TCE_READ ? 0 : 1;
}
