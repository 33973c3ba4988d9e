# SPDX-License-Identifier: MIT
# Fuzzing (clang's libFuzzer, with ASan and UBSan):
#
#   make fuzz                  run every target for FUZZ_SECONDS (60) each
#   make fuzz-build            build them (the fuzz tier of make check replays
#                              each one's corpus in tests/fuzz/corpus/)
#   make fuzz FUZZ_TARGETS=fuzz-ring FUZZ_SECONDS=600
#
# The code under test is compiled again here with coverage and sanitizers,
# into $(BUILD)/fuzz/, so the normal build is left as it is.  New inputs a
# run finds go to $(BUILD)/fuzz/corpus/<target> (add the interesting ones to
# tests/fuzz/corpus/<target>); crashes to $(BUILD)/fuzz/crashes/<target>/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_INC := -Itests/fuzz -Iclient-lib/include -Idaemon \
	$(shell pkg-config --cflags libevent inih 2>/dev/null)
FUZZ_TARGETS ?= fuzz-proto fuzz-client fuzz-config fuzz-http fuzz-ring
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# What each target links besides its own file.
FUZZ_SRCS_fuzz-proto := common/grab-proto.c
FUZZ_SRCS_fuzz-ring := common/grab-ring.c
FUZZ_SRCS_fuzz-client := $(LIBGRAB_SRCS) common/grab-ring.c common/grab-proto.c \
	common/grab-socket-path.c
FUZZ_SRCS_fuzz-config := daemon/config.c daemon/access.c daemon/log.c daemon/control.c common/grab-proto.c \
	common/grab-socket-path.c
FUZZ_SRCS_fuzz-http := daemon/http-route.c common/grab-proto.c
FUZZ_LIBS_fuzz-client := -lpthread
FUZZ_LIBS_fuzz-config := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
FUZZ_LIBS_fuzz-http := $(shell pkg-config --libs libevent 2>/dev/null || echo -levent)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 $(WARNINGS) $(GRAB_CPPFLAGS) $(FUZZ_INC) $(FUZZ_CFLAGS) \
		-MMD -MP -c -o $@ $<

define FUZZ_LINK
$$(FUZZ_DIR)/$(1): $$(FUZZ_DIR)/obj/tests/fuzz/$(1).o \
		$$(patsubst %.c,$$(FUZZ_DIR)/obj/%.o,$$(FUZZ_SRCS_$(1)))
	$$(FUZZ_CC) -g $$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_LINK,$(t))))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS on a copy of its committed corpus; prints the
# executions and the crashes of each, and fails if any target crashed.
fuzz: fuzz-build
	@bash tests/fuzz/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_TARGETS)

# Regenerate the binary seed corpora from the real encoders (by hand, after a
# protocol or ring change; the output is committed).
.PHONY: fuzz-seeds
fuzz-seeds: $(FUZZ_DIR)/make-seeds
	@mkdir -p $(addprefix tests/fuzz/corpus/,fuzz-proto fuzz-client fuzz-ring)
	$(FUZZ_DIR)/make-seeds tests/fuzz/corpus
$(FUZZ_DIR)/make-seeds: tests/fuzz/make-seeds.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -o $@ $< $(COMMON_LIB)
