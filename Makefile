# SwiftTCE: the front door. `make demo` and `make check` are the two commands;
# both install what they need first (scripts/ensure-deps.sh).

SWIFT     ?= swift
CC        ?= cc
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Iinclude
BUILD     := build
LIBDIR    := $(BUILD)/lib

# The Swift runtime, linked statically into every C program and the .so.
SWIFT_USR    := $(realpath $(dir $(realpath $(shell command -v $(SWIFT))))..)
SWIFT_STATIC := $(SWIFT_USR)/lib/swift_static/linux
SWIFT_LIBS   := $(SWIFT_STATIC)/x86_64/swiftrt.o -L$(SWIFT_STATIC) \
                -lswiftSynchronization -lswiftCore -ldispatch -lBlocksRuntime \
                -lstdc++ -lm -ldl -lpthread
# The package's version: the headers' SWIFTTCE_VERSION* (Tests/version-check.sh
# holds them to it), the .pc files', and the shared objects' sonames
# (lib*.so.MAJOR).
SWIFTTCE_VERSION   := 0.3.0
SWIFTTCE_SOVERSION := $(firstword $(subst ., ,$(SWIFTTCE_VERSION)))

# The standalone library (QEMU's names) and the engine alone (host mode).
STATIC_LIB      := $(LIBDIR)/libswifttce.a
SHARED_LIB      := $(LIBDIR)/libswifttce.so
HOST_STATIC_LIB := $(LIBDIR)/libswifttce-host.a
HOST_SHARED_LIB := $(LIBDIR)/libswifttce-host.so
# How a C program links a static library.
LINK_STATIC      := $(STATIC_LIB) $(SWIFT_LIBS)
LINK_HOST_STATIC := $(HOST_STATIC_LIB) $(SWIFT_LIBS)

SWIFT_SOURCES := Package.swift $(shell find Sources CShims -type f) \
                 $(wildcard include/*.h include/swifttce/*.h)

.PHONY: all deps check demo clean
all: $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB) \
     $(SHARED_LIB).$(SWIFTTCE_SOVERSION) $(HOST_SHARED_LIB).$(SWIFTTCE_SOVERSION)

deps:
	@scripts/ensure-deps.sh

# $(call swift_archive,product): SwiftPM's archive of a static product.
# SwiftPM adds to an existing archive, so a removed source would linger:
# the archive is made anew each time.
define swift_archive
	rm -f .build/release/lib$(1).a
	$(SWIFT) build -c release --product $(1)
	@mkdir -p $(LIBDIR)
	cp .build/release/lib$(1).a $@
endef

$(STATIC_LIB): $(SWIFT_SOURCES)
	$(call swift_archive,swifttce)

# Host mode links beside an emulator's own symbols: the archive is one
# object whose only global symbols are host.h's swifttce_* (the Swift
# compiler's own helpers, such as __swift_memcpy*, become local).
$(HOST_STATIC_LIB): $(SWIFT_SOURCES)
	$(call swift_archive,swifttce-host)
	ld -r --whole-archive $@ -o $(BUILD)/swifttce-host.o
	objcopy --wildcard --keep-global-symbol='swifttce_*' $(BUILD)/swifttce-host.o
	rm -f $@
	ar rcs $@ $(BUILD)/swifttce-host.o
	rm -f $(BUILD)/swifttce-host.o

# $(call swift_shared,product,exports map): a self-contained shared object,
# its soname the run-time name below. Own scratch path: -static-stdlib
# changes how the modules are built. SwiftPM does not relink for changed
# linker flags, so the old product goes first.
define swift_shared
	rm -f .build-shared/release/lib$(1).so
	$(SWIFT) build -c release --product $(1) --scratch-path .build-shared \
	    -Xswiftc -static-stdlib \
	    -Xlinker --version-script=$(CURDIR)/$(2) \
	    -Xlinker -soname=$(notdir $@).$(SWIFTTCE_SOVERSION)
	@mkdir -p $(LIBDIR)
	cp .build-shared/release/lib$(1).so $@
endef

$(SHARED_LIB): $(SWIFT_SOURCES) CShims/exports.map Makefile
	$(call swift_shared,SwiftTCEShared,CShims/exports.map)

$(HOST_SHARED_LIB): $(SWIFT_SOURCES) CShims/host-exports.map Makefile
	$(call swift_shared,SwiftTCEHostShared,CShims/host-exports.map)

# The run-time name (the soname) beside the link-time name, lib*.so.
$(SHARED_LIB).$(SWIFTTCE_SOVERSION) $(HOST_SHARED_LIB).$(SWIFTTCE_SOVERSION): %.$(SWIFTTCE_SOVERSION): %
	ln -sf $(notdir $<) $@

clean:
	rm -rf $(BUILD) .build .build-*

# One fragment per concern; each adds to CHECK_PROGS / CHECK_DEPS.
include $(sort $(wildcard mk/*.mk))
