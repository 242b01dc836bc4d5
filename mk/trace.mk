# The trace checker: build/bin/tce-trace-check replays QEMU spapr_iommu_*
# traces (Tests/traces/) on the library; make check runs it through a TAP
# wrapper.

TRACE_CHECK := $(BUILD)/bin/tce-trace-check
TRACE_SRCS  := tools/trace/tce-trace-check.c tools/trace/tce-trace.c

$(TRACE_CHECK): $(TRACE_SRCS) tools/trace/tce-trace.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/trace $(TRACE_SRCS) $(LINK_STATIC) -o $@

.PHONY: trace-check
trace-check: $(TRACE_CHECK)
	$(TRACE_CHECK) $(wildcard Tests/traces/*.trace)

all: $(TRACE_CHECK)

CHECK_SCRIPTS += Tests/trace-check.sh
CHECK_DEPS += $(TRACE_CHECK)
