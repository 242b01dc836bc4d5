/*
 * tce-trace: parse QEMU spapr_iommu_* traces and replay them on SwiftTCE.
 *
 * The trace format is described in Tests/traces/README.md. A trace is
 * replayed on a freshly configured machine (SpaprPhbs 0..N-1 and VIO
 * devices, set up from the trace's "# machine:" line) and every traced
 * return code, every DDW answer and every xlate whose entry the log
 * determines is compared with what the model answers.
 *
 * The parser and the replay engine are one library so that they can be
 * fuzzed: tce_trace_check_text() accepts any bytes, never crashes, never
 * reads past len, and reports malformed lines as errors. It creates and frees
 * its machine itself, so calls must not overlap (tables live in a
 * process-wide registry keyed by LIOBN), no other table may use the LIOBNs
 * of the trace's machine during a call, and the library's trace hook
 * (spapr_tce_set_trace_hook) is the checker's during a call and unset after.
 */
#ifndef TCE_TRACE_H
#define TCE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line the parser accepts; longer lines are errors. */
#define TCE_TRACE_MAX_LINE 4096

/*
 * Most table entries the replayed hypercalls may write in one trace (a guest
 * may stuff billions of pages; a checker must stay bounded in time and
 * memory). A trace that needs more stops with an error.
 */
#define TCE_TRACE_MAX_PAGE_WRITES (1UL << 24)

typedef struct TceTraceResult {
    unsigned long lines;        /* lines read, comments and blanks included */
    unsigned long events;       /* event lines replayed */
    unsigned long calls;        /* hypercall return codes compared */
    unsigned long ddw;          /* DDW calls' answers compared */
    unsigned long tables;       /* spapr_iommu_new_table lines checked */
    unsigned long saves;        /* spapr_iommu_pre_save geometries compared */
    unsigned long xlates;       /* determined xlates compared */
    unsigned long learned;      /* xlates that taught an unknown entry */
    unsigned long mismatches;   /* model answered differently */
    unsigned long errors;       /* unparsable or invalid lines, set-up errors */
    unsigned long first_bad_line;   /* line of the first problem, 0 if none */
    char first_problem[256];    /* its message, "" if none */
} TceTraceResult;

/*
 * Called once for every mismatch and error, with the 1-based line number
 * (0 for a problem not tied to a line) and a NUL-terminated message.
 */
typedef void (*TceTraceReportFn)(void *opaque, unsigned long line,
                                 const char *message);

/*
 * Parses and checks the whole trace in text[0..len) (need not be
 * NUL-terminated; NUL bytes make a line invalid). Fills *out (zeroed first).
 * Returns 0 when every line parsed and every check matched, 1 when there was
 * a mismatch or an error. out may not be NULL.
 */
int tce_trace_check_text(const char *text, size_t len, TceTraceResult *out);

/* The same, calling report (if not NULL) for every problem found. */
int tce_trace_check_text_report(const char *text, size_t len,
                                TceTraceReportFn report, void *opaque,
                                TceTraceResult *out);

#ifdef __cplusplus
}
#endif

#endif /* TCE_TRACE_H */
