# SPDX-License-Identifier: MIT
# libgrab: libgrab.so.1 (hidden visibility, version script) and libgrab.a.
LIBGRAB_VERSION := 1.0.0
LIBGRAB_SONAME := libgrab.so.1
LIBGRAB_SRCS := $(wildcard client-lib/src/*.c)
LIBGRAB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIBGRAB_SRCS))
LIBGRAB_SO := $(BUILD)/$(LIBGRAB_SONAME)
LIBGRAB_A := $(BUILD)/libgrab.a
# What a libgrab client in this tree compiles with (as pkg-config's
# --cflags would give after install).
LIBGRAB_CFLAGS := -Iclient-lib/include
LIBDIR ?= $(PREFIX)/lib

$(LIBGRAB_OBJS): GRAB_CFLAGS += -Iclient-lib/include -fvisibility=hidden

# Every symbol resolved at link time, except in a sanitizer build: there the
# sanitizer's runtime is linked into the program, not the library.
LIBGRAB_NO_UNDEFINED := $(if $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),,-Wl,--no-undefined)

$(LIBGRAB_SO): $(LIBGRAB_OBJS) $(COMMON_LIB) client-lib/libgrab.map
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,$(LIBGRAB_SONAME) \
		-Wl,--version-script=client-lib/libgrab.map $(LIBGRAB_NO_UNDEFINED) \
		-o $@ $(LIBGRAB_OBJS) $(COMMON_LIB)
	ln -sf $(LIBGRAB_SONAME) $(BUILD)/libgrab.so

# The static library carries the shared code it needs.
$(LIBGRAB_A): $(LIBGRAB_OBJS) $(COMMON_OBJS)
	$(AR) rcs $@ $^

# Regenerated whenever PREFIX or LIBDIR differ from the last build (make
# install PREFIX=/usr after a plain make must not install /usr/local paths).
$(BUILD)/libgrab.pc: client-lib/libgrab.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(LIBGRAB_VERSION)|' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
.PHONY: FORCE
FORCE:

ALL_TARGETS += $(LIBGRAB_SO) $(LIBGRAB_A) $(BUILD)/libgrab.pc

.PHONY: install-libgrab uninstall-libgrab
install-libgrab: $(LIBGRAB_SO) $(LIBGRAB_A) $(BUILD)/libgrab.pc
	install -D -m 0755 $(LIBGRAB_SO) $(DESTDIR)$(LIBDIR)/$(LIBGRAB_SONAME)
	ln -sf $(LIBGRAB_SONAME) $(DESTDIR)$(LIBDIR)/libgrab.so
	install -D -m 0644 $(LIBGRAB_A) $(DESTDIR)$(LIBDIR)/libgrab.a
	install -D -m 0644 client-lib/include/grab/grab.h $(DESTDIR)$(PREFIX)/include/grab/grab.h
	install -D -m 0644 $(BUILD)/libgrab.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libgrab.pc
uninstall-libgrab:
	rm -f $(DESTDIR)$(LIBDIR)/$(LIBGRAB_SONAME) $(DESTDIR)$(LIBDIR)/libgrab.so \
		$(DESTDIR)$(LIBDIR)/libgrab.a $(DESTDIR)$(PREFIX)/include/grab/grab.h \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libgrab.pc
INSTALL_TARGETS += install-libgrab
UNINSTALL_TARGETS += uninstall-libgrab
