# SPDX-License-Identifier: MIT
#
# grab: the one entry point.  See README.md.
#
#   make            build all of user space into build/
#   make module     build grab.ko (KDIR= picks the kernel headers)
#   make run        start grabberd in the foreground on the embedded default
#   make check      run every test tier; ends with "N passed, N failed"
#   make bench      run the benchmarks side by side
#   make install    install (DESTDIR=, PREFIX=, SYSCONFDIR=)
#   make deb        Debian packages into build/deb/
#   make deb-arm64  the arm64 ones into build-arm64/deb/ (tests/arm64/cross.mk)
#   make clean
#
# Each component adds its own rules in <component>/build.mk, included below,
# so this file stays the same as components arrive.

PREFIX ?= /usr/local
# The config directory, /etc for any PREFIX (as systemd and Debian expect):
# grabberd's default config path, the units and `make install` all use it.
SYSCONFDIR ?= /etc
DESTDIR ?=
# make CROSS=aarch64-linux-gnu- (or ARCH=arm64): an arm64 build in
# build-arm64/ (README, tests/arm64/cross.mk).
ifneq ($(CROSS)$(filter arm64,$(ARCH)),)
include tests/arm64/cross.mk
endif
BUILD ?= build
# The running kernel's headers, else the newest installed (a build host need
# not run the kernel it builds for).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /lib/modules/*/build))))

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror=implicit-function-declaration
# Every user-space object sees the ABI as <linux/grab.h> and the shared
# code (ring protocol, pattern) by relative path.
GRAB_CPPFLAGS := -D_GNU_SOURCE -Ikernel/uapi -Ikernel -Icommon
GRAB_CFLAGS := -std=gnu11 -fPIC $(WARNINGS) $(GRAB_CPPFLAGS) $(CFLAGS)
GRAB_LDLIBS := -lpthread

# Things a component wants built by `make`, installed by `make install`.
ALL_TARGETS :=
INSTALL_TARGETS :=
UNINSTALL_TARGETS :=

# Each target installs the Debian packages of its purpose only, the first
# time and whenever the lists change (tests/lib/install-deps.sh): `make` and
# `make run` the build list, `make module`, `make deb`, `make check` and
# `make bench` theirs.
deps_stamp = $(BUILD)/.deps-$(1)

.PHONY: all deps module run check bench deb deb-arm64 install uninstall clean
all: $(call deps_stamp,build)
	@$(MAKE) --no-print-directory build-all

# The shared code: ring protocol, test pattern and default socket path, linked by the daemon,
# libgrab and the tests.
COMMON_SRCS := common/grab-ring.c common/grab-proto.c common/grab-socket-path.c \
	kernel/grab-pattern.c
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
COMMON_LIB := $(BUILD)/libgrab-common.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -MMD -MP -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJS)
	$(AR) rcs $@ $^

ALL_TARGETS += $(COMMON_LIB)

# The image library: pixel conversion and JPEG for every format of the
# table, linked by grabberd, grab-capture and the benchmarks (never by
# libgrab).  Link it before $(COMMON_LIB), with $(IMAGE_LIBS).
IMAGE_SRCS := common/grab-convert.c common/grab-jpeg.c common/grab-pattern-jpeg.c \
	common/grab-pattern-check.c
IMAGE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(IMAGE_SRCS))
IMAGE_LIB := $(BUILD)/libgrab-image.a
IMAGE_LIBS := $(shell pkg-config --libs libturbojpeg 2>/dev/null || echo -lturbojpeg)

$(IMAGE_OBJS): GRAB_CFLAGS += $(shell pkg-config --cflags libturbojpeg 2>/dev/null)

$(IMAGE_LIB): $(IMAGE_OBJS)
	$(AR) rcs $@ $^

ALL_TARGETS += $(IMAGE_LIB)

