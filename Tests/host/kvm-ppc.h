/*
 * The parts of QEMU 7.2's target/ppc/kvm_ppc.h that sPAPR TCE tables use,
 * with a stand-in for the kernel: kvmppc_create_spapr_tce gives what KVM's
 * KVM_CREATE_SPAPR_TCE_64 fd gives QEMU, a shared mapping of nb_table
 * host-endian TCEs, here over a memfd. The stand-in keeps a second mapping
 * of each table, the kernel's view, which tests write as KVM's in-kernel
 * H_PUT_TCE does (behind the engine's back) and read to see what QEMU's
 * mapping wrote.
 */
#ifndef KVM_PPC_H
#define KVM_PPC_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's kvm_enabled(): off unless a test turns the stand-in on. */
extern bool kvm_allowed;
static inline bool kvm_enabled(void)
{
    return kvm_allowed;
}

/* KVM_CAP_SPAPR_TCE_VFIO: the kernel's tables may be VFIO's too. */
extern bool kvmppc_cap_spapr_vfio;
bool kvmppc_has_cap_spapr_vfio(void);

/*
 * QEMU's: the table's mapping and *pfd, or NULL (and *pfd -1) when KVM
 * cannot hold it (off, or need_vfio without the capability).
 */
void *kvmppc_create_spapr_tce(uint32_t liobn, uint32_t page_shift,
                              uint64_t bus_offset, uint32_t nb_table,
                              int *pfd, bool need_vfio);
/* QEMU's: unmaps and closes a table; 0, or -1 for fd -1. */
int kvmppc_remove_spapr_tce(void *table, int pfd, uint32_t nb_table);

/* ---- The stand-in's kernel side ---------------------------------------- */

/* The kernel's view of the table of fd: its entries, host-endian. */
uint64_t *kvm_tce_kernel_view(int fd);
/* The fd of the table QEMU maps at table (-1 when none); how many live. */
int kvm_tce_fd_of(const void *table);
unsigned kvm_tce_tables_live(void);

#endif /* KVM_PPC_H */
