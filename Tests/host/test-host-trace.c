/*
 * Real QEMU 7.2 traces (every .trace in Tests/traces/, and
 * Tests/vmstate/migrate-16m.trace)
 * replayed on the QEMU-shaped host: each hypercall, DDW call and migration
 * the trace shows is made again on a machine of the trace's shape, and the
 * host must print the trace's lines, in the trace's order (table pointers
 * aside, and but for the xlate lines, which come from devices, not calls).
 *
 * What a line does not say is taken from the line's effect: a stuff's first
 * page from where it stopped, an indirect's list from its last entry (the
 * others are the same TCE: no later call depends on them).
 */
#include <stdio.h>

#include "host-test.h"
#include "qemu-savevm.h"

typedef struct Replay {
    HostMachine m;
    GPtrArray *want;        /* the trace's lines, normalised, xlate left out */
    GPtrArray *printed;     /* what the host printed */
    guint next_call;        /* the first line not made again yet */
    unsigned calls;
} Replay;

static uint64_t log2_exact(uint64_t v)
{
    g_assert_true(v && !(v & (v - 1)));
    return __builtin_ctzll(v);
}

static void replay_put(Replay *r, const char *fields)
{
    uint64_t liobn, ioba, tce;
    int64_t ret;

    g_assert_cmpint(sscanf(fields, "liobn=0x%" SCNx64 " ioba=0x%" SCNx64
                           " tce=0x%" SCNx64 " ret=%" SCNd64, &liobn, &ioba,
                           &tce, &ret), ==, 4);
    g_assert_cmpint(host_put(&r->m, liobn, ioba, tce), ==, ret);
}

static void replay_stuff(Replay *r, const char *fields)
{
    uint64_t liobn, end, value, npages, page;
    int64_t ret;

    g_assert_cmpint(sscanf(fields, "liobn=0x%" SCNx64 " ioba=0x%" SCNx64
                           " tcevalue=0x%" SCNx64 " npages=%" SCNu64
                           " ret=%" SCNd64, &liobn, &end, &value, &npages,
                           &ret), ==, 5);
    /* A successful stuff stopped after npages; a refused one before any. */
    g_assert_true(ret == H_SUCCESS || npages == 0);
    page = 1ULL << host_table(liobn)->page_shift;
    g_assert_cmpint(host_stuff(&r->m, liobn, end - npages * page, value,
                               npages), ==, ret);
}

static void replay_indirect(Replay *r, const char *fields)
{
    uint64_t liobn, ioba, list, last, tce, tces[SWIFTTCE_INDIRECT_MAX];
    int64_t ret;
    unsigned i;

    g_assert_cmpint(sscanf(fields, "liobn=0x%" SCNx64 " ioba=0x%" SCNx64
                           " tcelist=0x%" SCNx64 " iobaN=0x%" SCNx64
                           " tceN=0x%" SCNx64 " ret=%" SCNd64, &liobn, &ioba,
                           &list, &last, &tce, &ret), ==, 6);
    g_assert_cmpint(ret, ==, H_SUCCESS);
    g_assert_cmpuint(last, <, SWIFTTCE_INDIRECT_MAX);
    for (i = 0; i <= last; i++) {
        tces[i] = tce;
    }
    g_assert_cmpint(host_indirect(&r->m, liobn, ioba, list, tces, last + 1),
                    ==, ret);
}

static void replay_query(Replay *r, const char *fields)
{
    uint32_t args[3], rets[5];
    uint64_t buid;

    g_assert_cmpint(sscanf(fields, "buid=0x%" SCNx64 " addr=0x%x", &buid,
                           &args[0]), ==, 2);
    args[1] = buid >> 32;
    args[2] = buid;
    host_rtas(&r->m, RTAS_IBM_QUERY_PE_DMA_WINDOW, 3, args, 5, rets);
}

static void replay_create(Replay *r, const char *fields)
{
    uint64_t buid, page, window;
    uint32_t rets[4];

    g_assert_cmpint(sscanf(fields, "buid=0x%" SCNx64 " addr=0x0, page size=0x%"
                           SCNx64 ", requested=0x%" SCNx64, &buid, &page,
                           &window), ==, 3);
    host_ddw_create(&r->m, buid, log2_exact(page), log2_exact(window), rets);
}

static void replay_remove(Replay *r, const char *fields)
{
    uint32_t liobn;

    g_assert_cmpint(sscanf(fields, "liobn=0x%x", &liobn), ==, 1);
    host_ddw_remove(&r->m, liobn);
}