-include $(sort $(wildcard */build.mk */*/build.mk))

.PHONY: build-all
build-all: $(filter-out $(CROSS_SKIP),$(ALL_TARGETS))

$(BUILD)/.deps-%: tests/lib/install-deps.sh
	bash tests/lib/install-deps.sh $*
	@mkdir -p $(BUILD) && touch $@
# make deps [PURPOSE=check]: install a purpose's list now.
PURPOSE ?= build
deps:
	bash tests/lib/install-deps.sh $(PURPOSE)
	@mkdir -p $(BUILD) && touch $(BUILD)/.deps-$(PURPOSE)

# The kernel tier's debug kernel (KASAN, lockdep, ...): 1-2 hours the first
# time, then cached; the kernel tier boots it once it exists.
.PHONY: debug-kernel
debug-kernel:
	bash tests/kernel/build-debug-kernel.sh

module: $(call deps_stamp,module)
	@if [ ! -f kernel/Kbuild ]; then \
		echo "make module: grab.ko is not in this tree yet (kernel/Kbuild missing)" >&2; exit 1; fi
	@echo "make module: building grab.ko against $(KDIR)"
	$(MAKE) -C kernel KDIR=$(KDIR)

run: all
	@if [ ! -x $(BUILD)/grabberd ]; then \
		echo "make run: grabberd is not in this tree yet" >&2; exit 1; fi
	$(BUILD)/grabberd $(RUN_ARGS)

check: $(call deps_stamp,check) all
	@bash tests/run-tests.sh

bench: $(call deps_stamp,bench) all
	@if [ ! -f tests/bench/run.sh ]; then \
		echo "make bench: no benchmarks in this tree yet" >&2; exit 1; fi
	@bash tests/bench/run.sh

# Debian packages (debian/), built from a copy of the tree in
# $(BUILD)/deb-src so nothing lands beside the checkout; the .debs go to
# $(BUILD)/deb/.
DEB_VERSION := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
# Cross builds (tests/arm64/cross.mk) set their own.
DEB_BUILD_OPTS ?= -b
DEB_BUILD_ENV ?=
deb: $(call deps_stamp,deb)
	rm -rf $(BUILD)/deb-src $(BUILD)/deb
	mkdir -p $(BUILD)/deb-src/grab-$(DEB_VERSION) $(BUILD)/deb
	@# The tracked and new files of a git checkout, else the tree but build/.
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard -z | \
		xargs -0 cp --parents -P -t $(BUILD)/deb-src/grab-$(DEB_VERSION); \
	else \
		tar --exclude=./$(BUILD) -cf - . | tar -C $(BUILD)/deb-src/grab-$(DEB_VERSION) -xf -; \
	fi
	@# Without this make's variables (BUILD=, PREFIX=): debian/rules sets its own.
	cd $(BUILD)/deb-src/grab-$(DEB_VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u PREFIX -u DESTDIR \
			-u SYSCONFDIR -u LIBDIR -u ARCH -u CROSS_COMPILE -u PKG_CONFIG_LIBDIR \
			-u PKG_CONFIG_SYSROOT_DIR $(DEB_BUILD_ENV) \
			dpkg-buildpackage -us -uc $(DEB_BUILD_OPTS) -j$(or $(DEB_JOBS),2) >../build.log 2>&1 || \
		{ tail -30 ../build.log; echo "make deb: dpkg-buildpackage failed, log: $(BUILD)/deb-src/build.log" >&2; exit 1; }
	mv $(BUILD)/deb-src/*.deb $(BUILD)/deb-src/*.changes $(BUILD)/deb-src/*.buildinfo $(BUILD)/deb/
	@ls -1 $(BUILD)/deb/*.deb

# make deb CROSS=aarch64-linux-gnu-: the arm64 packages (README).
deb-arm64:
	@$(MAKE) --no-print-directory deb CROSS=aarch64-linux-gnu-

install: build-all $(filter-out $(CROSS_SKIP),$(INSTALL_TARGETS))
uninstall: $(UNINSTALL_TARGETS)

clean:
	rm -rf $(BUILD)
	@if [ -f kernel/Makefile ]; then $(MAKE) -C kernel clean; fi

# Compiler-made dependency files only (not *.d directories, not the copy
# make deb builds in).
-include $(shell find $(BUILD) -path $(BUILD)/deb-src -prune -o -name '*.d' -type f -print 2>/dev/null)
