# Host mode's tests: Tests/host/ holds a QEMU-shaped emulator fragment (its
# own memory core, RCU, savevm, the spapr TCE, PHB and RTAS glue) on the
# engine alone, and GLib tests (Tests/host/test-*.c) that drive it.
#
# $(call host_flavor,DIR,CC,CFLAGS,LDFLAGS,ENGINE) builds them into
# DIR/tests/host/ with that compiler and those flags, against ENGINE (an
# archive of the engine) and the Swift runtime; this file instantiates it
# for make check and make check-asan, mk/tsan.mk for make check-tsan.

HOST_HARNESS_SRCS := $(filter-out Tests/host/test-%,$(wildcard Tests/host/*.c))
HOST_TEST_SRCS    := $(wildcard Tests/host/test-*.c)
HOST_TEST_HDRS    := Tests/host/host-test.h
HOST_HARNESS_HDRS := $(filter-out $(HOST_TEST_HDRS),$(wildcard Tests/host/*.h))
# QEMU's handler types: not every hypercall or RTAS handler uses every one
# of its arguments.
HOST_CFLAGS        = $(GLIB_CFLAGS) -ITests/host -Wno-unused-parameter

# The harness is linked as objects, not an archive: its hypercall and RTAS
# handlers register themselves from constructors, as QEMU's type_init does,
# and nothing else would pull their objects in.
host_objs = $(patsubst Tests/host/%.c,$(1)/tests/host/obj/%.o,$(HOST_HARNESS_SRCS))

define host_flavor
$$(call host_objs,$(1)): $(1)/tests/host/obj/%.o: Tests/host/%.c $$(HOST_HARNESS_HDRS) include/swifttce/host.h | deps
	@mkdir -p $$(dir $$@)
	$(2) $(3) $$(HOST_CFLAGS) -c $$< -o $$@

$(1)/tests/host/%: Tests/host/%.c $$(HOST_TEST_HDRS) $$(call host_objs,$(1)) $(5) | deps
	@mkdir -p $$(dir $$@)
	$(2) $(3) $$(HOST_CFLAGS) $$< $$(call host_objs,$(1)) $(4) $(5) \
	    $$(SWIFT_LIBS) $$(GLIB_LIBS) $$(HOST_EXTRA_$$*) -o $$@
endef

# HOST_EXTRA_<test>: what one test needs more (defines, libraries).
HOST_DATA_DIRS := -DVMSTATE_DIR='"$(CURDIR)/Tests/vmstate"' \
                  -DTRACES_DIR='"$(CURDIR)/Tests/traces"'
HOST_EXTRA_test-host-vmstate := $(HOST_DATA_DIRS) -lz
HOST_EXTRA_test-host-trace   := $(HOST_DATA_DIRS)

# Linked as an emulator links the archive: warnings are errors.
HOST_LDFLAGS := -Wl,--fatal-warnings
$(eval $(call host_flavor,$(BUILD),$(CC),$(CFLAGS),$(HOST_LDFLAGS),$(HOST_STATIC_LIB)))
# make check-asan (mk/asan.mk, read before this file, lists the programs).
$(eval $(call host_flavor,$(ASAN_DIR),$(SAN_CC),$(ASAN_CFLAGS),$(SAN_LD),$(ASAN_HOST_LIB)))

HOST_TEST_PROGS := $(patsubst Tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS))
CHECK_PROGS     += $(HOST_TEST_PROGS)
