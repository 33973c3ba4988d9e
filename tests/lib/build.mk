# SPDX-License-Identifier: MIT
# Test helpers shared by several tiers.
VERIFY_FRAMES := $(BUILD)/tests/verify-frames
$(VERIFY_FRAMES): tests/lib/verify-frames.c $(IMAGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(IMAGE_LIB) $(COMMON_LIB) $(IMAGE_LIBS)
ALL_TARGETS += $(VERIFY_FRAMES)
