# SPDX-License-Identifier: MIT
# grab-capture: frames to files or stdout.  Linked with libgrab's static
# archive, so the tool runs from build/ and after install with no library
# path to set up; the shared library is exercised by examples/ and tests.
CAPTURE_SRCS := $(wildcard client-lib/cli/*.c)
CAPTURE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CAPTURE_SRCS))
CAPTURE_LIBS := $(IMAGE_LIBS) -lm
BINDIR ?= $(PREFIX)/bin

$(CAPTURE_OBJS): GRAB_CFLAGS += -Iclient-lib/include

# Pixel conversion and JPEG from the image library (common/).
$(BUILD)/grab-capture: $(CAPTURE_OBJS) $(IMAGE_LIB) $(LIBGRAB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CAPTURE_OBJS) $(IMAGE_LIB) $(LIBGRAB_A) $(CAPTURE_LIBS) $(GRAB_LDLIBS)

ALL_TARGETS += $(BUILD)/grab-capture

.PHONY: install-grab-capture uninstall-grab-capture
install-grab-capture: $(BUILD)/grab-capture
	install -D -m 0755 $(BUILD)/grab-capture $(DESTDIR)$(BINDIR)/grab-capture
uninstall-grab-capture:
	rm -f $(DESTDIR)$(BINDIR)/grab-capture
INSTALL_TARGETS += install-grab-capture
UNINSTALL_TARGETS += uninstall-grab-capture
