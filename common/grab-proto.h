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
 *   CONTROLS_REQ {stream} as the first message of a connection
 *                            <---  CONTROL {index, count, ...} for each of
 *                                  the camera's controls (one CONTROL with
 *                                  count 0 if it has none), then close
 *                                  or ERROR {EOPNOTSUPP: the source has no
 *                                  controls; ENODATA: it is not running}
 *   SET_CONTROL {stream, name, value} as the first message of a connection
 *                            <---  CONTROL {index 0, count 1}: the control
 *                                  as the camera now reports it, then close
 *                                  or ERROR {EPERM: the peer's uid is not in
 *                                  control_uids/control_groups; EINVAL: no
 *                                  such control or a bad value; ...}
 *
 * New message types are added without a new protocol version: an older
 * daemon answers a type it does not know with ERROR {EBADMSG, "unknown
 * message type"}, and nothing that an older peer sends changes meaning.
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
	GRAB_MSG_CONTROLS_REQ = 9, /* client: list the camera's controls */
	GRAB_MSG_CONTROL = 10, /* daemon: one control */
	GRAB_MSG_SET_CONTROL = 11, /* client: change a control */
	GRAB_MSG_TYPE_MAX = GRAB_MSG_SET_CONTROL,
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

/* Controls (V4L2's, by name): see grab-controls in the README. */
#define GRAB_CTRL_NAME_MAX 32u /* normalised names, NUL included */
#define GRAB_CTRL_VALUE_MAX 64u /* a value as text, NUL included */
#define GRAB_CTRL_MENU_MAX 256u /* "0=name,1=name,..." NUL included */
#define GRAB_CTRL_COUNT_MAX 256u /* controls one source lists at most */

/* Types of a control; the same numbers as libgrab's GRAB_CONTROL_*. */
enum grab_ctrl_type {
	GRAB_CTRL_INTEGER = 1,
	GRAB_CTRL_BOOLEAN = 2,
	GRAB_CTRL_MENU = 3,
	GRAB_CTRL_BUTTON = 4,
	GRAB_CTRL_INTEGER64 = 5,
	GRAB_CTRL_INTEGER_MENU = 6,
	GRAB_CTRL_BITMASK = 7,
	GRAB_CTRL_STRING = 8,
	GRAB_CTRL_OTHER = 9, /* listed, not settable */
	GRAB_CTRL_TYPE_MAX = GRAB_CTRL_OTHER,
};

/* Flags of a control. */
#define GRAB_CTRL_FLAG_READ_ONLY (1u << 0)
#define GRAB_CTRL_FLAG_INACTIVE (1u << 1) /* another control overrides it */
#define GRAB_CTRL_FLAG_VOLATILE (1u << 2) /* the camera changes it itself */
#define GRAB_CTRL_FLAG_GRABBED (1u << 3) /* busy while streaming */
#define GRAB_CTRL_FLAGS_ALL 0xfu

struct grab_msg_control { /* CONTROL */
	uint32_t index; /* 0..count-1 */
	uint32_t count; /* controls in the answer */
	uint32_t id; /* the V4L2 control id */
	uint32_t type; /* enum grab_ctrl_type */
	uint32_t flags; /* GRAB_CTRL_FLAG_* */
	uint32_t reserved;
	int64_t minimum;
	int64_t maximum;
	int64_t step;
	int64_t default_value;
	int64_t value; /* current */
	char name[GRAB_CTRL_NAME_MAX]; /* normalised: "white_balance_automatic" */
	char label[GRAB_CTRL_NAME_MAX]; /* the camera's: "White Balance, Automatic" */
	char menu[GRAB_CTRL_MENU_MAX]; /* menus: "0=disabled,1=50_hz,..." */
};

struct grab_msg_set_control { /* SET_CONTROL */
	char stream[GRAB_NAME_MAX];
	char name[GRAB_CTRL_NAME_MAX]; /* normalised */
	char value[GRAB_CTRL_VALUE_MAX]; /* "10", "true", "50_hz" */
	uint32_t flags; /* zero */
	uint32_t reserved[3];
};

struct grab_msg {
	struct grab_msg_hdr hdr;
	union {
		struct grab_msg_hello hello;
		struct grab_msg_stream stream;
		struct grab_msg_frame frame;
		struct grab_msg_error error;
		struct grab_msg_stats stats;
		struct grab_msg_control control;
		struct grab_msg_set_control set_control;
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

/*
 * A control's name as grab spells it, from V4L2's ("White Balance,
 * Automatic") or a user's: lower case, every run of characters other than
 * [a-z0-9] one '_', none at either end ("white_balance_automatic").
 * Returns the length, or -1 if nothing is left or it does not fit @size.
 */
int grab_ctrl_name_normalise(const char *in, char *out, size_t size);

/* A normalised control name: 1..31 of [a-z0-9_], no '_' at either end and
 * none doubled.  Returns true if good. */
int grab_ctrl_name_valid(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GRAB_PROTO_H */
