# Test data made with a real QEMU 7.2 (Debian bookworm's qemu-system-ppc) and a
# Debian ppc64el Linux 6.1 guest: the spapr_iommu traces in Tests/traces/ and
# the spapr_iommu vmstate sections in Tests/vmstate/.  Needs root, apt-get and
# qemu-system-ppc64 (tools/qemu/*.sh say what is missing); make check does not
# depend on any of this: the committed data is what the tests read.
#   make qemu-data     all traces and vmstate sections
#   make qemu-traces   the traces only
#   make qemu-vmstate  the migration runs and their spapr_iommu sections
#   make qemu-guest    download + extract the guest (kernel, modules, busybox)

QEMU_OUT     := $(BUILD)/qemu
QEMU_TOOLS   := tools/qemu
QEMU_SHAPES  := vio-disk two-phb-ddw64k ram4g-4disk migrate ddw-remove-reset
QEMU_VMSTATE := Tests/vmstate
QEMU_ENV     := QEMU_OUT=$(QEMU_OUT)

.PHONY: qemu-data qemu-traces qemu-vmstate qemu-guest qemu-clean

qemu-guest: $(QEMU_OUT)/kernel-package

$(QEMU_OUT)/kernel-package:
	$(QEMU_ENV) $(QEMU_TOOLS)/fetch-guest.sh

qemu-traces: $(QEMU_OUT)/kernel-package
	@for s in $(QEMU_SHAPES); do \
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
