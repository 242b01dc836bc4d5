# SwiftTCE: the front door. `make demo` and `make check` are the two commands;
# both install what they need first (scripts/ensure-deps.sh).

SWIFT     ?= swift
CC        ?= cc
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Iinclude
BUILD     := build
# Where the libraries are built (LIBDIR is make install's, mk/install.mk).
BUILD_LIB := $(BUILD)/lib

# The Swift runtime, from the toolchain: linked into the archives (below) and
# the shared objects, so no C program links it itself. SYSTEM_LIBS is what
# the runtime needs of the system, all a program linking an archive adds.
# SWIFT_LIBS is both, for SwiftPM's own archives (the sanitizer and fuzzing
# builds, which link the toolchain's compiler runtimes anyway).
SWIFT_USR     := $(realpath $(dir $(realpath $(shell command -v $(SWIFT))))..)
SWIFT_STATIC  := $(SWIFT_USR)/lib/swift_static/linux
SWIFT_RUNTIME := $(SWIFT_STATIC)/x86_64/swiftrt.o -L$(SWIFT_STATIC) \
                 -lswiftSynchronization -lswiftCore -ldispatch -lBlocksRuntime
SYSTEM_LIBS   := -lstdc++ -lm -ldl -lpthread
SWIFT_LIBS    := $(SWIFT_RUNTIME) $(SYSTEM_LIBS)
LLVM_OBJCOPY  ?= $(SWIFT_USR)/bin/llvm-objcopy
# The package's version: the headers' SWIFTTCE_VERSION* (Tests/version-check.sh
# holds them to it), the .pc files', and the shared objects' sonames
# (lib*.so.MAJOR).
SWIFTTCE_VERSION   := 0.3.0
SWIFTTCE_SOVERSION := $(firstword $(subst ., ,$(SWIFTTCE_VERSION)))

# The standalone library (QEMU's names) and the engine alone (host mode).
STATIC_LIB      := $(BUILD_LIB)/libswifttce.a
SHARED_LIB      := $(BUILD_LIB)/libswifttce.so
HOST_STATIC_LIB := $(BUILD_LIB)/libswifttce-host.a
HOST_SHARED_LIB := $(BUILD_LIB)/libswifttce-host.so
# How a C program links a static library: the archive carries the runtime.
LINK_STATIC      := $(STATIC_LIB) $(SYSTEM_LIBS)
LINK_HOST_STATIC := $(HOST_STATIC_LIB) $(SYSTEM_LIBS)

SWIFT_SOURCES := Package.swift $(shell find Sources CShims -type f) \
                 $(wildcard include/*.h include/swifttce/*.h)

.PHONY: all deps check demo clean
all: $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB) \
     $(SHARED_LIB).$(SWIFTTCE_SOVERSION) $(HOST_SHARED_LIB).$(SWIFTTCE_SOVERSION)

deps:
	@scripts/ensure-deps.sh

# Each archive is sealed (scripts/seal-archive.sh): SwiftPM's archive of the
# product and the Swift runtime it needs become one relocatable object whose
# only global symbols are the names its headers declare, hidden; the rest
# (our Swift code, the runtime, its C++) is local to it. So a program links
# the archive with a C compiler and SYSTEM_LIBS, no toolchain anywhere, and
# nothing of ours or the runtime's meets the program's own names or reaches
# its dynamic symbol table. SwiftPM adds to an existing archive, so a
# removed source would linger: its archive is made anew each time.
define swift_archive
	rm -f .build/release/lib$(1).a
	$(SWIFT) build -c release --product $(1)
	@mkdir -p $(BUILD_LIB)
	LLVM_OBJCOPY=$(LLVM_OBJCOPY) scripts/seal-archive.sh $@ \
	    .build/release/lib$(1).a $(2) $(SWIFT_RUNTIME)
endef

# The globals each keeps, $(SEAL_DIR)/*.globals, are made by mk/seal.mk.
SEAL_DIR  := $(BUILD)/seal
SEAL_DEPS := $(SWIFT_SOURCES) scripts/seal-archive.sh Makefile

$(STATIC_LIB): $(SEAL_DEPS) $(SEAL_DIR)/swifttce.globals
	$(call swift_archive,swifttce,$(SEAL_DIR)/swifttce.globals)

$(HOST_STATIC_LIB): $(SEAL_DEPS) $(SEAL_DIR)/swifttce-host.globals
	$(call swift_archive,swifttce-host,$(SEAL_DIR)/swifttce-host.globals)

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
	@mkdir -p $(BUILD_LIB)
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
