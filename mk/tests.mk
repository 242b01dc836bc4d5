# C test drivers: Tests/test-*.c, GLib g_test, TAP, one binary each.

GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0)
GLIB_LIBS   = $(shell pkg-config --libs glib-2.0)

TEST_SRCS  := $(wildcard Tests/test-*.c)
TEST_PROGS := $(patsubst Tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_HDRS  := $(wildcard Tests/*.h)

$(BUILD)/tests/%: Tests/%.c $(TEST_HDRS) $(STATIC_LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(GLIB_CFLAGS) -ITests $< $(LINK_STATIC) $(GLIB_LIBS) -o $@

CHECK_PROGS += $(TEST_PROGS)

# A copy of the package whose header drifts from a Swift export must not build.
CHECK_SCRIPTS += Tests/prototype-drift.sh

# Every test program speaks TAP; prove runs them all and prints the summary.
check: deps $(CHECK_PROGS) $(CHECK_DEPS)
	prove --exec '' $(PROVE_FLAGS) $(CHECK_PROGS) $(CHECK_SCRIPTS)
