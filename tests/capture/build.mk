# SPDX-License-Identifier: MIT
# Capture tier helpers: check grab-capture's output against the pattern.
$(BUILD)/tests/capture/check-frames: tests/capture/check-frames.c $(IMAGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(IMAGE_LIB) $(COMMON_LIB) $(IMAGE_LIBS) -lm

ALL_TARGETS += $(BUILD)/tests/capture/check-frames
