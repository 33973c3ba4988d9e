# SPDX-License-Identifier: MIT
# Integration tier: test clients linked against the real libgrab.so.
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_BINS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(INTEG_SRCS))

$(BUILD)/tests/integration/%: tests/integration/%.c $(LIBGRAB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -Iclient-lib/include -o $@ $< \
		-L$(BUILD) -Wl,-rpath,'$$ORIGIN/../..' -lgrab $(COMMON_LIB) $(GRAB_LDLIBS)

ALL_TARGETS += $(INTEG_BINS)
