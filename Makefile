# SPDX-License-Identifier: MIT
#
# grab: the one entry point.  See README.md.
#
#   make            build all of user space into build/
#   make module     build grab.ko (KDIR= picks the kernel headers)
#   make run        start grabberd in the foreground on the embedded default
#   make check      run every test tier; ends with "N passed, N failed"
#   make bench      run the benchmarks side by side
#   make install    install (DESTDIR=, PREFIX=)
#   make clean
#
# Each component adds its own rules in <component>/build.mk, included below,
# so this file stays the same as components arrive.

PREFIX ?= /usr/local
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

DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all deps module run check bench install uninstall clean
all: deps-if-missing
	@$(MAKE) --no-print-directory build-all

# The shared code: ring protocol and test pattern, linked by the daemon,
# libgrab and the tests.
COMMON_SRCS := common/grab-ring.c common/grab-proto.c kernel/grab-pattern.c
COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRCS))
COMMON_LIB := $(BUILD)/libgrab-common.a

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -MMD -MP -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJS)
	$(AR) rcs $@ $^

ALL_TARGETS += $(COMMON_LIB)

-include $(sort $(wildcard */build.mk */*/build.mk))

.PHONY: build-all deps-if-missing
build-all: $(filter-out $(CROSS_SKIP),$(ALL_TARGETS))

# Install Debian packages the first time (and whenever the list changes).
$(DEPS_STAMP): tests/lib/install-deps.sh
	bash tests/lib/install-deps.sh
	@mkdir -p $(BUILD) && touch $@
deps-if-missing: $(DEPS_STAMP)
deps:
	bash tests/lib/install-deps.sh
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

module:
	@if [ ! -f kernel/Kbuild ]; then \
		echo "make module: grab.ko is not in this tree yet (kernel/Kbuild missing)" >&2; exit 1; fi
	@echo "make module: building grab.ko against $(KDIR)"
	$(MAKE) -C kernel KDIR=$(KDIR)

run: all
	@if [ ! -x $(BUILD)/grabberd ]; then \
		echo "make run: grabberd is not in this tree yet" >&2; exit 1; fi
	$(BUILD)/grabberd $(RUN_ARGS)

check: all
	@bash tests/run-tests.sh

bench: all
	@if [ ! -f tests/bench/run.sh ]; then \
		echo "make bench: no benchmarks in this tree yet" >&2; exit 1; fi
	@bash tests/bench/run.sh

install: build-all $(INSTALL_TARGETS)
uninstall: $(UNINSTALL_TARGETS)

clean:
	rm -rf $(BUILD)
	@if [ -f kernel/Makefile ]; then $(MAKE) -C kernel clean; fi

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
