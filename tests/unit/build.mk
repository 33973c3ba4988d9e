# SPDX-License-Identifier: MIT
# Unit tier: pure functions, linked against the shared code (and libgrab's
# static archive, for the public helpers that wrap it, and the image
# library); the daemon's tests link the daemon objects they test and
# nothing else.
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBGRAB_A) $(IMAGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -Iclient-lib/include $(LDFLAGS) -o $@ $< \
		$(LIBGRAB_A) $(IMAGE_LIB) $(COMMON_LIB) $(IMAGE_LIBS) -lm $(GRAB_LDLIBS)

# test-stream links stream.c and source.c without client.c, listener.c or
# any http file, and with its own fake sources instead of source-kinds.c:
# that it links at all is the proof that the stream knows its consumers
# and sources only through their ops tables.
UNIT_STREAM_OBJS := $(addprefix $(BUILD)/daemon/,stream.o source.o clock.o control.o \
	log.o config.o access.o)
UNIT_CONFIG_OBJS := $(addprefix $(BUILD)/daemon/,config.o access.o log.o control.o)
UNIT_DAEMON_CFLAGS := -Idaemon $(shell pkg-config --cflags libevent inih 2>/dev/null)

$(BUILD)/tests/unit/test-stream: tests/unit/test-stream.c $(UNIT_STREAM_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(UNIT_DAEMON_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs libevent inih 2>/dev/null || echo -levent -linih) \
		$(GRAB_LDLIBS)

$(BUILD)/tests/unit/test-config: tests/unit/test-config.c $(UNIT_CONFIG_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(UNIT_DAEMON_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs inih 2>/dev/null || echo -linih) $(GRAB_LDLIBS)

# test-controls: names and values without a camera (control.c).
$(BUILD)/tests/unit/test-controls: tests/unit/test-controls.c $(BUILD)/daemon/control.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(UNIT_DAEMON_CFLAGS) $(LDFLAGS) -o $@ $^ $(GRAB_LDLIBS)

ALL_TARGETS += $(UNIT_BINS)

# test-v4l2 links the V4L2 source's pure parts: no camera, no libv4l2.
UNIT_V4L2_OBJS := $(addprefix $(BUILD)/daemon/,v4l2-mode.o v4l2-frame.o)
$(BUILD)/tests/unit/test-v4l2: tests/unit/test-v4l2.c $(UNIT_V4L2_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(UNIT_DAEMON_CFLAGS) $(LDFLAGS) -o $@ $^ $(GRAB_LDLIBS)
