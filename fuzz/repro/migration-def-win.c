/* def_win is not migrated: a created window 0 becomes "default" on the
 * destination, so removing it no longer restores the default window. */
#include <stdio.h>
#include <stdlib.h>
#include "swifttce.h"

static void remove_win(uint32_t liobn)
{
    uint32_t a[1] = { liobn }, r[1];
    rtas_ibm_remove_pe_dma_window(1, a, 1, r);
    printf("  remove 0x%x -> %d\n", liobn, (int)r[0]);
}

static void create_win(SpaprPhb *p, uint32_t ps, uint32_t ws)
{
    uint64_t buid = spapr_phb_get_buid(p);
    uint32_t a[5] = { 0, buid >> 32, (uint32_t)buid, ps, ws }, r[4];
    rtas_ibm_create_pe_dma_window(5, a, 4, r);
    printf("  create -> %d liobn 0x%x\n", (int)r[0], r[1]);
}

static void show(const char *who, SpaprPhb *p)
{
    for (int n = 0; n < 2; n++) {
        SpaprTceTable *t = spapr_phb_get_window(p, n);
        printf("  %s window %d: nb_table %u shift %u bus 0x%llx\n", who, n,
               spapr_tce_get_nb_table(t), spapr_tce_get_page_shift(t),
               (unsigned long long)spapr_tce_get_bus_offset(t));
    }
}

int main(void)
{
    SpaprPhbConfig c;
    SpaprPhb *src, *dst;
    uint8_t *s0, *s1;
    size_t n0, n1;

    /* Source: guest removes the default window and creates its own. */
    spapr_phb_config_default(&c, 0);
    src = spapr_phb_new(&c, NULL);
    remove_win(SPAPR_PCI_LIOBN(0, 0));
    create_win(src, 16, 30);                 /* window 0, not default */
    n0 = spapr_tce_table_save(spapr_phb_get_window(src, 0), NULL, 0);
    n1 = spapr_tce_table_save(spapr_phb_get_window(src, 1), NULL, 0);
    s0 = malloc(n0); s1 = malloc(n1);
    spapr_tce_table_save(spapr_phb_get_window(src, 0), s0, n0);
    spapr_tce_table_save(spapr_phb_get_window(src, 1), s1, n1);

    printf("source, guest removes its window:\n");
    remove_win(SPAPR_PCI_LIOBN(0, 0));
    show("source", src);
    spapr_phb_free(src);

    /* Destination: same PHB, fresh, loads both windows. */
    dst = spapr_phb_new(&c, NULL);
    printf("load: %d %d\n",
           spapr_tce_table_load(spapr_phb_get_window(dst, 0), s0, n0, NULL),
           spapr_tce_table_load(spapr_phb_get_window(dst, 1), s1, n1, NULL));
    printf("destination, guest removes its window:\n");
    remove_win(SPAPR_PCI_LIOBN(0, 0));
    show("destination", dst);
    spapr_phb_free(dst);
    free(s0); free(s1);
    return 0;
}
