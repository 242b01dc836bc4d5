/*
 * The trace sink of qemu-trace.h. Set while no other thread traces, as
 * QEMU's trace options are taken before the machine runs.
 */
#include <stdarg.h>

#include "qemu-trace.h"

static QemuTraceSink *trace_sink;
static void *trace_sink_opaque;

void qemu_trace_set_sink(QemuTraceSink *fn, void *opaque)
{
    trace_sink = fn;
    trace_sink_opaque = opaque;
}

void qemu_trace(const char *fmt, ...)
{
    va_list ap;
    char *line;

    if (!trace_sink) {
        return;
    }
    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    trace_sink(trace_sink_opaque, line);
    g_free(line);
}
