/* SPDX-License-Identifier: MIT */
/*
 * The grabberd client protocol, shared by the daemon and libgrab.
 *
 * A unix SOCK_SEQPACKET socket carries fixed-size messages (struct grab_msg,
 * GRAB_MSG_SIZE bytes each, little-endian host order: both ends run on the
 * same machine).  Every message starts with the magic, the protocol version
 * and a type; every field is validated on receive (grab_msg_decode) and a
 * bad message is rejected with a reason.
 *
 *   client                         daemon
 *   HELLO {version, stream}  --->
 *                            <---  STREAM {geometry} + ring fd (SCM_RIGHTS)
 *                                  or WAIT {reason} (source not up yet),
 *                                     STREAM later
 *                                  or ERROR {errno, reason}, then close
 *                            <---  FRAME {sequence, missed, ...} per frame
 *                            <---  RESET {reason}: the stream changed
 *   HELLO again              --->  (re-handshake on the same socket)
 *
 *   STATS_REQ {version, stream} as the first message of a connection
 *                            <---  STATS {...}, then close
 *
 * A client whose socket is full is not buffered for: it gets the newest
 * frame when it drains, with the number of frames it missed.
 */
#ifndef GRAB_PROTO_H
#define GRAB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/grab.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRAB_PROTO_MAGIC 0x50425247u /* "GRBP" */
#define GRAB_PROTO_VERSION 2u /* 2: 512-byte messages, formats with planes */
#define GRAB_MSG_SIZE 512u
#define GRAB_DEFAULT_STREAM_NAME "default"
#define GRAB_NAME_MAX 64u /* stream names, NUL included */
#define GRAB_TEXT_MAX 128u /* reasons */
#define GRAB_SOURCE_MAX 96u /* source strings ("v4l2:/dev/video0") */

enum grab_msg_type {
	GRAB_MSG_HELLO = 1, /* client: attach to a stream */
	GRAB_MSG_STREAM = 2, /* daemon: geometry, ring fd attached */
	GRAB_MSG_WAIT = 3, /* daemon: accepted, source not available yet */
	GRAB_MSG_FRAME = 4, /* daemon: a frame was published */
	GRAB_MSG_ERROR = 5, /* daemon: request refused; closes next */
	GRAB_MSG_RESET = 6, /* daemon: stream changed, say HELLO again */
	GRAB_MSG_STATS_REQ = 7, /* client: counters of a stream */
	GRAB_MSG_STATS = 8, /* daemon: the counters */
	GRAB_MSG_TYPE_MAX = GRAB_MSG_STATS,
};

/* Header of every message. */
struct grab_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t size; /* GRAB_MSG_SIZE */
	uint32_t reserved; /* zero */
};

struct grab_msg_hello { /* HELLO and STATS_REQ */
	char stream[GRAB_NAME_MAX];
	uint32_t flags; /* zero */
	uint32_t reserved[3];
};

struct grab_msg_stream {
	char stream[GRAB_NAME_MAX];
	char source[GRAB_SOURCE_MAX];
	struct grab_format format;
	uint32_t nslots;
	uint32_t fps_num;
	uint32_t fps_den;
	uint32_t reserved;
	uint64_t ring_size;
};

struct grab_msg_frame {
	uint64_t sequence;
	uint64_t timestamp_ns;
	uint64_t missed; /* frame events skipped since the previous one */
	uint32_t slot;
	uint32_t bytesused;
	uint32_t flags; /* GRAB_SLOT_* */
	uint32_t reserved[3];
};

struct grab_msg_error { /* ERROR, WAIT and RESET */
	int32_t error; /* positive errno */
	uint32_t reserved;
	char reason[GRAB_TEXT_MAX];
};

struct grab_msg_stats {
	uint32_t state; /* 0 stopped, 1 running, 2 failed */
	uint32_t clients;
	uint32_t fps_num;
	uint32_t fps_den;
	uint32_t fps_milli; /* measured rate x 1000 */
	uint32_t reserved;
	uint64_t frames;
	uint64_t dropped;
	uint64_t missed;
	struct grab_format format;
	char source[GRAB_SOURCE_MAX];
	char error[64]; /* why the source failed, "" if it did not */
};

struct grab_msg {
	struct grab_msg_hdr hdr;
	union {
		struct grab_msg_hello hello;
		struct grab_msg_stream stream;
		struct grab_msg_frame frame;
		struct grab_msg_error error;
		struct grab_msg_stats stats;
		uint8_t raw[GRAB_MSG_SIZE - sizeof(struct grab_msg_hdr)];
	} u;
};
_Static_assert(sizeof(struct grab_msg_hdr) == 16, "grab_msg_hdr size");
_Static_assert(sizeof(struct grab_msg) == GRAB_MSG_SIZE, "grab_msg size");

/* Name of a message type, "?" if unknown. */
const char *grab_msg_type_name(uint32_t type);

/* Zero @msg and fill its header for @type. */
void grab_msg_init(struct grab_msg *msg, enum grab_msg_type type);

/* Copy @src into a fixed text field of @size bytes, always NUL terminated. */
void grab_msg_set_text(char *dst, size_t size, const char *src);

/*
 * Validate @len bytes received at @buf and copy them to @ret_msg.  Returns
 * 0, or -EBADMSG (malformed: *@ret_why says what), or -EPROTONOSUPPORT (a
 * well-formed header of another protocol version).  Every field of every
 * known type is checked: sizes, reserved zero, strings terminated, names
 * well formed, formats valid.
 */
int grab_msg_decode(const void *buf, size_t len, struct grab_msg *ret_msg,
		    const char **ret_why);

/* A stream name: 1..63 of [A-Za-z0-9_.-].  Returns true if good. */
int grab_stream_name_valid(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GRAB_PROTO_H */
