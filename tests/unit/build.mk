# SPDX-License-Identifier: MIT
# Unit tier: pure functions, linked against the shared code (and libgrab's
# static archive, for the public helpers that wrap it, and the image
# library).
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBGRAB_A) $(IMAGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -Iclient-lib/include $(LDFLAGS) -o $@ $< \
		$(LIBGRAB_A) $(IMAGE_LIB) $(COMMON_LIB) $(IMAGE_LIBS) -lm $(GRAB_LDLIBS)

ALL_TARGETS += $(UNIT_BINS)
