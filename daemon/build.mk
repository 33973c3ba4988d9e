# SPDX-License-Identifier: MIT
# grabberd: the daemon.
GRABBERD_VERSION ?= 0.1.0
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
# JPEG and pixel conversion come from the image library (common/).
DAEMON_LIBS := $(shell pkg-config --libs libevent inih libsystemd libv4l2 2>/dev/null) \
	$(IMAGE_LIBS)

$(DAEMON_OBJS): GRAB_CFLAGS += -DGRABBERD_VERSION='"$(GRABBERD_VERSION)"' \
	-DGRAB_SYSCONFDIR='"$(SYSCONFDIR)"' \
	$(shell pkg-config --cflags libevent inih libsystemd libv4l2 2>/dev/null)

# The default config path is compiled in: rebuilt when SYSCONFDIR changes.
$(BUILD)/daemon/sysconfdir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(SYSCONFDIR)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(BUILD)/daemon/config.o $(BUILD)/daemon/main.o: $(BUILD)/daemon/sysconfdir

$(BUILD)/grabberd: $(DAEMON_OBJS) $(IMAGE_LIB) $(COMMON_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(IMAGE_LIB) $(COMMON_LIB) $(DAEMON_LIBS) $(GRAB_LDLIBS)

ALL_TARGETS += $(BUILD)/grabberd

.PHONY: install-grabberd uninstall-grabberd
install-grabberd: $(BUILD)/grabberd
	install -D -m 0755 $(BUILD)/grabberd $(DESTDIR)$(PREFIX)/sbin/grabberd
uninstall-grabberd:
	rm -f $(DESTDIR)$(PREFIX)/sbin/grabberd
INSTALL_TARGETS += install-grabberd
UNINSTALL_TARGETS += uninstall-grabberd
