# SPDX-License-Identifier: MIT
# Man pages: one per libgrab function, libgrab(7), grab-capture(1),
# grabberd(8), grabberd.conf(5).  Installed as they are (no build step).
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES := $(wildcard client-lib/man/*.[1-8])

.PHONY: install-man uninstall-man
install-man:
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/} || exit 1; \
	done
uninstall-man:
	rm -f $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
INSTALL_TARGETS += install-man
UNINSTALL_TARGETS += uninstall-man
