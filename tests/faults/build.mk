# SPDX-License-Identifier: MIT
# Faults tier: the LD_PRELOAD fault injector and the read-only client.
FAULTS_DIR := $(BUILD)/tests/faults
FAULTS_INJECT := $(FAULTS_DIR)/fault-inject.so
FAULTS_RO := $(FAULTS_DIR)/ro-client

$(FAULTS_INJECT): tests/faults/fault-inject.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -shared -o $@ tests/faults/fault-inject.c \
		$(COMMON_SRCS) -ldl -lpthread

$(FAULTS_RO): tests/faults/ro-client.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -o $@ $< $(COMMON_LIB) $(GRAB_LDLIBS)

ALL_TARGETS += $(FAULTS_INJECT) $(FAULTS_RO)

# A hostile "daemon" and the libgrab client that faces it.
FAULTS_FAKE := $(FAULTS_DIR)/fake-daemon
FAULTS_HOSTILE := $(FAULTS_DIR)/hostile-client
FAULTS_WAIT := $(FAULTS_DIR)/wait-client

$(FAULTS_FAKE): tests/faults/fake-daemon.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -o $@ $< $(COMMON_LIB) $(GRAB_LDLIBS)

$(FAULTS_HOSTILE) $(FAULTS_WAIT): $(FAULTS_DIR)/%: tests/faults/%.c tests/faults/faults-client.h $(LIBGRAB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(GRAB_CFLAGS) -Iclient-lib/include -o $@ $< \
		-L$(BUILD) -Wl,-rpath,'$$ORIGIN/../..' -lgrab $(GRAB_LDLIBS)

ALL_TARGETS += $(FAULTS_FAKE) $(FAULTS_HOSTILE) $(FAULTS_WAIT)
