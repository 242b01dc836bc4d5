/*
 * tce-trace-check FILE...: replays QEMU spapr_iommu_* traces on SwiftTCE.
 *
 * Prints one line of counts per file, the first problems of each, and ends
 * with "N passed, M failed" (checks over all files). Exits 1 on any
 * mismatch, unparsable line or unreadable file, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tce-trace.h"

/* Problems printed per file; the rest are only counted. */
#define MAX_REPORTS 20

typedef struct Reporter {
    const char *file;
    unsigned long count;
} Reporter;

static void report(void *opaque, unsigned long line, const char *message)
{
    Reporter *r = opaque;

    if (++r->count <= MAX_REPORTS) {
        fprintf(stderr, "%s:%lu: %s\n", r->file, line, message);
    } else if (r->count == MAX_REPORTS + 1) {
        fprintf(stderr, "%s: more problems not shown\n", r->file);
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            char *grown;
            cap = cap ? cap * 2 : 1 << 16;
            grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    unsigned long passed = 0, failed = 0;
    int status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s TRACE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        TceTraceResult res;
        Reporter r = { argv[i], 0 };
        size_t len = 0;
        char *text = read_file(argv[i], &len);

        if (!text) {
            fprintf(stderr, "%s: cannot read: %s\n", argv[i], strerror(errno));
            failed++;
            status = 1;
            continue;
        }
        if (tce_trace_check_text_report(text, len, report, &r, &res) != 0) {
            status = 1;
        }
        free(text);
        printf("%s: %lu lines, %lu events: %lu return codes, %lu DDW answers, "
               "%lu tables, %lu saves, %lu xlates checked (%lu learned); "
               "%lu mismatches, %lu errors\n",
               argv[i], res.lines, res.events, res.calls, res.ddw, res.tables,
               res.saves, res.xlates, res.learned, res.mismatches, res.errors);
        passed += res.calls + res.ddw + res.tables + res.saves + res.xlates;
        failed += res.mismatches + res.errors;
    }
    printf("%lu passed, %lu failed\n", passed, failed);
    return status;
}
