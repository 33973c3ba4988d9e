# SPDX-License-Identifier: MIT
#
# Cross build of user space for arm64, included by the top Makefile when
# CROSS= or ARCH=arm64 is given:
#
#   make CROSS=aarch64-linux-gnu-     (or make ARCH=arm64: the same)
#        builds grabberd, libgrab, grab-capture and the test programs for
#        arm64 into build-arm64/, from a sysroot of Debian's arm64 -dev
#        packages (tests/arm64/fetch.sh sysroot, cached); the host build in
#        build/ is left alone.  Not cross-built: the GStreamer plugin and
#        grab-rtsp, the Python module (their arm64 sysroot would be ten
#        times the size).
#   make deb CROSS=aarch64-linux-gnu-   (or make deb-arm64)
#        the arm64 .debs into build-arm64/deb/: dpkg-buildpackage -a arm64
#        -B -d -Pcross,nopython,pkg.grab.nogst with the sysroot
#        (debian/rules).
#        -d: the build dependencies are arm64 -dev packages that are in the
#        sysroot, not installed (libevent-dev has no Multi-Arch: installing
#        libevent-dev:arm64 would remove the host's); the profiles leave out
#        the packages of what is not cross-built.
#   make module ARCH=arm64 [ARM64_KERNEL=6.1|6.12]
#        grab.ko against Debian's arm64 headers of that series (default
#        6.12), unpacked by tests/arm64/fetch.sh kernel; KDIR= overrides.
ARCH ?= arm64
CROSS ?= aarch64-linux-gnu-
ifneq ($(ARCH),arm64)
$(error cross builds are for ARCH=arm64 only (ARCH=$(ARCH)))
endif
ifneq ($(CROSS),aarch64-linux-gnu-)
$(error the arm64 sysroot is for CROSS=aarch64-linux-gnu- (CROSS=$(CROSS)))
endif
export ARCH
export CROSS_COMPILE := $(CROSS)

BUILD ?= build-arm64
AR := $(CROSS)ar
# make module and make clean need no sysroot.
# ARM64_SYSROOT= names one already made (debian/rules passes it on).
# Otherwise fetch.sh once (:=, not ?=, which would run it at every use).
ifneq ($(filter-out module clean,$(or $(MAKECMDGOALS),all)),)
ifeq ($(ARM64_SYSROOT),)
ARM64_SYSROOT := $(shell bash tests/arm64/fetch.sh sysroot)
endif
ifeq ($(ARM64_SYSROOT),)
$(error the arm64 sysroot could not be built (run: bash tests/arm64/fetch.sh sysroot))
endif
CC := $(CROSS)gcc --sysroot=$(ARM64_SYSROOT)

# Every build.mk asks pkg-config through $(shell), which GNU make 4.3 runs
# without the exported variables: the pkg-config settings ride on SHELL,
# so $(shell) and recipes alike see the sysroot's .pc files.
ARM64_PKG_CONFIG_LIBDIR := $(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(ARM64_SYSROOT)/usr/share/pkgconfig
SHELL := /usr/bin/env PKG_CONFIG_LIBDIR=$(ARM64_PKG_CONFIG_LIBDIR) \
	PKG_CONFIG_SYSROOT_DIR=$(ARM64_SYSROOT) /bin/sh
endif

# Left out of `make` (see above): the top Makefile's build-all filters them.
CROSS_SKIP := $(BUILD)/gst/% $(BUILD)/grab-rtsp $(BUILD)/conf/grab-rtsp.service \
	$(BUILD)/python/% $(BUILD)/tests/gst/% install-python install-gst

# make deb's dpkg-buildpackage (see above): the arm64 packages.
# -Pcross and nocheck: dh's tests are make check's business anyway; CC
# tells dpkg-architecture the compiler is the arm64 one.
DEB_BUILD_OPTS := -a arm64 -B -d -Pcross,nopython,pkg.grab.nogst
DEB_BUILD_ENV := ARM64_SYSROOT=$(ARM64_SYSROOT) CC=$(CROSS)gcc DEB_BUILD_OPTIONS=nocheck

ARM64_KERNEL ?= 6.12
# Looked up once, and only when used (make module).
KDIR = $(eval KDIR := $(shell bash tests/arm64/fetch.sh kernel $(ARM64_KERNEL))/headers)$(KDIR)
