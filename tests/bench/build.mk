# SPDX-License-Identifier: MIT
# Benchmark helpers (run by `make bench` through tests/bench/run.sh); never
# installed.
BENCH := $(BUILD)/tests/bench

$(BENCH)/jpeg-bench: tests/bench/jpeg-bench.c $(IMAGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< \
		$(IMAGE_LIB) $(COMMON_LIB) $(IMAGE_LIBS) -lm

# A grabberd client that records delivery latency.
$(BENCH)/lat-client: tests/bench/lat-client.c tests/bench/bench-client.h \
		$(LIBGRAB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) $(LIBGRAB_CFLAGS) -o $@ $< \
		-L$(BUILD) -Wl,-rpath,'$$ORIGIN/../..' -lgrab $(GRAB_LDLIBS)

# The copying baselines: mjpg-streamer-style socket server, µStreamer-style
# memsink, and their readers.
$(BENCH)/copy-server: tests/bench/copy-server.c tests/bench/copy-proto.h $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_LIB) $(GRAB_LDLIBS) -lrt

$(BENCH)/copy-client: tests/bench/copy-client.c tests/bench/copy-proto.h \
		tests/bench/bench-client.h
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $< $(GRAB_LDLIBS) -lrt

# grabberd with the pattern fill replaced by a DMA stand-in (see the file).
$(BENCH)/grabberd-dma: $(BUILD)/tests/bench/dma-standin.o $(DAEMON_OBJS) \
		$(IMAGE_LIB) $(COMMON_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(DAEMON_OBJS) $(IMAGE_LIB) \
		$(COMMON_LIB) $(DAEMON_LIBS) $(GRAB_LDLIBS)

ALL_TARGETS += $(BENCH)/jpeg-bench $(BENCH)/lat-client $(BENCH)/copy-server \
	$(BENCH)/copy-client $(BENCH)/grabberd-dma
