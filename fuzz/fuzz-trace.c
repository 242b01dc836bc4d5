/*
 * libFuzzer harness: the trace parser and replay engine
 * (tools/trace/tce-trace.c) on any bytes.
 *
 * The text is passed as libFuzzer's exact-size buffer, not NUL-terminated,
 * so ASan sees any read past len. After every input: the status agrees with
 * the counters; the first problem is consistent (line within the lines read,
 * message terminated inside its array, set exactly when there was one); the
 * report callback ran once per problem with a terminated message and a line
 * number within range; the line count is exact when nothing stopped the
 * replay early; the machine and its tables are gone; and a second run of the
 * same text (through the call without a callback) gives the same result.
 */
#include "fuzz-util.h"
#include "tce-trace.h"

typedef struct Reports {
    unsigned long count;
    unsigned long max_line;
} Reports;

static void report(void *opaque, unsigned long line, const char *message)
{
    Reports *r = opaque;

    CHECK(message, "NULL message");
    CHECK(strnlen(message, 4096) < 4096, "unterminated message");
    CHECK(message[0], "empty message");
    r->count++;
    if (line > r->max_line) {
        r->max_line = line;
    }
}

static unsigned long count_lines(const uint8_t *data, size_t size)
{
    unsigned long lines = 0;

    for (size_t i = 0; i < size; i++) {
        lines += data[i] == '\n';
    }
    return lines + (size && data[size - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TceTraceResult r, again;
    Reports rep = { 0, 0 };
    unsigned long problems;
    int ret, ret2;

    memset(&r, 0x5a, sizeof(r));
    ret = tce_trace_check_text_report((const char *)data, size, report, &rep,
                                      &r);
    problems = r.mismatches + r.errors;

    CHECK(ret == 0 || ret == 1, "returned %d", ret);
    CHECK(ret == (problems != 0), "returned %d with %lu problems", ret,
          problems);
    CHECK(rep.count == problems, "%lu reports for %lu problems", rep.count,
          problems);
    CHECK(rep.max_line <= r.lines, "report on line %lu of %lu", rep.max_line,
          r.lines);
    CHECK(memchr(r.first_problem, '\0', sizeof(r.first_problem)),
          "first_problem not terminated");
    if (problems) {
        CHECK(r.first_problem[0], "problems but no first_problem");
        CHECK(r.first_bad_line <= r.lines, "first_bad_line %lu of %lu",
              r.first_bad_line, r.lines);
    } else {
        CHECK(!r.first_problem[0] && r.first_bad_line == 0,
              "first_problem set without a problem");
        CHECK(r.lines == count_lines(data, size), "%lu lines read of %lu",
              r.lines, count_lines(data, size));
    }
    CHECK(r.lines <= count_lines(data, size), "%lu lines read of %lu",
          r.lines, count_lines(data, size));
    CHECK(r.events <= r.lines, "%lu events in %lu lines", r.events, r.lines);
    CHECK(r.learned <= r.events && r.xlates <= r.events &&
          r.calls <= r.events && r.ddw <= r.events && r.tables <= r.events,
          "more checks than events");

    /*
     * The machine is gone: every PHB's LIOBNs are free again (a VIO table
     * left behind would make the second run below differ: its reg in use).
     */
    for (unsigned i = 0; i < SPAPR_MAX_PHBS; i++) {
        CHECK(!spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(i, 0)) &&
              !spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(i, 1)),
              "a table of the trace's PHB %u outlived the call", i);
    }

    /* Nothing carries over from one call to the next. */
    memset(&again, 0xa5, sizeof(again));
    ret2 = tce_trace_check_text((const char *)data, size, &again);
    CHECK(ret2 == ret, "second run returned %d, first %d", ret2, ret);
    CHECK(memcmp(&r, &again, offsetof(TceTraceResult, first_problem)) == 0 &&
          strcmp(r.first_problem, again.first_problem) == 0,
          "second run differs: %lu/%lu problems, first '%s' vs '%s'",
          problems, again.mismatches + again.errors, r.first_problem,
          again.first_problem);
    return 0;
}
