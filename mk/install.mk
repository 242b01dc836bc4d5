# pkg-config files and `make install PREFIX=...`.
#
# Four modules, each for the build tree (build/lib/pkgconfig: headers in
# include/, libraries in build/lib) and, written by `make install`, for
# PREFIX:
#   swifttce, swifttce-host        the self-contained shared object, which
#                                  needs nothing more (so no Libs.private)
#   swifttce-static,               the archive by its path and the Swift
#   swifttce-host-static           runtime it needs, from the toolchain that
#                                  built it
# A plain -lswifttce would take the shared object wherever one is beside
# the archive, pkg-config --static or not: the static modules name the
# archive itself.

PREFIX  ?= /usr/local
DESTDIR ?=

PC_MODULES := swifttce swifttce-static swifttce-host swifttce-host-static
PC_FILES   := $(patsubst %,$(LIBDIR)/pkgconfig/%.pc,$(PC_MODULES))

# (Single-quoted in a shell command: no quotes in them.)
PC_DESCRIPTION_swifttce      := sPAPR (pSeries) IOMMU in Swift for C emulators, with the QEMU names
PC_DESCRIPTION_swifttce-host := SwiftTCE host mode: the sPAPR TCE engine alone (swifttce_* only), for an emulator with its own memory core

# The Makefile's runtime link line, with the toolchain path as a .pc variable.
PC_SWIFT_RUNTIME := $(subst $(SWIFT_STATIC),$${swift_static},$(SWIFT_LIBS))

# A module's library (swifttce-host-static: swifttce-host), and what it links.
pc_library = $(patsubst %-static,%,$(1))
pc_libs    = $(if $(filter %-static,$(1)),$${libdir}/lib$(call pc_library,$(1)).a $${swift_runtime},-L$${libdir} -l$(1))

# $(call swifttce_pc,module,prefix,libdir) prints the module's .pc file.
define swifttce_pc
	printf '%s\n' \
	    'prefix=$(2)' \
	    'includedir=$${prefix}/include' \
	    'libdir=$(3)' \
	    $(if $(filter %-static,$(1)),'swift_static=$(SWIFT_STATIC)' 'swift_runtime=$(PC_SWIFT_RUNTIME)') \
	    '' \
	    'Name: $(1)' \
	    'Description: $(PC_DESCRIPTION_$(call pc_library,$(1)))$(if $(filter %-static,$(1)), (the archive and the Swift runtime))' \
	    'Version: $(SWIFTTCE_VERSION)' \
	    'Cflags: -I$${includedir}' \
	    'Libs: $(call pc_libs,$(1))'
endef

all: $(PC_FILES)

$(PC_FILES): $(LIBDIR)/pkgconfig/%.pc: Makefile mk/install.mk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(call swifttce_pc,$*,$(CURDIR),$${prefix}/$(LIBDIR)) > $@

# Print the runtime link line (meson-glue asks for it at configure time)
# and the version (Tests/version-check.sh holds the rest to it).
.PHONY: print-swift-libs print-version
print-swift-libs:
	@echo $(SWIFT_LIBS)
print-version:
	@echo $(SWIFTTCE_VERSION)

INSTALL_PREFIX := $(abspath $(PREFIX))
INSTALL_ROOT   := $(DESTDIR)$(INSTALL_PREFIX)

# A shared object is installed as lib*.so.VERSION, with its soname
# (lib*.so.MAJOR) and its link-time name (lib*.so) pointing at it.
.PHONY: install
install: $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB)
	install -d $(INSTALL_ROOT)/include/swifttce $(INSTALL_ROOT)/lib/pkgconfig
	install -m 644 include/swifttce.h $(INSTALL_ROOT)/include/
	install -m 644 include/swifttce/*.h $(INSTALL_ROOT)/include/swifttce/
	install -m 644 $(STATIC_LIB) $(HOST_STATIC_LIB) $(INSTALL_ROOT)/lib/
	@set -e; for so in $(notdir $(SHARED_LIB) $(HOST_SHARED_LIB)); do \
	    echo "install -m 755 $(LIBDIR)/$$so $(INSTALL_ROOT)/lib/$$so.$(SWIFTTCE_VERSION)"; \
	    install -m 755 $(LIBDIR)/$$so $(INSTALL_ROOT)/lib/$$so.$(SWIFTTCE_VERSION); \
	    ln -sf $$so.$(SWIFTTCE_VERSION) $(INSTALL_ROOT)/lib/$$so.$(SWIFTTCE_SOVERSION); \
	    ln -sf $$so.$(SWIFTTCE_SOVERSION) $(INSTALL_ROOT)/lib/$$so; \
	done
	$(foreach m,$(PC_MODULES),$(call swifttce_pc,$(m),$(INSTALL_PREFIX),$${prefix}/lib) \
	    > $(INSTALL_ROOT)/lib/pkgconfig/$(m).pc;)
	@echo "installed SwiftTCE in $(INSTALL_ROOT)"

# The headers, .pc files, sonames and meson-glue agree on SWIFTTCE_VERSION.
CHECK_SCRIPTS += Tests/version-check.sh

# make check runs every snippet of README.md (its "Using SwiftTCE from C"
# and "Host mode"): meson subproject, pkg-config, install, dlopen.
CHECK_SCRIPTS += Tests/usage-check.sh
CHECK_DEPS    += $(PC_FILES)
