# Tests/test-dlopen.c loads build/lib/libswifttce.so with dlopen: it links
# neither the static library nor the Swift runtime (this explicit rule wins
# over the pattern rule in tests.mk). It re-executes itself with an empty
# environment, so no Swift library is on any search path when it loads us;
# as root it first hides the toolchain ($(SWIFT_USR)) behind an empty tmpfs.

# The standalone library's contract: swifttce.h and what it includes (host.h
# is the engine's, exported by libswifttce-host.so instead).
PUBLIC_HDRS := include/swifttce.h include/swifttce/memory.h include/swifttce/spapr_tce.h \
               include/swifttce/spapr_vio.h

# awk $(DECLARED_NAMES) HEADERS...: every function and object the headers
# declare, a name a line. Declarations start in column 0; typedefs, macros,
# comments, static inline functions and struct members do not. (mk/host.mk
# uses it too.)
DECLARED_NAMES := '/^(typedef|static|\#|}| |\/\*|\*)/ { next } \
    /^extern [^(]*;/ { sub(/;.*/, ""); n = split($$0, w, /[ *]+/); print w[n]; next } \
    /^[A-Za-z_].*[ *][a-z_][a-z0-9_]*\(/ { \
        match($$0, /[a-z_][a-z0-9_]*\(/); print substr($$0, RSTART, RLENGTH - 1); }'

# The contract as C strings: the exact list the shared object must export.
$(BUILD)/tests/dlopen-contract.h: $(PUBLIC_HDRS) mk/dlopen.mk
	@mkdir -p $(dir $@)
	awk $(DECLARED_NAMES) $(PUBLIC_HDRS) | sed 's/.*/"&",/' > $@.tmp
	mv $@.tmp $@

$(BUILD)/tests/test-dlopen: Tests/test-dlopen.c $(BUILD)/tests/dlopen-contract.h \
                            $(SHARED_LIB) $(PUBLIC_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(BUILD)/tests -DSWIFT_TOOLCHAIN_DIR='"$(SWIFT_USR)"' -DSWIFTTCE_SO='"$(CURDIR)/$(SHARED_LIB)"' $< -ldl -o $@

# make check-asan builds every Tests/test-*.c with its own pattern rule; this
# one is the same program instrumented, still linking nothing of ours.
ifdef ASAN_DIR
$(ASAN_DIR)/tests/test-dlopen: Tests/test-dlopen.c $(BUILD)/tests/dlopen-contract.h \
                               $(SHARED_LIB) $(PUBLIC_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(ASAN_CFLAGS) -I$(BUILD)/tests -DSWIFT_TOOLCHAIN_DIR='"$(SWIFT_USR)"' -DSWIFTTCE_SO='"$(CURDIR)/$(SHARED_LIB)"' \
	    $< $(SAN_LD) -ldl -o $@
endif
