// SPDX-License-Identifier: MIT
/*
 * Encoding and validation of grabberd protocol messages; see grab-proto.h.
 * Shared by the daemon and libgrab so both ends apply the same rules.
 */
#include <errno.h>
#include <string.h>

#include "grab-format.h"
#include "grab-proto.h"

static const char *const type_names[] = {
	[GRAB_MSG_HELLO] = "HELLO",
	[GRAB_MSG_STREAM] = "STREAM",
	[GRAB_MSG_WAIT] = "WAIT",
	[GRAB_MSG_FRAME] = "FRAME",
	[GRAB_MSG_ERROR] = "ERROR",
	[GRAB_MSG_RESET] = "RESET",
	[GRAB_MSG_STATS_REQ] = "STATS_REQ",
	[GRAB_MSG_STATS] = "STATS",
	[GRAB_MSG_CONTROLS_REQ] = "CONTROLS_REQ",
	[GRAB_MSG_CONTROL] = "CONTROL",
	[GRAB_MSG_SET_CONTROL] = "SET_CONTROL",
};

const char *grab_msg_type_name(uint32_t type)
{
	if (type == 0 || type > GRAB_MSG_TYPE_MAX)
		return "?";
	return type_names[type];
}

void grab_msg_init(struct grab_msg *msg, enum grab_msg_type type)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdr.magic = GRAB_PROTO_MAGIC;
	msg->hdr.version = GRAB_PROTO_VERSION;
	msg->hdr.type = (uint16_t)type;
	msg->hdr.size = GRAB_MSG_SIZE;
}

void grab_msg_set_text(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memset(dst, 0, size);
	if (n)
		memcpy(dst, src, n);
}

int grab_stream_name_valid(const char *name)
{
	size_t i, n = strnlen(name, GRAB_NAME_MAX);

	if (n == 0 || n >= GRAB_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

int grab_ctrl_name_normalise(const char *in, char *out, size_t size)
{
	size_t n = 0;
	int gap = 0;

	for (; *in; in++) {
		char c = *in;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			gap = n > 0; /* none at the start */
			continue;
		}
		if (n + gap + 1 >= size)
			return -1;
		if (gap)
			out[n++] = '_';
		gap = 0;
		out[n++] = c;
	}
	if (!n || !size)
		return -1;
	out[n] = 0;
	return (int)n;
}

int grab_ctrl_name_valid(const char *name)
{
	size_t i, n = strnlen(name, GRAB_CTRL_NAME_MAX);

	if (n == 0 || n >= GRAB_CTRL_NAME_MAX || name[0] == '_' ||
	    name[n - 1] == '_')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
		if (c == '_' && name[i + 1] == '_')
			return 0;
	}
	return 1;
}

/* A text field: terminated, printable, zero after the terminator. */
static int text_ok(const char *s, size_t size)
{
	size_t i, n = strnlen(s, size);

	if (n == size)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	for (i = n; i < size; i++)
		if (s[i])
			return 0;
	return 1;
}

/*
 * memcmp() against zeros rather than a byte loop: every frame event has
 * some 200 reserved and tail bytes, and the loop was three quarters of the
 * instructions a client spends per frame (callgrind, make bench profile).
 */
static int zero(const void *p, size_t n)
{
	static const uint8_t zeros[GRAB_MSG_SIZE];
	const uint8_t *b = p;

	while (n > sizeof(zeros)) {
		if (memcmp(b, zeros, sizeof(zeros)))
			return 0;
		b += sizeof(zeros);
		n -= sizeof(zeros);
	}
	return !memcmp(b, zeros, n);
}

/* The bytes of the union after the member used by a type must be zero. */
static int tail_zero(const struct grab_msg *m, size_t used)
{
	return zero(m->u.raw + used, sizeof(m->u.raw) - used);
}

#define BAD(why)                  \
	do {                      \
		*ret_why = (why); \
		return -EBADMSG;  \
	} while (0)

/* A CONTROL: one entry of a list, or the empty list (count 0, all zero). */
static int check_control(const struct grab_msg *m, const char **ret_why)
{
	const struct grab_msg_control *c = &m->u.control;

	if (!tail_zero(m, sizeof(*c)) || c->reserved)
		BAD("reserved bytes not zero");
	if (c->count == 0) {
		if (!zero(c, sizeof(*c)))
			BAD("an empty control list with fields set");
		return 0;
	}
	if (c->count > GRAB_CTRL_COUNT_MAX || c->index >= c->count)
		BAD("control index or count out of range");
	if (c->type == 0 || c->type > GRAB_CTRL_TYPE_MAX)
		BAD("unknown control type");
	if (c->flags & ~GRAB_CTRL_FLAGS_ALL)
		BAD("unknown control flags");
	if (!text_ok(c->name, sizeof(c->name)) ||
	    !grab_ctrl_name_valid(c->name))
		BAD("control name empty or not lower-case [a-z0-9_]");
	if (!text_ok(c->label, sizeof(c->label)) ||
	    !text_ok(c->menu, sizeof(c->menu)))
		BAD("control label or menu not terminated or not printable");
	if (c->type != GRAB_CTRL_STRING && c->type != GRAB_CTRL_OTHER &&
	    c->type != GRAB_CTRL_BUTTON && c->minimum > c->maximum)
		BAD("control minimum above its maximum");
	return 0;
}

