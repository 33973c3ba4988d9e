# SPDX-License-Identifier: MIT
# Capture tier helpers: check grab-capture's output against the pattern.
$(BUILD)/tests/capture/check-frames: tests/capture/check-frames.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_LIB) -lturbojpeg -lm

ALL_TARGETS += $(BUILD)/tests/capture/check-frames
