# Test data made with a real QEMU 7.2 (Debian bookworm's qemu-system-ppc) and a
# Debian ppc64el Linux 6.1 guest: the spapr_iommu traces in Tests/traces/ and
# the spapr_iommu vmstate sections in Tests/vmstate/.  Needs root, apt-get and
# qemu-system-ppc64 (tools/qemu/*.sh say what is missing); make check does not
# depend on any of this: the committed data is what the tests read.
#   make qemu-data     all traces and vmstate sections
#   make qemu-traces   the traces only
#   make qemu-vmstate  the migration runs and their spapr_iommu sections
#   make qemu-guest    download + extract the guest (kernel, modules, busybox)
# And the SwiftTCE QEMU (README "SwiftTCE in QEMU"): Debian's QEMU 7.2 source
# with the series in qemu/*.patch, built against this repository's library.
#   make qemu            build/qemu/src (apt-get source, git am of the series)
#                        and build/qemu/build/qemu-system-ppc64 (incremental)
#   make check-qemu      real guests on it against Debian's stock binary (not
#                        part of make check: needs make qemu and qemu-guest)
#   make qemu-checkpatch QEMU's scripts/checkpatch.pl on every patch
#   make qemu-bench      huge DMA windows, stock against SwiftTCE, one table
#                        (tools/qemu/bigwin-bench.sh: RSS, the window's
#                        clear, remove and re-add, migration; 15 min)
#   make qemu-bench-io   the guest's disk I/O on two PHBs' DDWs, stock
#                        against SwiftTCE (tools/qemu/io-bench.sh)

QEMU_OUT     := $(BUILD)/qemu
QEMU_TOOLS   := tools/qemu
# The shapes make qemu-data records (not QEMU_SHAPES: that one is
# check-qemu.sh's, and a makefile variable would override the caller's).
QEMU_DATA_SHAPES := vio-disk two-phb-ddw64k ram4g-4disk migrate ddw-remove-reset
QEMU_VMSTATE := Tests/vmstate
QEMU_ENV     := QEMU_OUT=$(QEMU_OUT)

.PHONY: qemu-data qemu-traces qemu-vmstate qemu-guest qemu-clean
.PHONY: qemu check-qemu qemu-checkpatch qemu-bench qemu-bench-io

# QEMU_SWIFTTCE_OPT=disabled builds the tree with the option off (stock QEMU),
# QEMU_BUILD_DIR elsewhere; QEMU_NINJA_TARGETS= (empty) builds all of it.
# QEMU builds against SwiftTCE installed as a distribution would have it
# (make install PREFIX=build/qemu/swifttce, again only when the library or
# its headers changed), with no Swift toolchain on PATH (qemu-build.sh
# takes it off).
QEMU_PREFIX := $(abspath $(QEMU_OUT))/swifttce
QEMU_PREFIX_PC := $(QEMU_PREFIX)/lib/pkgconfig/swifttce-host-static.pc

$(QEMU_PREFIX_PC): $(STATIC_LIB) $(SHARED_LIB) $(HOST_STATIC_LIB) $(HOST_SHARED_LIB) \
                   $(wildcard include/*.h include/swifttce/*.h) Makefile mk/install.mk
	@mkdir -p $(QEMU_OUT)
	@echo "  INSTALL $(QEMU_PREFIX) (make install, log: $(QEMU_OUT)/install.log)"
	@$(MAKE) --no-print-directory install PREFIX=$(QEMU_PREFIX) > $(QEMU_OUT)/install.log
	@touch $@

qemu: all $(QEMU_PREFIX_PC)
	$(QEMU_ENV) QEMU_SWIFTTCE_PKGCONFIG=$(dir $(QEMU_PREFIX_PC)) $(QEMU_TOOLS)/build-qemu.sh

# QEMU_SWIFTTCE, QEMU_STOCK, QEMU_CHECKS...: see tools/qemu/check-qemu.sh
check-qemu: $(QEMU_OUT)/kernel-package $(BUILD)/bin/tce-trace-check
	$(QEMU_ENV) $(QEMU_TOOLS)/check-qemu.sh

# QEMU_SWIFTTCE, QEMU_STOCK, BIGWIN_PGSZ, BIGWIN_MAXMEM, QEMU_BENCH_RUNS:
# see tools/qemu/bigwin-bench.sh
qemu-bench: $(QEMU_OUT)/kernel-package
	$(QEMU_ENV) $(QEMU_TOOLS)/bigwin-bench.sh

# QEMU_SWIFTTCE, QEMU_STOCK, QEMU_BENCH_RUNS, QEMU_BENCH_LOOPS, QEMU_BENCH_SHAPE
# (default two-phb-ddw64k): see tools/qemu/io-bench.sh
qemu-bench-io: $(QEMU_OUT)/kernel-package
	$(QEMU_ENV) $(QEMU_TOOLS)/io-bench.sh $(QEMU_BENCH_SHAPE)

qemu-checkpatch:
	@test -x $(QEMU_OUT)/src/scripts/checkpatch.pl || { echo "no QEMU source: make qemu"; exit 1; }
	$(QEMU_OUT)/src/scripts/checkpatch.pl $(filter-out qemu/0000-cover-letter.patch,$(wildcard qemu/*.patch))

qemu-guest: $(QEMU_OUT)/kernel-package

$(QEMU_OUT)/kernel-package:
	$(QEMU_ENV) $(QEMU_TOOLS)/fetch-guest.sh

qemu-traces: $(QEMU_OUT)/kernel-package
	@for s in $(QEMU_DATA_SHAPES); do \
	    $(QEMU_ENV) $(QEMU_TOOLS)/run-guest.sh $$s || exit 1; \
	done

# The migrate and ddw-remove-reset shapes' streams come from qemu-traces (both
# runs migrate; made here when missing); a third run, migrate-16m, migrates a
# machine with 16 MiB DDW pages.
QEMU_STREAMS := migrate ddw-remove-reset migrate-16m

qemu-vmstate: $(QEMU_OUT)/kernel-package
	@for s in migrate ddw-remove-reset; do \
	    test -f $(QEMU_OUT)/work/$$s/migration.bin || \
	        $(QEMU_ENV) $(QEMU_TOOLS)/run-guest.sh $$s || exit 1; \
	done
	$(QEMU_ENV) $(QEMU_TOOLS)/run-guest.sh migrate-16m
	rm -f $(QEMU_VMSTATE)/MANIFEST $(QEMU_VMSTATE)/*.bin $(QEMU_VMSTATE)/*.bin.gz
	@for s in $(QEMU_STREAMS); do \
	    echo "$(QEMU_TOOLS)/extract-vmstate.py $(QEMU_OUT)/work/$$s/migration.bin $(QEMU_VMSTATE) $$s"; \
	    $(QEMU_TOOLS)/extract-vmstate.py $(QEMU_OUT)/work/$$s/migration.bin $(QEMU_VMSTATE) $$s || exit 1; \
	done
	$(QEMU_TOOLS)/extract-vmstate.py --verify $(QEMU_VMSTATE)

qemu-data: qemu-traces
	$(MAKE) qemu-vmstate

qemu-clean:
	rm -rf $(QEMU_OUT)
