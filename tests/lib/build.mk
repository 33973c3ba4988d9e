# SPDX-License-Identifier: MIT
# Test helpers shared by several tiers.
VERIFY_FRAMES := $(BUILD)/tests/verify-frames
$(VERIFY_FRAMES): tests/lib/verify-frames.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_LIB)
ALL_TARGETS += $(VERIFY_FRAMES)
