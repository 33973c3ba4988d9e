// SPDX-License-Identifier: MIT
/*
 * grab_stream_controls() and grab_set_control(): each a short connection
 * of its own (like grab_stream_stats()), so a handle's frame events are
 * never mixed with the answers.  The daemon sends one CONTROL per control
 * (one empty CONTROL when there are none) and closes; or ERROR.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static void to_public(const struct grab_msg_control *c, struct grab_control *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", c->name);
	snprintf(r->label, sizeof(r->label), "%s", c->label);
	r->id = c->id;
	r->type = c->type;
	r->flags = c->flags;
	r->minimum = c->minimum;
	r->maximum = c->maximum;
	r->step = c->step;
	r->default_value = c->default_value;
	r->value = c->value;
	snprintf(r->menu, sizeof(r->menu), "%s", c->menu);
}

/*
 * Send @req on a new connection and read CONTROL messages until the daemon
 * closes: up to @max into @ret.  The count the daemon announced, or -errno
 * (the daemon's ERROR, with its reason in @reason).
 */
static int exchange(struct grab *g, const struct grab_msg *req,
		    struct grab_control *ret, size_t max, char *reason,
		    size_t reason_size)
{
	uint64_t deadline = grab_now_ms() + HANDSHAKE_TIMEOUT_MS;
	uint32_t count = 0, got = 0;
	uint8_t buf[GRAB_MSG_SIZE + 64];
	struct grab_msg m;
	int fd, r;

	if (reason && reason_size)
		reason[0] = 0;
	fd = grab_open_socket(g->socket_path);
	if (fd < 0)
		return fd;
	if (send(fd, req, sizeof(*req), MSG_NOSIGNAL) != sizeof(*req)) {
		r = -errno;
		goto out;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint64_t now = grab_now_ms();
		ssize_t n;

		if (now >= deadline) {
			r = -ETIMEDOUT;
			goto out;
		}
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			r = r < 0 ? -errno : -ETIMEDOUT;
			goto out;
		}
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break; /* closed: the list is complete, or cut */
		r = grab_msg_decode(buf, (size_t)n, &m, NULL);
		if (r)
			goto out;
		if (m.hdr.type == GRAB_MSG_ERROR) {
			if (reason && reason_size)
				snprintf(reason, reason_size, "%s",
					 m.u.error.reason);
			r = m.u.error.error ? -m.u.error.error : -EPROTO;
			goto out;
		}
		if (m.hdr.type != GRAB_MSG_CONTROL) {
			r = -EPROTO;
			goto out;
		}
		if (m.u.control.count == 0 && got == 0) {
			r = 0;
			goto out;
		}
		/* In order, all announcing the same count. */
		if (m.u.control.index != got ||
		    (got && m.u.control.count != count)) {
			r = -EPROTO;
			goto out;
		}
		count = m.u.control.count;
		if (got < max)
			to_public(&m.u.control, &ret[got]);
		if (++got == count)
			break;
	}
	r = got == count && count ? (int)count : -EPROTO;
out:
	close(fd);
	return r;
}

API int grab_stream_controls(struct grab *g, struct grab_control *ret,
			     size_t max)
{
	struct grab_msg m;

	if (!g || g->closed || (!ret && max))
		return -EINVAL;
	if (g->mode == MODE_DEVICE)
		return -EOPNOTSUPP;
	grab_msg_init(&m, GRAB_MSG_CONTROLS_REQ);
	grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream),
			  g->stream);
	return exchange(g, &m, ret, max, NULL, 0);
}

API int grab_set_control(struct grab *g, const char *name, const char *value,
			 struct grab_control *ret_control, char *reason,
			 size_t reason_size)
{
	struct grab_control local;
	struct grab_msg m;
	const char *ch;
	int r;

	if (reason && reason_size)
		reason[0] = 0;
	if (!g || g->closed || !name || !value || !*value ||
	    strlen(value) >= GRAB_CTRL_VALUE_MAX)
		return -EINVAL;
	for (ch = value; *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
			return -EINVAL;
	if (g->mode == MODE_DEVICE)
		return -EOPNOTSUPP;
	grab_msg_init(&m, GRAB_MSG_SET_CONTROL);
	grab_msg_set_text(m.u.set_control.stream,
			  sizeof(m.u.set_control.stream), g->stream);
	if (grab_ctrl_name_normalise(name, m.u.set_control.name,
				     sizeof(m.u.set_control.name)) < 0)
		return -EINVAL;
	grab_msg_set_text(m.u.set_control.value, sizeof(m.u.set_control.value),
			  value);
	r = exchange(g, &m, ret_control ? ret_control : &local, 1, reason,
		     reason_size);
	if (r < 0)
		return r;
	return r == 1 ? 0 : -EPROTO;
}
