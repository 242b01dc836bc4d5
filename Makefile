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
STATIC_LIB   := $(LIBDIR)/libswifttce.a
SHARED_LIB   := $(LIBDIR)/libswifttce.so
# How a C program links the static library.
LINK_STATIC  := $(STATIC_LIB) $(SWIFT_LIBS)

SWIFT_SOURCES := Package.swift $(wildcard Sources/SwiftTCE/*.swift) \
                 $(wildcard CShims/*.c CShims/include/* include/*.h include/swifttce/*.h)

.PHONY: all deps check demo clean
all: $(STATIC_LIB) $(SHARED_LIB)

deps:
	@scripts/ensure-deps.sh

$(STATIC_LIB): $(SWIFT_SOURCES)
	$(SWIFT) build -c release --product swifttce
	@mkdir -p $(LIBDIR)
	cp .build/release/libswifttce.a $@

# Own scratch path: -static-stdlib changes how the module is built.
$(SHARED_LIB): $(SWIFT_SOURCES) CShims/exports.map
	$(SWIFT) build -c release --product SwiftTCEShared --scratch-path .build-shared \
	    -Xswiftc -static-stdlib \
	    -Xlinker --version-script=$(CURDIR)/CShims/exports.map \
	    -Xlinker -soname=libswifttce.so
	@mkdir -p $(LIBDIR)
	cp .build-shared/release/libSwiftTCEShared.so $@

clean:
	rm -rf $(BUILD) .build .build-*

# One fragment per concern; each adds to CHECK_PROGS / CHECK_DEPS.
include $(sort $(wildcard mk/*.mk))
