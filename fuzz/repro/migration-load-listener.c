/* A load that enables or disables a PHB window does not tell the PHB's
 * window listener (QEMU's post_load adds/removes the window's region, which
 * VFIO's listener sees). */
#include <stdio.h>
#include <stdlib.h>
#include "swifttce.h"

static int announced;

static void listener(void *opaque, SpaprPhb *phb, SpaprTceTable *t, bool added)
{
    (void)opaque; (void)phb;
    announced++;
    printf("  listener: 0x%x %s\n", spapr_tce_get_liobn(t), added ? "added" : "removed");
}

int main(void)
{
    SpaprPhbConfig c;
    SpaprPhb *src, *dst;
    uint64_t buid;
    uint32_t a[5], r[4];
    uint8_t *s1;
    size_t n1;

    spapr_phb_config_default(&c, 0);
    src = spapr_phb_new(&c, NULL);
    buid = spapr_phb_get_buid(src);
    a[0] = 0; a[1] = buid >> 32; a[2] = (uint32_t)buid; a[3] = 16; a[4] = 40;
    rtas_ibm_create_pe_dma_window(5, a, 4, r);     /* window 1 at 2^59 */
    spapr_h_put_tce(r[1], 0x800000000000000ULL, 0x1230003);
    n1 = spapr_tce_table_save(spapr_phb_get_window(src, 1), NULL, 0);
    s1 = malloc(n1);
    spapr_tce_table_save(spapr_phb_get_window(src, 1), s1, n1);
    spapr_phb_free(src);

    dst = spapr_phb_new(&c, NULL);
    spapr_phb_set_window_listener(dst, listener, NULL);
    printf("load window 1: %d\n",
           spapr_tce_table_load(spapr_phb_get_window(dst, 1), s1, n1, NULL));
    printf("window 1 nb_table %u, listener calls during load: %d\n",
           spapr_tce_get_nb_table(spapr_phb_get_window(dst, 1)), announced);
    spapr_phb_free(dst);
    free(s1);
    return 0;
}
