// SPDX-License-Identifier: MIT
/*
 * grab_msg_decode() refuses a message with any non-zero reserved or tail
 * byte, wherever it is, and accepts the same message all zero: every byte
 * position of a FRAME and an ERROR message, one at a time.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "grab-proto.h"
#include "../lib/tap.h"

/* Decode @m with byte @i set to @v: the result. */
static int decode_with(const struct grab_msg *m, size_t i, uint8_t v)
{
	uint8_t buf[GRAB_MSG_SIZE];
	struct grab_msg out;

	memcpy(buf, m, sizeof(buf));
	buf[i] = v;
	return grab_msg_decode(buf, sizeof(buf), &out, NULL);
}

/* Every byte from @from to the end must be refused when non-zero. */
static void check_tail(const struct grab_msg *m, size_t from, const char *what)
{
	size_t i, accepted = 0, first = 0;

	ok(decode_with(m, from, 0) == 0,
	   "%s: all reserved bytes zero: accepted", what);
	for (i = from; i < GRAB_MSG_SIZE; i++)
		if (decode_with(m, i, 0x01) != -EBADMSG ||
		    decode_with(m, i, 0x80) != -EBADMSG) {
			if (!accepted++)
				first = i;
		}
	ok(accepted == 0,
	   "%s: a non-zero byte at each of offsets %zu..%u refused (%zu accepted, first %zu)",
	   what, from, GRAB_MSG_SIZE - 1, accepted, first);
}

int main(void)
{
	struct grab_msg m;

	grab_msg_init(&m, GRAB_MSG_FRAME);
	m.u.frame.sequence = 42;
	m.u.frame.bytesused = 4096;
	check_tail(&m,
		   offsetof(struct grab_msg, u) +
			   offsetof(struct grab_msg_frame, reserved),
		   "FRAME");

	grab_msg_init(&m, GRAB_MSG_ERROR);
	m.u.error.error = 2;
	grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason), "gone");
	check_tail(&m, offsetof(struct grab_msg, u) + sizeof(m.u.error),
		   "ERROR tail");
	return done_testing();
}
