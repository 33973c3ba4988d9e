# SPDX-License-Identifier: MIT
# examples/: installed as documentation; the capture tier builds them
# against the installed library through pkg-config.
EXAMPLES_DIR ?= $(PREFIX)/share/doc/grab/examples

.PHONY: install-examples uninstall-examples
install-examples:
	install -D -m 0644 examples/grab-frames.c $(DESTDIR)$(EXAMPLES_DIR)/grab-frames.c
	install -D -m 0644 examples/grab-view.py $(DESTDIR)$(EXAMPLES_DIR)/grab-view.py
	install -D -m 0644 examples/grab-motion.py $(DESTDIR)$(EXAMPLES_DIR)/grab-motion.py
uninstall-examples:
	rm -f $(DESTDIR)$(EXAMPLES_DIR)/grab-frames.c $(DESTDIR)$(EXAMPLES_DIR)/grab-view.py \
		$(DESTDIR)$(EXAMPLES_DIR)/grab-motion.py
INSTALL_TARGETS += install-examples
UNINSTALL_TARGETS += uninstall-examples