static void replay_reset(Replay *r, const char *fields)
{
    uint32_t args[3], ret;
    uint64_t buid;

    g_assert_cmpint(sscanf(fields, "buid=0x%" SCNx64 " addr=0x%x", &buid,
                           &args[0]), ==, 2);
    args[1] = buid >> 32;
    args[2] = buid;
    host_rtas(&r->m, RTAS_IBM_RESET_PE_DMA_WINDOW, 3, args, 1, &ret);
}

/* The migration whose pre_save lines these are: every table saved. */
static void replay_migration(Replay *r, const char *fields)
{
    g_byte_array_free(qemu_savevm_state(NULL), TRUE);
}

static const struct {
    const char *event;
    void (*replay)(Replay *r, const char *fields);
} calls[] = {
    { "spapr_iommu_pci_put", replay_put },
    { "spapr_iommu_put", replay_put },
    { "spapr_iommu_pci_stuff", replay_stuff },
    { "spapr_iommu_stuff", replay_stuff },
    { "spapr_iommu_pci_indirect", replay_indirect },
    { "spapr_iommu_indirect", replay_indirect },
    { "spapr_iommu_ddw_query", replay_query },
    { "spapr_iommu_ddw_create", replay_create },
    { "spapr_iommu_ddw_remove", replay_remove },
    { "spapr_iommu_ddw_reset", replay_reset },
    { "spapr_iommu_pre_save", replay_migration },
};

/* Makes the call line i shows, if it shows one. */
static bool replay_line(Replay *r, guint i)
{
    const char *line = g_ptr_array_index(r->want, i);
    size_t n = strcspn(line, " ");
    unsigned k;

    for (k = 0; k < G_N_ELEMENTS(calls); k++) {
        if (strlen(calls[k].event) == n && !strncmp(line, calls[k].event, n)) {
            calls[k].replay(r, line + n + 1);
            r->calls++;
            return true;
        }
    }
    return false;
}

/*
 * Each trace line is either one the host printed already (an effect of a
 * call made: a table enabled, a reset after a removal, the rest of a
 * migration's pre_save lines) or the line of the next call to make.
 */
static void test_trace(gconstpointer path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    const char *shape = NULL;
    Replay r = { .want = g_ptr_array_new_with_free_func(g_free) };
    guint i, p = 0;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "# machine: ")) {
            shape = lines[i] + strlen("# machine: ");
        } else if (lines[i][0] && lines[i][0] != '#' &&
                   !g_str_has_prefix(lines[i], "spapr_iommu_xlate ")) {
            g_ptr_array_add(r.want, host_trace_normalize(lines[i]));
        }
    }
    g_assert_nonnull(shape);
    r.printed = host_trace_start();
    host_machine_start(&r.m, shape);
    for (i = 0; i < r.want->len;) {
        if (p == r.printed->len) {
            r.next_call = MAX(r.next_call, i);
            while (!replay_line(&r, r.next_call)) {
                r.next_call++;
                g_assert_cmpuint(r.next_call, <, r.want->len);
            }
            r.next_call++;
            continue;
        }
        if (strcmp(g_ptr_array_index(r.want, i),
                   g_ptr_array_index(r.printed, p)) != 0) {
            g_error("%s: trace line %u is\n  %s\nthe host printed\n  %s",
                    (const char *)path, i, (char *)g_ptr_array_index(r.want, i),
                    (char *)g_ptr_array_index(r.printed, p));
        }
        i++;
        p++;
    }
    g_assert_cmpuint(p, ==, r.printed->len);
    g_test_message("%s: %u calls, %u lines", (const char *)path, r.calls,
                   r.want->len);
    host_trace_stop(r.printed);
    g_ptr_array_free(r.want, TRUE);
    host_machine_stop(&r.m);
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = NULL;
    const char *name;
    guint i;

    g_test_init(&argc, &argv, NULL);
    dir = g_dir_open(TRACES_DIR, 0, NULL);
    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
        if (g_str_has_suffix(name, ".trace")) {
            g_ptr_array_add(paths, g_build_filename(TRACES_DIR, name, NULL));
        }
    }
    g_ptr_array_sort(paths, compare_paths);
    g_ptr_array_add(paths, g_build_filename(VMSTATE_DIR, "migrate-16m.trace",
                                            NULL));
    for (i = 0; i < paths->len; i++) {
        const char *path = g_ptr_array_index(paths, i);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *test = g_strdup_printf("/host/trace/%s", base);

        g_test_add_data_func(test, path, test_trace);
    }
    return g_test_run();
}
