# make bench: SwiftTCE against a QEMU-style flat table (bench/), in one run.
# The driver links libswifttce.a as an emulator would ($(LINK_STATIC)). It
# prints every figure, then exits 1 if any target was missed (and names them
# on its last line), so `make bench` fails then.

BENCH_BIN := $(BUILD)/bench/bench-tce

$(BENCH_BIN): bench/bench-tce.c bench/baseline-tce.c bench/baseline-tce.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -Ibench bench/bench-tce.c bench/baseline-tce.c $(LINK_STATIC) -o $@

.PHONY: bench
bench: $(BENCH_BIN)
	$(BENCH_BIN)
