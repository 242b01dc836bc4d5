# The ABI check (README, "Versions and ABI"): abi/ holds each shared
# object's ABI as released (scripts/abi-dump.sh: its exported symbols with
# their version node, its headers' C types and its constants), and make
# check compares the tree's with it through libabigail's abidiff
# (Tests/abi-check.sh). `make abi-baseline` writes abi/ anew: the commit
# that changes the ABI on purpose runs it, and says so in CHANGELOG.md.

# Each library's contract, as a program includes it.
ABI_HDRS_libswifttce       = $(patsubst include/%,%,$(PUBLIC_HDRS))
ABI_HDRS_libswifttce-host := swifttce/host.h
ABI_LIBS  := libswifttce libswifttce-host
ABI_NAMES := $(patsubst %,$(BUILD)/abi/%.names,$(ABI_LIBS))

# The functions and objects each declares (mk/dlopen.mk's DECLARED_NAMES).
$(BUILD)/abi/%.names: mk/abi.mk mk/dlopen.mk
	@mkdir -p $(dir $@)
	awk $(DECLARED_NAMES) $(addprefix include/,$(ABI_HDRS_$*)) | sort -u > $@.tmp
	mv $@.tmp $@
$(BUILD)/abi/libswifttce.names: include/swifttce.h $(filter-out %/host.h,$(wildcard include/swifttce/*.h))
$(BUILD)/abi/libswifttce-host.names: include/swifttce/host.h

.PHONY: abi-baseline
abi-baseline: $(SHARED_LIB) $(HOST_SHARED_LIB) $(ABI_NAMES) | deps
	@mkdir -p abi
	scripts/abi-dump.sh abi/libswifttce $(SHARED_LIB) $(BUILD)/abi/libswifttce.names \
	    include $(ABI_HDRS_libswifttce)
	scripts/abi-dump.sh abi/libswifttce-host $(HOST_SHARED_LIB) \
	    $(BUILD)/abi/libswifttce-host.names include $(ABI_HDRS_libswifttce-host)

# Tests/abi-check.sh asks for a library's headers.
print-abi-headers-%:
	@echo $(ABI_HDRS_$*)

# The tree against abi/, and the check against a removed function, a
# changed struct, a changed constant and a symbol the map lost.
CHECK_SCRIPTS += Tests/abi-check.sh
# Every symbol the shared objects export carries version node SWIFTTCE_0.3;
# the sealed archives carry none.
CHECK_SCRIPTS += Tests/symbol-versions.sh
CHECK_DEPS    += $(ABI_NAMES)
