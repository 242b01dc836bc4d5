/*
 * Trace output: the lines QEMU's -trace prints (without its pid@time
 * prefix), handed to one sink. Trace points are static inline functions in
 * a subsystem's header (QEMU generates them from trace-events), each one a
 * format call.
 */
#ifndef QEMU_TRACE_H
#define QEMU_TRACE_H

#include <glib.h>

typedef void QemuTraceSink(void *opaque, const char *line);

/* Sends every trace line to fn from now on; NULL turns tracing off. */
void qemu_trace_set_sink(QemuTraceSink *fn, void *opaque);
/* One line: the event's name, a space, its fields. */
void qemu_trace(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif /* QEMU_TRACE_H */
