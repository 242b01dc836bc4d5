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
#   make fuzz-build                          only build

FUZZ_SECONDS   ?= 10
FUZZ_FLAGS     ?=
FUZZ_SCRATCH   := .build-fuzz
FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_LIB       := $(FUZZ_DIR)/libswifttce.a
FUZZ_HARNESSES ?= $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz-*.c))
FUZZ_PROGS     := $(addprefix $(FUZZ_DIR)/bin/,$(FUZZ_HARNESSES))
FUZZ_CFLAGS     = -O1 -g -std=gnu11 -Wall -Wextra -Iinclude -Ifuzz -Itools/trace \
                  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                  -fno-omit-frame-pointer

# SAN_CC, SAN_LD and SAN_ENV come from mk/asan.mk.
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
	@mkdir -p $(FUZZ_DIR)/artifacts $(FUZZ_DIR)/logs
	@set -e; for h in $(FUZZ_HARNESSES); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$h fuzz/corpus/$$h; \
	    dict=; [ -f fuzz/$$h.dict ] && dict=-dict=fuzz/$$h.dict; \
	    echo "fuzz: $$h for $(FUZZ_SECONDS)s"; \
	    if ! $(SAN_ENV) $(FUZZ_DIR)/bin/$$h -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 $$dict \
	        -artifact_prefix=$(FUZZ_DIR)/artifacts/$$h- $(FUZZ_FLAGS) \
	        $(FUZZ_DIR)/corpus/$$h fuzz/corpus/$$h \
	        >$(FUZZ_DIR)/logs/$$h.log 2>&1; then \
	        tail -n 60 $(FUZZ_DIR)/logs/$$h.log; \
	        echo "fuzz: $$h FAILED (log: $(FUZZ_DIR)/logs/$$h.log)"; exit 1; \
	    fi; \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' \
	        $(FUZZ_DIR)/logs/$$h.log | sed "s/^/fuzz: $$h /"; \
	done