static int check_body(const struct grab_msg *m, const char **ret_why)
{
	switch (m->hdr.type) {
	case GRAB_MSG_HELLO:
	case GRAB_MSG_STATS_REQ:
	case GRAB_MSG_CONTROLS_REQ: /* a HELLO's body: the stream named */
		if (!text_ok(m->u.hello.stream, sizeof(m->u.hello.stream)))
			BAD("stream name not terminated or not printable");
		if (!grab_stream_name_valid(m->u.hello.stream))
			BAD("stream name empty or not [A-Za-z0-9_.-]");
		if (m->u.hello.flags)
			BAD("unknown flags");
		if (!zero(m->u.hello.reserved, sizeof(m->u.hello.reserved)) ||
		    !tail_zero(m, sizeof(m->u.hello)))
			BAD("reserved bytes not zero");
		return 0;
	case GRAB_MSG_STREAM:
		if (!text_ok(m->u.stream.stream, sizeof(m->u.stream.stream)) ||
		    !text_ok(m->u.stream.source, sizeof(m->u.stream.source)))
			BAD("stream or source name not terminated");
		if (grab_format_valid(&m->u.stream.format))
			BAD("invalid format");
		if (m->u.stream.nslots < GRAB_MIN_SLOTS ||
		    m->u.stream.nslots > GRAB_MAX_SLOTS)
			BAD("slot count out of range");
		if (!m->u.stream.fps_num || !m->u.stream.fps_den)
			BAD("zero frame rate");
		if (m->u.stream.ring_size <
		    (uint64_t)m->u.stream.format.sizeimage * m->u.stream.nslots)
			BAD("ring too small for its slots");
		if (m->u.stream.reserved || !tail_zero(m, sizeof(m->u.stream)))
			BAD("reserved bytes not zero");
		return 0;
	case GRAB_MSG_FRAME:
		if (m->u.frame.slot >= GRAB_MAX_SLOTS)
			BAD("slot out of range");
		if (!zero(m->u.frame.reserved, sizeof(m->u.frame.reserved)) ||
		    !tail_zero(m, sizeof(m->u.frame)))
			BAD("reserved bytes not zero");
		return 0;
	case GRAB_MSG_ERROR:
	case GRAB_MSG_WAIT:
	case GRAB_MSG_RESET:
		if (m->u.error.error < 0 || m->u.error.error > 4095)
			BAD("errno out of range");
		if (!text_ok(m->u.error.reason, sizeof(m->u.error.reason)))
			BAD("reason not terminated or not printable");
		if (m->u.error.reserved || !tail_zero(m, sizeof(m->u.error)))
			BAD("reserved bytes not zero");
		return 0;
	case GRAB_MSG_STATS:
		if (m->u.stats.state > 2)
			BAD("unknown source state");
		if (!text_ok(m->u.stats.source, sizeof(m->u.stats.source)) ||
		    !text_ok(m->u.stats.error, sizeof(m->u.stats.error)))
			BAD("source or error not terminated");
		if (m->u.stats.reserved || !tail_zero(m, sizeof(m->u.stats)))
			BAD("reserved bytes not zero");
		return 0;
	case GRAB_MSG_CONTROL:
		return check_control(m, ret_why);
	case GRAB_MSG_SET_CONTROL: {
		const struct grab_msg_set_control *sc = &m->u.set_control;

		if (!text_ok(sc->stream, sizeof(sc->stream)) ||
		    !grab_stream_name_valid(sc->stream))
			BAD("stream name empty or not [A-Za-z0-9_.-]");
		if (!text_ok(sc->name, sizeof(sc->name)) ||
		    !grab_ctrl_name_valid(sc->name))
			BAD("control name empty or not lower-case [a-z0-9_]");
		if (!text_ok(sc->value, sizeof(sc->value)) || !sc->value[0])
			BAD("control value empty, not terminated or not printable");
		if (sc->flags)
			BAD("unknown flags");
		if (!zero(sc->reserved, sizeof(sc->reserved)) ||
		    !tail_zero(m, sizeof(*sc)))
			BAD("reserved bytes not zero");
		return 0;
	}
	default:
		BAD("unknown message type");
	}
}

int grab_msg_decode(const void *buf, size_t len, struct grab_msg *ret_msg,
		    const char **ret_why)
{
	const char *why_dummy;
	struct grab_msg_hdr hdr;

	if (!ret_why)
		ret_why = &why_dummy;
	*ret_why = NULL;
	if (len < sizeof(hdr))
		BAD("message shorter than its header");
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != GRAB_PROTO_MAGIC)
		BAD("bad magic (not a grab protocol message)");
	if (hdr.version != GRAB_PROTO_VERSION) {
		*ret_why = "unsupported protocol version";
		return -EPROTONOSUPPORT;
	}
	if (hdr.size != GRAB_MSG_SIZE || len != GRAB_MSG_SIZE)
		BAD("wrong message size");
	if (hdr.reserved)
		BAD("reserved header bytes not zero");
	memcpy(ret_msg, buf, sizeof(*ret_msg));
	return check_body(ret_msg, ret_why);
}
