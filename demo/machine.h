/*
 * pseries-demo: the machine. Guest RAM, one PCI host bridge with its DMA
 * windows, and the two ways a guest reaches them: hypercalls and RTAS.
 */
#ifndef PSERIES_DEMO_MACHINE_H
#define PSERIES_DEMO_MACHINE_H

#include <glib.h>
#include <swifttce.h>

typedef struct PseriesMachine {
    uint8_t *ram;
    uint64_t ram_size;
    SpaprPhb *phb;
    /* How the library reads guest memory (H_PUT_TCE_INDIRECT's list). */
    SpaprGuestMemory mem;
    /* What the guest asked of the machine. */
    unsigned hcalls;
    unsigned hcalls_failed;
    unsigned rtas_calls;
} PseriesMachine;

/* The DMA page sizes the machine's PHB offers: bit n set for 2^n bytes. */
uint64_t machine_page_sizes(void);

PseriesMachine *machine_new(uint64_t ram_size, GError **errp);
void machine_free(PseriesMachine *m);

/* Guest RAM at [gpa, gpa + len), or NULL when outside RAM. */
void *machine_ram_ptr(PseriesMachine *m, hwaddr gpa, uint64_t len);

/* The hypercall path: args are the guest's r4..r7, as in QEMU. */
int64_t machine_hcall(PseriesMachine *m, uint64_t opcode, uint64_t *args);

/* The RTAS path, by service name (the guest's token lookup). */
void machine_rtas(PseriesMachine *m, const char *service, uint32_t nargs,
                  const uint32_t *args, uint32_t nret, uint32_t *rets);

/* The enabled window that contains a bus address, or NULL. */
SpaprTceTable *machine_window_for(PseriesMachine *m, uint64_t bus_addr);

#endif /* PSERIES_DEMO_MACHINE_H */
