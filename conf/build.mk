# SPDX-License-Identifier: MIT
# System integration files: config, systemd units, sysusers, udev rule and
# module-loading examples.  The config goes to $(SYSCONFDIR)/grabberd (the
# top Makefile's SYSCONFDIR, /etc for any PREFIX: where grabberd looks).
# Paths follow the prefix: a /usr install puts udev rules and sysusers under
# /usr/lib, any other under /etc, where udev and systemd-sysusers look for
# local additions.
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/systemd/system,/etc/systemd/system)
UDEVRULESDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/rules.d,/etc/udev/rules.d)
SYSUSERSDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/sysusers.d,/etc/sysusers.d)
DOCDIR ?= $(PREFIX)/share/doc/grab

CONF_UNITS := $(BUILD)/conf/grabberd.service $(BUILD)/conf/grabberd.socket

# Units name the binaries where this install puts them: regenerated (like
# libgrab.pc) whenever the paths differ from the last build.
$(BUILD)/conf/%: conf/%.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

ALL_TARGETS += $(CONF_UNITS)

.PHONY: install-conf uninstall-conf
install-conf: $(CONF_UNITS)
	install -d $(DESTDIR)$(SYSCONFDIR)/grabberd
	@# Never overwrite an operator's config.
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/grabberd/grabberd.conf ]; then \
		install -m 0644 conf/grabberd.conf $(DESTDIR)$(SYSCONFDIR)/grabberd/grabberd.conf; \
	else \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/grabberd/grabberd.conf"; fi
	install -D -m 0644 $(BUILD)/conf/grabberd.service $(DESTDIR)$(UNITDIR)/grabberd.service
	install -D -m 0644 $(BUILD)/conf/grabberd.socket $(DESTDIR)$(UNITDIR)/grabberd.socket
	install -D -m 0644 conf/60-grab.rules $(DESTDIR)$(UDEVRULESDIR)/60-grab.rules
	install -D -m 0644 conf/grabberd.sysusers $(DESTDIR)$(SYSUSERSDIR)/grabberd.conf
	install -D -m 0644 conf/modules-load-grab.conf $(DESTDIR)$(DOCDIR)/examples/modules-load.d/grab.conf
	install -D -m 0644 conf/modprobe-grab.conf $(DESTDIR)$(DOCDIR)/examples/modprobe.d/grab.conf
	install -D -m 0644 conf/grabberd.conf $(DESTDIR)$(DOCDIR)/examples/grabberd.conf
	@# On the live system: create the user, load the rule and the units.
	if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers $(SYSUSERSDIR)/grabberd.conf || true; \
		udevadm control --reload-rules 2>/dev/null || true; \
		systemctl daemon-reload 2>/dev/null || true; fi

uninstall-conf:
	rm -f $(DESTDIR)$(UNITDIR)/grabberd.service $(DESTDIR)$(UNITDIR)/grabberd.socket \
		$(DESTDIR)$(UDEVRULESDIR)/60-grab.rules $(DESTDIR)$(SYSUSERSDIR)/grabberd.conf
	rm -rf $(DESTDIR)$(DOCDIR)/examples
	@# The config may hold the operator's changes: left in place.
	@echo "left $(DESTDIR)$(SYSCONFDIR)/grabberd/grabberd.conf in place"

INSTALL_TARGETS += install-conf
UNINSTALL_TARGETS += uninstall-conf
