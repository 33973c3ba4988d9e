# SPDX-License-Identifier: MIT
# Benchmark helpers (run by `make bench` through tests/bench/*.sh).
$(BUILD)/tests/bench/jpeg-bench: tests/bench/jpeg-bench.c $(BUILD)/client-lib/cli/jpeg.o \
		$(BUILD)/client-lib/cli/convert.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -Iclient-lib/include -Iclient-lib/cli -o $@ $< \
		$(BUILD)/client-lib/cli/jpeg.o $(BUILD)/client-lib/cli/convert.o \
		$(COMMON_LIB) -lturbojpeg -lm

ALL_TARGETS += $(BUILD)/tests/bench/jpeg-bench
