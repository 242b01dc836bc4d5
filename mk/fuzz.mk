# make fuzz: every libFuzzer harness fuzz/fuzz-*.c, built with clang
# -fsanitize=fuzzer,address,undefined against the Swift library built with
# -sanitize=address plus coverage (so that libFuzzer sees the Swift code's
# edges and comparisons), run for FUZZ_SECONDS each.
#
# Seeds are in fuzz/corpus/<harness>/ (committed, read-only to the run); what
# the fuzzer finds goes to build/fuzz/corpus/<harness>/, crashes to
# build/fuzz/artifacts/. Reproduce one with
#   build/fuzz/bin/<harness> build/fuzz/artifacts/<harness>-crash-...
#
#   make fuzz FUZZ_SECONDS=600               every harness, 10 minutes each
#   make fuzz FUZZ_HARNESSES=fuzz-hcall      one of them
#   make fuzz FUZZ_FLAGS=-runs=0             only replay the corpora (regression)
#   make fuzz-build                          only build
#   fuzz/run.sh fuzz-hcall 600               one harness by hand, once built

FUZZ_SECONDS   ?= 10
FUZZ_FLAGS     ?=
FUZZ_SCRATCH   := .build-fuzz
FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_LIB       := $(FUZZ_DIR)/libswifttce.a
FUZZ_HARNESSES ?= $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz-*.c))
FUZZ_PROGS     := $(addprefix $(FUZZ_DIR)/bin/,$(FUZZ_HARNESSES))
FUZZ_CFLAGS     = -O1 -g -std=gnu11 -Wall -Wextra -Iinclude -Ifuzz -ITests -Itools/trace \
                  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                  -fno-omit-frame-pointer

# SAN_CC and SAN_LD come from mk/asan.mk; fuzz/run.sh runs one harness.
# FUZZ_OPTS_<harness>: libFuzzer options for one harness.
.PHONY: fuzz fuzz-build

# Own scratch path, and only these flags in it: SwiftPM does not rebuild
# when -Xswiftc flags change. swiftc -sanitize=fuzzer on a library only
# instruments (inline 8-bit counters, PC table, comparisons); SwiftPM's own
# --sanitize fuzzer does not reach the Swift compile of a static product.
$(FUZZ_LIB): $(SWIFT_SOURCES)
	$(SWIFT) build -c release --product swifttce --scratch-path $(FUZZ_SCRATCH) \
	    --sanitize address -Xswiftc -sanitize=fuzzer
	@mkdir -p $(dir $@)
	cp $(FUZZ_SCRATCH)/release/libswifttce.a $@

# FUZZ_EXTRA_<harness>: more sources or objects a harness links.
$(FUZZ_DIR)/bin/%: fuzz/%.c $(wildcard fuzz/*.h) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(FUZZ_CFLAGS) $< $(FUZZ_EXTRA_$*) $(SAN_LD) \
	    $(FUZZ_LIB) $(SWIFT_LIBS) -o $@

fuzz-build: $(FUZZ_PROGS)

fuzz: $(FUZZ_PROGS)
	@set -e; $(foreach h,$(FUZZ_HARNESSES),\
	    ASAN_SYMBOLIZER_PATH=$(SWIFT_USR)/bin/llvm-symbolizer \
	    fuzz/run.sh $(h) $(FUZZ_SECONDS) $(FUZZ_OPTS_$(h)) $(FUZZ_FLAGS);)

# fuzz-trace drives the trace parser, which is C: it is built in, with the
# same instrumentation.
FUZZ_EXTRA_fuzz-trace := tools/trace/tce-trace.c
$(FUZZ_DIR)/bin/fuzz-trace: tools/trace/tce-trace.c tools/trace/tce-trace.h
# Its seeds are trace excerpts of a few KiB.
FUZZ_OPTS_fuzz-trace := -max_len=8192
# Its seeds are real QEMU sections of up to 1 KiB behind a header; longer
# inputs give windows of a few thousand entries.
FUZZ_OPTS_fuzz-vmstate := -max_len=16384
