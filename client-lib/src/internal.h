/* SPDX-License-Identifier: MIT */
/* libgrab's private state. */
#ifndef LIBGRAB_INTERNAL_H
#define LIBGRAB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "grab/grab.h"
#include "grab-proto.h"
#include "grab-ring.h"

#define API __attribute__((visibility("default")))

#define GRAB_MAX_HELD 8 /* frames a caller may hold at once */
#define RECONNECT_MS 100
#define HANDSHAKE_TIMEOUT_MS 5000
/* Messages handled in one call past its deadline: a peer that never stops
 * sending cannot keep a call from returning. */
#define MSG_BUDGET 256
/* The receive timeout that stands for "wait for ever" (wait_in_recv()). */
#define LONG_WAIT_MS (3600 * 1000)
/* No ring is larger (256 slots of the largest frame fit easily). */
#define GRAB_RING_MAX_MAP (1ull << 34)

/* One mapping of a ring; frames keep it alive across reconnections. */
struct grab_map {
	void *mem;
	size_t size;
	unsigned int refs;
	struct grab_ring_reader reader;
};

struct grab_frame {
	struct grab *grab;
	struct grab_map *map;
	struct grab_ring_frame rf;
	uint64_t missed;
	bool held;
};

enum grab_mode {
	MODE_DAEMON,
	MODE_DEVICE
};

enum grab_state {
	ST_DISCONNECTED, /* no socket; the timer retries */
	ST_HELLO_SENT, /* waiting for STREAM, WAIT or ERROR */
	ST_WAITING, /* the daemon's source is not up */
	ST_ATTACHED, /* ring mapped, frame events flow */
	ST_GONE, /* the stream does not exist (any more) */
};

struct grab {
	enum grab_mode mode;
	enum grab_state state;
	unsigned int flags;
	char socket_path[108];
	char stream[GRAB_NAME_MAX];
	int sock; /* daemon socket or device fd, -1 if none */
	int rcvtimeo_ms; /* the daemon socket's SO_RCVTIMEO, 0 if none */
	int epfd; /* grab_fd(): sock, or the reconnect timer */
	int timerfd;
	bool timer_armed;
	struct grab_map *map;
	struct grab_stream_info info;
	int wait_err; /* from WAIT or ERROR */
	int ring_err; /* the last ring refused: EBADFD or EUCLEAN */
	char reason[GRAB_TEXT_MAX];
	uint64_t missed;
	uint64_t pending_missed;
	uint64_t generation;
	/* grab_rewind(): frames [rewind_next, rewind_end) of generation
	 * rewind_gen come first; their frame events are skipped. */
	uint64_t rewind_next;
	uint64_t rewind_end;
	uint64_t rewind_gen;
	bool closed;
	unsigned int held;
	struct grab_frame frames[GRAB_MAX_HELD];
};

uint64_t grab_now_ms(void);
void grab_map_unref(struct grab_map *map);
struct grab_map *grab_map_new(int fd, size_t size, const char **ret_why);
void grab_free(struct grab *g);
/* A non-blocking connection to grabberd at @path: the fd, or -errno. */
int grab_open_socket(const char *path);

/* device.c */
int grab_device_next_event(struct grab *g, int timeout_ms,
			   struct grab_msg_frame *ret_ev);
int grab_device_stats(struct grab *g, struct grab_stream_stats *ret);

#endif
