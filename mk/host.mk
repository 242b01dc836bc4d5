# Host mode's tests (docs/host-mode.md is the design they hold the engine
# to): Tests/host/ holds a QEMU-shaped emulator fragment (its
# own memory core, RCU, savevm, the spapr TCE, PHB and RTAS glue) on the
# engine alone, GLib tests (Tests/host/test-*.c) that drive it, a decoy that
# defines every QEMU name and must never be called, and nm-check.sh, which
# holds the host libraries' symbols to host.h.
#
# $(call host_objects,DIR,CC,CFLAGS) compiles the harness into
# DIR/tests/host/obj/; $(call host_programs,OUT,DIR,CC,CFLAGS,ENGINE,LINK)
# links each test into OUT with DIR's objects and LINK, once ENGINE (the
# engine library it links) is built; $(call host_flavor,DIR,CC,CFLAGS,
# LDFLAGS,ENGINE[,LIBS]) is both, in DIR/tests/host/, against the archive
# ENGINE and LIBS (default SWIFT_LIBS: the sanitizers' archives are
# SwiftPM's, unsealed; make check's sealed one needs SYSTEM_LIBS only). This
# file instantiates them for make check (against the archive, and against
# the shared object) and make check-asan, mk/tsan.mk for make check-tsan.

HOST_HARNESS_SRCS := $(filter-out Tests/host/test-% Tests/host/decoy.c,$(wildcard Tests/host/*.c))
HOST_TEST_SRCS    := $(wildcard Tests/host/test-*.c)
HOST_TEST_HDRS    := Tests/host/host-test.h Tests/util/iommu-record.h Tests/util/block-mirror.h
HOST_HARNESS_HDRS := $(filter-out $(HOST_TEST_HDRS),$(wildcard Tests/host/*.h))
# QEMU's handler types: not every hypercall or RTAS handler uses every one
# of its arguments.
HOST_CFLAGS        = $(GLIB_CFLAGS) -ITests/host -Wno-unused-parameter

# The harness is linked as objects, not an archive: its hypercall and RTAS
# handlers register themselves from constructors, as QEMU's type_init does,
# and nothing else would pull their objects in.
host_objs = $(patsubst Tests/host/%.c,$(1)/tests/host/obj/%.o,$(HOST_HARNESS_SRCS))

define host_objects
$$(call host_objs,$(1)): $(1)/tests/host/obj/%.o: Tests/host/%.c $$(HOST_HARNESS_HDRS) include/swifttce/host.h | deps
	@mkdir -p $$(dir $$@)
	$(2) $(3) $$(HOST_CFLAGS) -c $$< -o $$@
endef

define host_programs
$(1)/%: Tests/host/%.c $$(HOST_TEST_HDRS) $$(call host_objs,$(2)) $(5) | deps
	@mkdir -p $$(dir $$@)
	$(3) $(4) $$(HOST_CFLAGS) $$< $$(call host_objs,$(2)) $(6) \
	    $$(GLIB_LIBS) $$(HOST_EXTRA_$$*) -o $$@
endef

host_flavor = $(eval $(call host_objects,$(1),$(2),$(3)))$(eval $(call \
    host_programs,$(1)/tests/host,$(1),$(2),$(3),$(5),$(4) $(5) $(or $(6),$(SWIFT_LIBS))))

# HOST_EXTRA_<test>: what one test needs more (defines, libraries).
HOST_DATA_DIRS := -DVMSTATE_DIR='"$(CURDIR)/Tests/vmstate"' \
                  -DTRACES_DIR='"$(CURDIR)/Tests/traces"'
HOST_EXTRA_test-host-vmstate := $(HOST_DATA_DIRS) -lz
HOST_EXTRA_test-host-trace   := $(HOST_DATA_DIRS)

# Linked as an emulator links either library: warnings are errors. The
# shared object is found by its soname, through an rpath.
HOST_LDFLAGS     := -Wl,--fatal-warnings
HOST_SHARED_LINK := -L$(BUILD_LIB) -lswifttce-host -Wl,-rpath,$(CURDIR)/$(BUILD_LIB)
HOST_SHARED_SONAME := $(HOST_SHARED_LIB).$(SWIFTTCE_SOVERSION)

$(call host_flavor,$(BUILD),$(CC),$(CFLAGS),$(HOST_LDFLAGS),$(HOST_STATIC_LIB),$(SYSTEM_LIBS))
$(eval $(call host_programs,$(BUILD)/tests/host/shared,$(BUILD),$(CC),$(CFLAGS),\
    $(HOST_SHARED_SONAME),$(HOST_LDFLAGS) $(HOST_SHARED_LINK)))
# make check-asan (mk/asan.mk, read before this file, lists the programs).
$(call host_flavor,$(ASAN_DIR),$(SAN_CC),$(ASAN_CFLAGS),$(SAN_LD),$(ASAN_HOST_LIB))

CHECK_PROGS += $(patsubst Tests/host/%.c,$(BUILD)/tests/host/%,$(HOST_TEST_SRCS)) \
               $(patsubst Tests/host/%.c,$(BUILD)/tests/host/shared/%,$(HOST_TEST_SRCS))

# ---- The decoy --------------------------------------------------------------

# Every name the QEMU-shaped host and the standalone library declare.
HOST_DECOY_NAMES := $(BUILD)/tests/host/decoy-names.h

$(HOST_DECOY_NAMES): $(HOST_HARNESS_HDRS) $(PUBLIC_HDRS) mk/dlopen.mk mk/host.mk
	@mkdir -p $(dir $@)
	awk $(DECLARED_NAMES) $(HOST_HARNESS_HDRS) $(PUBLIC_HDRS) | sort -u | \
	    sed 's/.*/SWIFTTCE_DECOY(&)/' > $@.tmp
	mv $@.tmp $@

# -rdynamic: the decoys are in the dynamic symbol table, where they would
# interpose on the shared object's own calls of those names.
HOST_DECOY_BUILD = $(CC) $(CFLAGS) -I$(dir $(HOST_DECOY_NAMES)) $< \
                   $(HOST_LDFLAGS) -rdynamic

$(BUILD)/tests/host/decoy-static: Tests/host/decoy.c $(HOST_DECOY_NAMES) $(HOST_STATIC_LIB)
	$(HOST_DECOY_BUILD) $(LINK_HOST_STATIC) -o $@

$(BUILD)/tests/host/decoy-shared: Tests/host/decoy.c $(HOST_DECOY_NAMES) $(HOST_SHARED_SONAME)
	$(HOST_DECOY_BUILD) $(HOST_SHARED_LINK) -o $@

CHECK_PROGS += $(BUILD)/tests/host/decoy-static $(BUILD)/tests/host/decoy-shared

# ---- Their symbols ------------------------------------------------------------

# What host.h declares: the names nm-check.sh holds the libraries to.
$(BUILD)/tests/host/host-names.txt: include/swifttce/host.h mk/dlopen.mk
	@mkdir -p $(dir $@)
	awk $(DECLARED_NAMES) $< > $@

CHECK_SCRIPTS += Tests/host/nm-check.sh
CHECK_DEPS    += $(BUILD)/tests/host/host-names.txt $(HOST_STATIC_LIB) $(HOST_SHARED_LIB)

# ---- The grace periods' test switch -------------------------------------------

# Tests/host/grace-period-switch.sh runs the grace-period and re-enable tests
# under each value of SWIFTTCE_TEST_GRACE_PERIOD, "lie" included, which the
# tests must notice.
CHECK_SCRIPTS += Tests/host/grace-period-switch.sh
CHECK_DEPS    += $(BUILD)/tests/host/test-host-grace-period $(BUILD)/tests/test-reenable-race
