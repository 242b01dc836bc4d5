# make check-tsan: every C test (the host tests of Tests/host/ too, on the
# engine alone), and the library's Swift code, under ThreadSanitizer. The Swift side is instrumented by `swift build --sanitize
# thread` (own scratch path); the C drivers are compiled and linked by the
# toolchain's clang with -fsanitize=thread, which brings the TSan runtime that
# the instrumented Swift objects call (same LLVM as swiftc). The Swift runtime
# archives themselves are not instrumented; our code in them is all atomics.
# test-stress runs longer here (SWIFTTCE_STRESS_SECONDS).

TSAN_CC      ?= $(SWIFT_USR)/bin/clang
TSAN_LD      ?= -fuse-ld=lld
TSAN_SCRATCH := .build-tsan
TSAN_DIR     := $(BUILD)/tsan
TSAN_LIB     := $(TSAN_DIR)/libswifttce.a
TSAN_HOST_LIB := $(TSAN_DIR)/libswifttce-host.a
TSAN_FLAGS   := -fsanitize=thread -fno-omit-frame-pointer
TSAN_CFLAGS   = $(filter-out -Werror,$(CFLAGS)) $(TSAN_FLAGS)
# test-dlopen loads the uninstrumented .so: it has nothing to say about races.
TSAN_TESTS   ?= $(filter-out Tests/test-dlopen.c,$(wildcard Tests/test-*.c Tests/host/test-*.c))
TSAN_PROGS   := $(patsubst Tests/%.c,$(TSAN_DIR)/tests/%,$(TSAN_TESTS))
TSAN_ENV     := TSAN_OPTIONS=halt_on_error=1:abort_on_error=1:exitcode=66:second_deadlock_stack=1 \
                SWIFTTCE_STRESS_SECONDS=$(or $(STRESS_SECONDS),4) \
                TSAN_SYMBOLIZER_PATH=$(SWIFT_USR)/bin/llvm-symbolizer

.PHONY: check-tsan tsan-lib
tsan-lib: $(TSAN_LIB)

$(TSAN_LIB) $(TSAN_HOST_LIB): $(TSAN_DIR)/lib%.a: $(SWIFT_SOURCES)
	$(SWIFT) build -c release --product $* --scratch-path $(TSAN_SCRATCH) \
	    --sanitize thread
	@mkdir -p $(dir $@)
	cp $(TSAN_SCRATCH)/release/lib$*.a $@

$(TSAN_DIR)/tests/%: Tests/%.c $(wildcard Tests/*.h Tests/util/*.h) $(TSAN_LIB) | deps
	@mkdir -p $(dir $@)
	$(TSAN_CC) $(TSAN_CFLAGS) $(GLIB_CFLAGS) -ITests $< $(TSAN_LD) \
	    $(TSAN_LIB) $(SWIFT_LIBS) $(GLIB_LIBS) -o $@

# The host tests the same way, on the engine alone (mk/host.mk's rules).
$(call host_flavor,$(TSAN_DIR),$(TSAN_CC),$(TSAN_CFLAGS),$(TSAN_LD),$(TSAN_HOST_LIB))

check-tsan: deps $(TSAN_PROGS)
	$(TSAN_ENV) prove --exec '' $(PROVE_FLAGS) $(TSAN_PROGS)
