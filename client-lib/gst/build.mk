# SPDX-License-Identifier: MIT
# GStreamer: the plugin "grab" (build/gst/libgstgrab.so, element grabsrc)
# and grab-rtsp, an RTSP server on gst-rtsp-server serving every grabberd
# stream.  Both carry libgrab's static archive (its symbols kept inside), so
# they run from build/ and after install with no library path to set up.
# The plugin installs into the system's GStreamer plugin directory
# (pkg-config --variable=pluginsdir gstreamer-1.0), under DESTDIR.
GST_PKGS := gstreamer-1.0 gstreamer-base-1.0 gstreamer-video-1.0
GST_CFLAGS := $(shell pkg-config --cflags $(GST_PKGS) 2>/dev/null)
GST_LIBS := $(shell pkg-config --libs $(GST_PKGS) 2>/dev/null)
GST_RTSP_CFLAGS := $(shell pkg-config --cflags gstreamer-rtsp-server-1.0 2>/dev/null)
GST_RTSP_LIBS := $(shell pkg-config --libs gstreamer-rtsp-server-1.0 gstreamer-rtsp-1.0 2>/dev/null)
GST_PLUGINSDIR ?= $(shell pkg-config --variable=pluginsdir gstreamer-1.0 2>/dev/null)
BINDIR ?= $(PREFIX)/bin

GST_ELEMENT_OBJS := $(BUILD)/client-lib/gst/grab-src.o $(BUILD)/client-lib/gst/grab-caps.o
GST_PLUGIN_OBJS := $(GST_ELEMENT_OBJS) $(BUILD)/client-lib/gst/plugin.o
GST_RTSP_OBJS := $(BUILD)/client-lib/gst/grab-rtsp.o
GST_GRAB_SO := $(BUILD)/gst/libgstgrab.so
GST_RTSP_BIN := $(BUILD)/grab-rtsp

$(GST_PLUGIN_OBJS) $(GST_RTSP_OBJS): GRAB_CFLAGS += -Iclient-lib/include \
	-fvisibility=hidden $(GST_CFLAGS) -DGRAB_GST_VERSION='"1.1.0"' -DPACKAGE='"grab"'
$(GST_RTSP_OBJS): GRAB_CFLAGS += $(GST_RTSP_CFLAGS)

$(GST_GRAB_SO): $(GST_PLUGIN_OBJS) $(LIBGRAB_A)
	@mkdir -p $(dir $@)
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,--exclude-libs,libgrab.a \
		-o $@ $(GST_PLUGIN_OBJS) $(LIBGRAB_A) $(GST_LIBS) $(GRAB_LDLIBS)

# grab-rtsp registers grabsrc itself when no installed plugin provides it.
$(GST_RTSP_BIN): $(GST_RTSP_OBJS) $(GST_ELEMENT_OBJS) $(LIBGRAB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GST_RTSP_OBJS) $(GST_ELEMENT_OBJS) \
		$(LIBGRAB_A) $(GST_RTSP_LIBS) $(GST_LIBS) $(GRAB_LDLIBS)

# Optional: built when GStreamer's and gst-rtsp-server's -dev packages are
# there (make check installs them; tests/lib/install-deps.sh optional alone).
GST_FOUND := $(and $(GST_LIBS),$(GST_RTSP_LIBS))
ifneq ($(GST_FOUND),)
ALL_TARGETS += $(GST_GRAB_SO) $(GST_RTSP_BIN) $(BUILD)/conf/grab-rtsp.service
INSTALL_TARGETS += install-gst
UNINSTALL_TARGETS += uninstall-gst
endif

.PHONY: install-gst uninstall-gst
install-gst: $(GST_GRAB_SO) $(GST_RTSP_BIN) $(BUILD)/conf/grab-rtsp.service
	@if [ -z "$(GST_PLUGINSDIR)" ]; then \
		echo "make install: no GStreamer plugin directory (pkg-config gstreamer-1.0 failed)" >&2; exit 1; fi
	install -D -m 0644 $(GST_GRAB_SO) $(DESTDIR)$(GST_PLUGINSDIR)/libgstgrab.so
	install -D -m 0755 $(GST_RTSP_BIN) $(DESTDIR)$(BINDIR)/grab-rtsp
	install -D -m 0644 $(BUILD)/conf/grab-rtsp.service $(DESTDIR)$(UNITDIR)/grab-rtsp.service
uninstall-gst:
	rm -f $(DESTDIR)$(GST_PLUGINSDIR)/libgstgrab.so $(DESTDIR)$(BINDIR)/grab-rtsp \
		$(DESTDIR)$(UNITDIR)/grab-rtsp.service
