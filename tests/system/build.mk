# SPDX-License-Identifier: MIT
# The system tier's feeder for v4l2loopback (run in the VM, which has no
# compiler; see tests/system/loopback-feed.c).
LOOPBACK_FEED := $(BUILD)/tests/loopback-feed
$(LOOPBACK_FEED): tests/system/loopback-feed.c
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) $(LDFLAGS) -o $@ $<
ALL_TARGETS += $(LOOPBACK_FEED)
