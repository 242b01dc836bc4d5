# make check-asan: every C test (Tests/test-*.c, and Tests/host/test-*.c on
# the engine alone, mk/host.mk) built with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer, linked against the Swift library built with
# -sanitize=address, run with prove. Any report fails it.
#
# swiftc has no -sanitize=undefined on Linux; Swift code traps on overflow
# and out-of-bounds by itself, which fails the test just the same.
#
# Linking a sanitized Swift archive into a C program needs nothing beyond
# LINK_STATIC: the clang driver brings the ASan/UBSan runtimes, and the
# toolchain's clang is the one whose runtime swiftc instrumented against.
# lld rather than gold (gold warns about every local ASan thunk).
#
# ASAN_TESTS picks a subset (CI: a short run), e.g.
#   make check-asan ASAN_TESTS="Tests/test-bad-input.c" ASAN_SCRIPTS=

SAN_CC       ?= $(SWIFT_USR)/bin/clang
SAN_LD       ?= -fuse-ld=lld
ASAN_SCRATCH := .build-asan
ASAN_DIR     := $(BUILD)/asan
ASAN_LIB     := $(ASAN_DIR)/libswifttce.a
# The engine alone, for the host tests (mk/host.mk).
ASAN_HOST_LIB := $(ASAN_DIR)/libswifttce-host.a
ASAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
# The project's flags minus -Werror: clang and gcc warn differently, and
# this target is about sanitizer reports, not warnings.
ASAN_CFLAGS   = $(filter-out -Werror,$(CFLAGS)) $(ASAN_FLAGS)
ASAN_TESTS   ?= $(wildcard Tests/test-*.c Tests/host/test-*.c)
ASAN_PROGS   := $(patsubst Tests/%.c,$(ASAN_DIR)/tests/%,$(ASAN_TESTS))
# halt_on_error/abort: the first report kills the test, so prove fails.
SAN_ENV      := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                ASAN_SYMBOLIZER_PATH=$(SWIFT_USR)/bin/llvm-symbolizer

.PHONY: check-asan asan-lib
asan-lib: $(ASAN_LIB)

# Own scratch path: a sanitized build must not replace .build's objects.
$(ASAN_LIB) $(ASAN_HOST_LIB): $(ASAN_DIR)/lib%.a: $(SWIFT_SOURCES)
	$(SWIFT) build -c release --product $* --scratch-path $(ASAN_SCRATCH) \
	    --sanitize address
	@mkdir -p $(dir $@)
	cp $(ASAN_SCRATCH)/release/lib$*.a $@

$(ASAN_DIR)/tests/%: Tests/%.c $(wildcard Tests/*.h Tests/util/*.h) $(ASAN_LIB) | deps
	@mkdir -p $(dir $@)
	$(SAN_CC) $(ASAN_CFLAGS) $(GLIB_CFLAGS) -ITests $< $(SAN_LD) \
	    $(ASAN_LIB) $(SWIFT_LIBS) $(GLIB_LIBS) -o $@

# The trace checker too (C parser + library), through make check's TAP
# wrapper; ASAN_SCRIPTS= leaves it out.
ASAN_SCRIPTS     ?= $(wildcard Tests/trace-check.sh)
ASAN_TRACE_CHECK := $(ASAN_DIR)/bin/tce-trace-check
ASAN_TRACE_SRCS  := tools/trace/tce-trace-check.c tools/trace/tce-trace.c

$(ASAN_TRACE_CHECK): $(ASAN_TRACE_SRCS) tools/trace/tce-trace.h $(ASAN_LIB)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(ASAN_CFLAGS) -Itools/trace $(ASAN_TRACE_SRCS) $(SAN_LD) \
	    $(ASAN_LIB) $(SWIFT_LIBS) -o $@

# A hung test fails after ASAN_TIMEOUT seconds instead of blocking CI.
ASAN_TIMEOUT ?= 300

check-asan: deps $(ASAN_PROGS) $(if $(ASAN_SCRIPTS),$(ASAN_TRACE_CHECK))
	$(SAN_ENV) TRACE_CHECK=$(ASAN_TRACE_CHECK) \
	    prove --exec 'timeout -k 10 $(ASAN_TIMEOUT)' $(PROVE_FLAGS) \
	    $(ASAN_PROGS) $(ASAN_SCRIPTS)
