# pkg-config files, `make install` and `make uninstall`.
#
# Four modules, each for the build tree (build/lib/pkgconfig: headers in
# include/, libraries in build/lib) and, written by `make install`, for the
# installed prefix:
#   swifttce, swifttce-host        the self-contained shared object, which
#                                  needs nothing more (so no Libs.private)
#   swifttce-static,               the sealed archive by its path (the Swift
#   swifttce-host-static           runtime is inside) and the system
#                                  libraries the runtime needs
# A plain -lswifttce would take the shared object wherever one is beside
# the archive, pkg-config --static or not: the static modules name the
# archive itself. No module names the Swift toolchain.
#
# Where make install puts things (GNU's names, upper case; each may be set
# on make's command line, all absolute):
#   PREFIX        /usr/local
#   LIBDIR        $(PREFIX)/lib          the archives and shared objects
#   INCLUDEDIR    $(PREFIX)/include      swifttce.h, swifttce/*.h
#   PKGCONFIGDIR  $(LIBDIR)/pkgconfig    the four .pc files
#   DOCDIR        $(PREFIX)/share/doc/swifttce   LICENSE, README.md, and
#                                        the manifest make uninstall reads
#   DESTDIR       (empty)                a staging root in front of them all;
#                                        the .pc files name the final paths

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR       ?= $(PREFIX)/share/doc/swifttce
DESTDIR      ?=

PC_MODULES := swifttce swifttce-static swifttce-host swifttce-host-static
PC_FILES   := $(patsubst %,$(BUILD_LIB)/pkgconfig/%.pc,$(PC_MODULES))

# (Single-quoted in a shell command: no quotes in them.)
PC_DESCRIPTION_swifttce      := sPAPR (pSeries) IOMMU in Swift for C emulators, with the QEMU names
PC_DESCRIPTION_swifttce-host := SwiftTCE host mode: the sPAPR TCE engine alone (swifttce_* only), for an emulator with its own memory core

# A module's library (swifttce-host-static: swifttce-host), and what it links.
pc_library = $(patsubst %-static,%,$(1))
pc_libs    = $(if $(filter %-static,$(1)),$${libdir}/lib$(call pc_library,$(1)).a $(SYSTEM_LIBS),-L$${libdir} -l$(1))

# $(call swifttce_pc,module,prefix,libdir,includedir) prints the module's
# .pc file.
define swifttce_pc
	printf '%s\n' \
	    'prefix=$(2)' \
	    'includedir=$(4)' \
	    'libdir=$(3)' \
	    '' \
	    'Name: $(1)' \
	    'Description: $(PC_DESCRIPTION_$(call pc_library,$(1)))$(if $(filter %-static,$(1)), (the archive, with the Swift runtime inside))' \
	    'Version: $(SWIFTTCE_VERSION)' \
	    'Cflags: -I$${includedir}' \
	    'Libs: $(call pc_libs,$(1))'
endef

all: $(PC_FILES)

$(PC_FILES): $(BUILD_LIB)/pkgconfig/%.pc: Makefile mk/install.mk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(call swifttce_pc,$*,$(CURDIR),$${prefix}/$(BUILD_LIB),$${prefix}/include) > $@

# Print the link line a program adds to a sealed archive (meson-glue asks
# for it at configure time) and the version (Tests/version-check.sh holds
# the rest to it).
.PHONY: print-system-libs print-version
print-system-libs:
	@echo $(SYSTEM_LIBS)
print-version:
	@echo $(SWIFTTCE_VERSION)

# ---- make install / make uninstall (scripts/install.sh) ---------------------

INSTALL_PREFIX := $(abspath $(PREFIX))
# An installed directory as a .pc file says it: under the prefix, through
# ${prefix}, so pkg-config --define-prefix and relocated trees work.
pc_dir = $(if $(filter $(INSTALL_PREFIX)/%,$(abspath $(1))),$${prefix}/$(patsubst $(INSTALL_PREFIX)/%,%,$(abspath $(1))),$(abspath $(1)))
INSTALL_ENV = DESTDIR='$(DESTDIR)' PREFIX='$(INSTALL_PREFIX)' \
              LIBDIR='$(abspath $(LIBDIR))' INCLUDEDIR='$(abspath $(INCLUDEDIR))' \
              PKGCONFIGDIR='$(abspath $(PKGCONFIGDIR))' DOCDIR='$(abspath $(DOCDIR))' \
              VERSION='$(SWIFTTCE_VERSION)' SOVERSION='$(SWIFTTCE_SOVERSION)' \
              BUILD_LIB='$(BUILD_LIB)'

# The installed .pc files are written anew each time (they depend on
# variables, not files), in a directory of this install's own: two may run
# at once (make check's tests).
.PHONY: install uninstall
install: $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB)
	@set -e; pc_dir=$$(mktemp -d "$${TMPDIR:-/tmp}/swifttce-pc.XXXXXX"); \
	trap 'rm -rf "$$pc_dir"' EXIT; \
	$(foreach m,$(PC_MODULES),$(call swifttce_pc,$(m),$(INSTALL_PREFIX),$(call \
	    pc_dir,$(LIBDIR)),$(call pc_dir,$(INCLUDEDIR))) > $$pc_dir/$(m).pc;) \
	$(INSTALL_ENV) PC_DIR=$$pc_dir scripts/install.sh install

uninstall:
	@$(INSTALL_ENV) scripts/install.sh uninstall

# make install into a DESTDIR with every directory moved, C builds from it
# with no Swift on any path, make uninstall back to an empty tree.
CHECK_SCRIPTS += Tests/install-check.sh
CHECK_DEPS    += $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB)

# The headers, .pc files, sonames and meson-glue agree on SWIFTTCE_VERSION.
CHECK_SCRIPTS += Tests/version-check.sh

# make check runs every snippet of README.md (its "Using SwiftTCE from C"
# and "Host mode"): meson subproject, pkg-config, install, dlopen.
CHECK_SCRIPTS += Tests/usage-check.sh
CHECK_DEPS    += $(PC_FILES)
