# SPDX-License-Identifier: MIT
# Unit tier: pure functions, linked against the shared code only.
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(GRAB_LDLIBS)

ALL_TARGETS += $(UNIT_BINS)
