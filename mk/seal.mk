# The global symbols each sealed archive keeps (the Makefile's swift_archive,
# scripts/seal-archive.sh): what its headers declare. The standalone archive
# keeps the engine's swifttce_* too: it holds the engine, and bench/ drives
# both layers from it (one archive, one Swift runtime in the program).

$(SEAL_DIR)/swifttce.globals: $(PUBLIC_HDRS) include/swifttce/host.h
$(SEAL_DIR)/swifttce-host.globals: include/swifttce/host.h
$(SEAL_DIR)/%.globals: mk/dlopen.mk mk/seal.mk
	@mkdir -p $(dir $@)
	awk $(DECLARED_NAMES) $(filter %.h,$^) | sort -u > $@.tmp
	mv $@.tmp $@
