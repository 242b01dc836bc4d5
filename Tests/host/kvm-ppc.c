/*
 * A stand-in for KVM's in-kernel TCE tables (kvm-ppc.h): a memfd per table,
 * mapped twice, QEMU's mapping and the kernel's.
 */
#define _GNU_SOURCE
#include <glib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm-ppc.h"

bool kvm_allowed;
bool kvmppc_cap_spapr_vfio = true;

typedef struct KvmTceTable {
    int fd;
    size_t len;
    void *qemu_view;
    uint64_t *kernel_view;
} KvmTceTable;

static GSList *kvm_tce_tables;

bool kvmppc_has_cap_spapr_vfio(void)
{
    return kvmppc_cap_spapr_vfio;
}

void *kvmppc_create_spapr_tce(uint32_t liobn, uint32_t page_shift,
                              uint64_t bus_offset, uint32_t nb_table,
                              int *pfd, bool need_vfio)
{
    KvmTceTable *kt;
    size_t len = (size_t)nb_table * sizeof(uint64_t);
    int fd;

    *pfd = -1;
    if (!kvm_allowed || (need_vfio && !kvmppc_cap_spapr_vfio) || !len) {
        return NULL;
    }
    fd = memfd_create("kvm-spapr-tce", MFD_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, len), ==, 0);
    kt = g_new0(KvmTceTable, 1);
    kt->fd = fd;
    kt->len = len;
    kt->qemu_view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    kt->kernel_view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                           0);
    g_assert_true(kt->qemu_view != MAP_FAILED &&
                  kt->kernel_view != MAP_FAILED);
    kvm_tce_tables = g_slist_prepend(kvm_tce_tables, kt);
    *pfd = fd;
    return kt->qemu_view;
}

static KvmTceTable *kvm_tce_find_fd(int fd)
{
    GSList *l;

    for (l = kvm_tce_tables; l; l = l->next) {
        if (((KvmTceTable *)l->data)->fd == fd) {
            return l->data;
        }
    }
    return NULL;
}

int kvmppc_remove_spapr_tce(void *table, int fd, uint32_t nb_table)
{
    KvmTceTable *kt = fd < 0 ? NULL : kvm_tce_find_fd(fd);

    if (!kt) {
        return -1;
    }
    g_assert_true(kt->qemu_view == table);
    g_assert_cmpuint(kt->len, ==, (size_t)nb_table * sizeof(uint64_t));
    /* At once, as QEMU does: a read still in it would fault. */
    g_assert_cmpint(munmap(kt->qemu_view, kt->len), ==, 0);
    g_assert_cmpint(munmap(kt->kernel_view, kt->len), ==, 0);
    close(kt->fd);
    kvm_tce_tables = g_slist_remove(kvm_tce_tables, kt);
    g_free(kt);
    return 0;
}

uint64_t *kvm_tce_kernel_view(int fd)
{
    KvmTceTable *kt = kvm_tce_find_fd(fd);

    g_assert_nonnull(kt);
    return kt->kernel_view;
}

int kvm_tce_fd_of(const void *table)
{
    GSList *l;

    for (l = kvm_tce_tables; l; l = l->next) {
        if (((KvmTceTable *)l->data)->qemu_view == table) {
            return ((KvmTceTable *)l->data)->fd;
        }
    }
    return -1;
}

unsigned kvm_tce_tables_live(void)
{
    return g_slist_length(kvm_tce_tables);
}
