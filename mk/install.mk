# pkg-config file and `make install PREFIX=...`.
#
# build/lib/pkgconfig/swifttce.pc describes the build tree (headers in
# include/, libraries in build/lib); `make install` writes one for PREFIX.
# Libs is the self-contained shared object; Libs.private is the Swift runtime
# that the static archive needs (pkg-config --static, meson static: true).

PREFIX           ?= /usr/local
DESTDIR          ?=
PC_FILE          := $(LIBDIR)/pkgconfig/swifttce.pc

# The Makefile's runtime link line, with the toolchain path as a .pc variable.
PC_SWIFT_RUNTIME := $(subst $(SWIFT_STATIC),$${swift_static},$(SWIFT_LIBS))

# $(call swifttce_pc,prefix,includedir,libdir) prints the .pc file.
define swifttce_pc
	printf '%s\n' \
	    'prefix=$(1)' \
	    'includedir=$(2)' \
	    'libdir=$(3)' \
	    'swift_static=$(SWIFT_STATIC)' \
	    'swift_runtime=$(PC_SWIFT_RUNTIME)' \
	    'staticlib=$${libdir}/libswifttce.a' \
	    '' \
	    'Name: swifttce' \
	    'Description: sPAPR (pSeries) IOMMU in Swift for C emulators' \
	    'Version: $(SWIFTTCE_VERSION)' \
	    'Cflags: -I$${includedir}' \
	    'Libs: -L$${libdir} -lswifttce' \
	    'Libs.private: $${swift_runtime}'
endef

all: $(PC_FILE)

$(PC_FILE): Makefile mk/install.mk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(call swifttce_pc,$(CURDIR),$${prefix}/include,$${prefix}/$(LIBDIR)) > $@

# Print the runtime link line (meson-glue asks for it at configure time)
# and the version (Tests/version-check.sh holds the rest to it).
.PHONY: print-swift-libs print-version
print-swift-libs:
	@echo $(SWIFT_LIBS)
print-version:
	@echo $(SWIFTTCE_VERSION)

INSTALL_PREFIX := $(abspath $(PREFIX))
INSTALL_ROOT   := $(DESTDIR)$(INSTALL_PREFIX)

.PHONY: install
install: $(STATIC_LIB) $(SHARED_LIB)
	install -d $(INSTALL_ROOT)/include/swifttce $(INSTALL_ROOT)/lib/pkgconfig
	install -m 644 include/swifttce.h $(INSTALL_ROOT)/include/
	install -m 644 include/swifttce/*.h $(INSTALL_ROOT)/include/swifttce/
	install -m 644 $(STATIC_LIB) $(INSTALL_ROOT)/lib/
	install -m 755 $(SHARED_LIB) $(INSTALL_ROOT)/lib/$(notdir $(SHARED_LIB)).$(SWIFTTCE_VERSION)
	ln -sf $(notdir $(SHARED_LIB)).$(SWIFTTCE_VERSION) \
	    $(INSTALL_ROOT)/lib/$(notdir $(SHARED_LIB)).$(SWIFTTCE_SOVERSION)
	ln -sf $(notdir $(SHARED_LIB)).$(SWIFTTCE_SOVERSION) $(INSTALL_ROOT)/lib/$(notdir $(SHARED_LIB))
	$(call swifttce_pc,$(INSTALL_PREFIX),$${prefix}/include,$${prefix}/lib) \
	    > $(INSTALL_ROOT)/lib/pkgconfig/swifttce.pc
	@echo "installed SwiftTCE in $(INSTALL_ROOT)"

# The headers, .pc files, sonames and meson-glue agree on SWIFTTCE_VERSION.
CHECK_SCRIPTS += Tests/version-check.sh

# make check runs every snippet of README.md (its
# "Using SwiftTCE from C"): meson subproject, pkg-config, install, dlopen.
CHECK_SCRIPTS += Tests/usage-check.sh
CHECK_DEPS    += $(PC_FILE)
