// SPDX-License-Identifier: MIT
/*
 * The wire-protocol decoder, grab_msg_decode(), fed what a peer may send:
 * the daemon decodes every client message with it (daemon/client.c,
 * read_cb) and libgrab every daemon message (client-lib/src/client.c,
 * read_one).  Both receive into a buffer 64 bytes larger than a message, so
 * the input is cut the same way.  On success, every property the two
 * callers rely on afterwards must hold; on failure, a reason must be given.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "grab-format.h"
#include "grab-proto.h"

static int terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[GRAB_MSG_SIZE + 64];
	struct grab_msg m;
	const char *why = NULL;
	char text[GRAB_TEXT_MAX];
	int ret;

	/* The daemon receives with MSG_TRUNC and refuses an oversized message
	 * before decoding; libgrab's recvmsg() cuts it at the buffer. */
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	memset(&m, 0xa5, sizeof(m));
	ret = grab_msg_decode(buf, size, &m, &why);
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG || ret == -EPROTONOSUPPORT);
		FUZZ_CHECK(why && *why);
		/* What the daemon sends back about it. */
		snprintf(text, sizeof(text), "malformed message: %s", why);
		if (ret == -EPROTONOSUPPORT)
			FUZZ_CHECK(size >= sizeof(struct grab_msg_hdr));
		return 0;
	}
	FUZZ_CHECK(size == GRAB_MSG_SIZE);
	FUZZ_CHECK(!memcmp(&m, buf, sizeof(m)));
	FUZZ_CHECK(m.hdr.magic == GRAB_PROTO_MAGIC &&
		   m.hdr.version == GRAB_PROTO_VERSION &&
		   m.hdr.size == GRAB_MSG_SIZE && !m.hdr.reserved);
	FUZZ_CHECK(strcmp(grab_msg_type_name(m.hdr.type), "?"));
	switch (m.hdr.type) {
	case GRAB_MSG_HELLO:
	case GRAB_MSG_STATS_REQ:
		/* The daemon looks the name up and prints it. */
		FUZZ_CHECK(
			terminated(m.u.hello.stream, sizeof(m.u.hello.stream)));
		FUZZ_CHECK(grab_stream_name_valid(m.u.hello.stream));
		snprintf(text, sizeof(text), "no stream named \"%s\"",
			 m.u.hello.stream);
		break;
	case GRAB_MSG_STREAM:
		/* libgrab maps ring_size bytes and reads nslots frames of
		 * sizeimage bytes from them. */
		FUZZ_CHECK(terminated(m.u.stream.stream,
				      sizeof(m.u.stream.stream)));
		FUZZ_CHECK(terminated(m.u.stream.source,
				      sizeof(m.u.stream.source)));
		FUZZ_CHECK(!grab_format_valid(&m.u.stream.format));
		FUZZ_CHECK(!m.u.stream.format.nplanes ||
			   m.u.stream.format.bytesperline >=
				   m.u.stream.format.width);
		FUZZ_CHECK(m.u.stream.nslots >= GRAB_MIN_SLOTS &&
			   m.u.stream.nslots <= GRAB_MAX_SLOTS);
		FUZZ_CHECK(m.u.stream.fps_num && m.u.stream.fps_den);
		FUZZ_CHECK(m.u.stream.ring_size >=
			   (uint64_t)m.u.stream.format.sizeimage *
				   m.u.stream.nslots);
		break;
	case GRAB_MSG_FRAME:
		FUZZ_CHECK(m.u.frame.slot < GRAB_MAX_SLOTS);
		break;
	case GRAB_MSG_ERROR:
	case GRAB_MSG_WAIT:
	case GRAB_MSG_RESET:
		FUZZ_CHECK(m.u.error.error >= 0 && m.u.error.error <= 4095);
		FUZZ_CHECK(
			terminated(m.u.error.reason, sizeof(m.u.error.reason)));
		snprintf(text, sizeof(text), "%s", m.u.error.reason);
		break;
	case GRAB_MSG_STATS:
		FUZZ_CHECK(m.u.stats.state <= 2);
		FUZZ_CHECK(
			terminated(m.u.stats.source, sizeof(m.u.stats.source)));
		FUZZ_CHECK(
			terminated(m.u.stats.error, sizeof(m.u.stats.error)));
		break;
	case GRAB_MSG_CONTROLS_REQ:
		FUZZ_CHECK(
			terminated(m.u.hello.stream, sizeof(m.u.hello.stream)));
		FUZZ_CHECK(grab_stream_name_valid(m.u.hello.stream));
		break;
	case GRAB_MSG_SET_CONTROL:
		/* The daemon looks the control up by name, prints the value
		 * and reads it. */
		FUZZ_CHECK(grab_stream_name_valid(m.u.set_control.stream));
		FUZZ_CHECK(terminated(m.u.set_control.name,
				      sizeof(m.u.set_control.name)) &&
			   grab_ctrl_name_valid(m.u.set_control.name));
		FUZZ_CHECK(terminated(m.u.set_control.value,
				      sizeof(m.u.set_control.value)) &&
			   m.u.set_control.value[0]);
		snprintf(text, sizeof(text), "control.%s = %s",
			 m.u.set_control.name, m.u.set_control.value);
		break;
	case GRAB_MSG_CONTROL:
		/* libgrab stores entry index of count, prints name, label
		 * and menu. */
		if (!m.u.control.count)
			break;
		FUZZ_CHECK(m.u.control.index < m.u.control.count &&
			   m.u.control.count <= GRAB_CTRL_COUNT_MAX);
		FUZZ_CHECK(grab_ctrl_name_valid(m.u.control.name));
		FUZZ_CHECK(
			terminated(m.u.control.label,
				   sizeof(m.u.control.label)) &&
			terminated(m.u.control.menu, sizeof(m.u.control.menu)));
		FUZZ_CHECK(m.u.control.type >= 1 &&
			   m.u.control.type <= GRAB_CTRL_TYPE_MAX);
		break;
	default:
		FUZZ_CHECK(!"decoded a message of an unknown type");
	}
	return 0;
}
