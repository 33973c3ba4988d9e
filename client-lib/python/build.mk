# SPDX-License-Identifier: MIT
# The Python module `grab` (a CPython extension in C on libgrab), for
# Debian's python3: build/python/grab<EXT_SUFFIX>.so and its stub grab.pyi.
#
# It links libgrab's static archive (PIC, hidden visibility), so the module
# is one file that imports with no libgrab.so to find and cannot clash with
# another libgrab loaded into the same process.
#
# PYTHON3 is Debian's interpreter (not whatever python3 is first on PATH).
# PYTHONDIR: /usr/lib/python3/dist-packages for PREFIX=/usr (Debian's own
# place), else PREFIX/lib/python3.X/dist-packages, which Debian's python3
# searches for PREFIX=/usr/local.
PYTHON3 ?= /usr/bin/python3
PY_EXT_SUFFIX := $(shell $(PYTHON3) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
PY_VERSION := $(shell $(PYTHON3) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PY_INCLUDES := $(shell $(PYTHON3)-config --includes 2>/dev/null)
PY_NUMPY_INCLUDE := $(shell $(PYTHON3) -c 'import numpy; print(numpy.get_include())' 2>/dev/null)
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PY_VERSION)/dist-packages)

PYGRAB_SRCS := $(wildcard client-lib/python/*.c)
PYGRAB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(PYGRAB_SRCS))
PYGRAB_SO := $(BUILD)/python/grab$(PY_EXT_SUFFIX)

$(PYGRAB_OBJS): GRAB_CFLAGS += -Iclient-lib/include $(PY_INCLUDES) \
	-isystem $(PY_NUMPY_INCLUDE) -fvisibility=hidden -fno-strict-aliasing

$(PYGRAB_SO): $(PYGRAB_OBJS) $(LIBGRAB_A)
	@if [ -z "$(PY_EXT_SUFFIX)" ] || [ -z "$(PY_NUMPY_INCLUDE)" ]; then \
		echo "the Python module needs $(PYTHON3), python3-dev and python3-numpy (tests/lib/install-deps.sh)" >&2; exit 1; fi
	@mkdir -p $(dir $@)
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -o $@ $(PYGRAB_OBJS) $(LIBGRAB_A) $(GRAB_LDLIBS)
	cp client-lib/python/grab.pyi $(BUILD)/python/grab.pyi

# Optional: built when python3-dev and python3-numpy are there (make check
# installs them; tests/lib/install-deps.sh optional alone).
ifneq ($(PY_INCLUDES),)
ifneq ($(PY_NUMPY_INCLUDE),)
ALL_TARGETS += $(PYGRAB_SO)
INSTALL_TARGETS += install-python
UNINSTALL_TARGETS += uninstall-python
endif
endif

.PHONY: install-python uninstall-python
install-python: $(PYGRAB_SO)
	install -D -m 0644 $(PYGRAB_SO) $(DESTDIR)$(PYTHONDIR)/grab$(PY_EXT_SUFFIX)
	install -D -m 0644 client-lib/python/grab.pyi $(DESTDIR)$(PYTHONDIR)/grab.pyi
uninstall-python:
	rm -f $(DESTDIR)$(PYTHONDIR)/grab$(PY_EXT_SUFFIX) $(DESTDIR)$(PYTHONDIR)/grab.pyi
