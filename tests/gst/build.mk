# SPDX-License-Identifier: MIT
# The gst tier's helper: grab's format table with grabsrc's caps names.
$(BUILD)/tests/gst/gst-formats: tests/gst/gst-formats.c $(BUILD)/client-lib/gst/grab-caps.o
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -Iclient-lib/include -Iclient-lib/gst $(GST_CFLAGS) $(LDFLAGS) \
		-o $@ $^ $(GST_LIBS)
ifneq ($(GST_FOUND),)
ALL_TARGETS += $(BUILD)/tests/gst/gst-formats
endif
