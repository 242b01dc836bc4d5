# C test drivers: Tests/test-*.c, GLib g_test, TAP, one binary each.

GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0)
GLIB_LIBS   = $(shell pkg-config --libs glib-2.0)

TEST_SRCS  := $(wildcard Tests/test-*.c)
TEST_PROGS := $(patsubst Tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
# The drivers' helpers: test-util.h includes Tests/util/, a header a family.
TEST_HDRS  := $(wildcard Tests/*.h Tests/util/*.h)

$(BUILD)/tests/%: Tests/%.c $(TEST_HDRS) $(STATIC_LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(GLIB_CFLAGS) -ITests $< $(LINK_STATIC) $(GLIB_LIBS) -o $@

CHECK_PROGS += $(TEST_PROGS)

# make check builds and runs the C test drivers with a second compiler as
# well: clang when CC is gcc (or cc), gcc when CC is clang. The two warn
# about different things, and an emulator author may use either. The
# programs go to $(BUILD)/<compiler>/tests; a compiler that is not
# installed is skipped, and `make check` says so.

SECOND_CC   := $(if $(findstring clang,$(notdir $(CC))),gcc,clang)
SECOND_PATH := $(shell command -v $(SECOND_CC) 2>/dev/null)
SECOND_DIR  := $(BUILD)/$(SECOND_CC)/tests
SECOND_SRCS := $(filter-out Tests/test-dlopen.c,$(TEST_SRCS))
SECOND_PROGS := $(patsubst Tests/%.c,$(SECOND_DIR)/%,$(SECOND_SRCS))

$(SECOND_DIR)/%: Tests/%.c $(TEST_HDRS) $(STATIC_LIB) | deps
	@mkdir -p $(dir $@)
	$(SECOND_CC) $(CFLAGS) $(GLIB_CFLAGS) -ITests $< $(LINK_STATIC) $(GLIB_LIBS) -o $@

ifneq ($(SECOND_PATH),)
CHECK_PROGS += $(SECOND_PROGS)
else
check: second-cc-missing
.PHONY: second-cc-missing
second-cc-missing:
	@echo "make check: $(SECOND_CC) is not installed; the C tests run with $(CC) only"
endif

# A copy of the package whose header drifts from a Swift export must not build.
CHECK_SCRIPTS += Tests/prototype-drift.sh
# Every declaration in include/ has its comment.
CHECK_SCRIPTS += Tests/header-comments.sh
# Every unsafe site of a strict Swift module has its SAFETY reason.
CHECK_SCRIPTS += Tests/safety-notes.sh

# Every test program speaks TAP; prove runs them all and prints the summary.
check: deps $(CHECK_PROGS) $(CHECK_DEPS)
	prove --exec '' $(PROVE_FLAGS) $(CHECK_PROGS) $(CHECK_SCRIPTS)
