// SPDX-License-Identifier: MIT
/*
 * A client: one connection speaking the protocol of common/grab-proto.h,
 * and a consumer of the stream it says HELLO to (struct consumer_ops).
 *
 * A client is never buffered for: frame events go out with MSG_DONTWAIT;
 * when the socket is full the client is marked and only the newest frame is
 * remembered, sent with the number missed once the socket drains.  A
 * client's send buffer is kept small so that "full" comes after a few
 * frames, not after seconds of them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "daemon.h"
#include "log.h"

#define HELLO_TIMEOUT_S 5
#define CLIENT_SNDBUF 4096 /* a handful of messages in flight */
/* SO_SNDBUF per queued event: the kernel doubles the value and charges
 * about 1.3 KB per 256-byte message. */
#define CLIENT_SNDBUF_PER_EVENT 640

enum client_state {
	CLIENT_HELLO, /* waiting for HELLO (or STATS_REQ) */
	CLIENT_WAITING, /* attached, source not available yet */
	CLIENT_STREAMING, /* attached, gets frame events */
	CLIENT_RESET, /* told to say HELLO again */
};

/**
 * struct client - one connection
 * @consumer:   what its stream knows of it (@consumer.stream: the stream
 *              it is attached to, in WAITING and STREAMING)
 * @id:         number for the log
 * @pid:        peer's pid (SO_PEERCRED), for the log
 * @state:      where in the protocol it is
 * @want_*:     messages to send when the socket drains; only the newest
 *              frame is kept, never a queue
 * @newest:     the newest frame not sent yet
 * @last_sent:  sequence of the last frame event sent (valid if @sent_any)
 * @missed:     frame events this client missed because its socket was full
 */
struct client {
	struct consumer consumer;
	struct daemon *d;
	unsigned int id;
	int pid;
	int fd;
	struct event *rev, *wev, *timer;
	enum client_state state;
	TAILQ_ENTRY(client) all_link;
	bool dead; /* broken: freed from its timer */
	bool want_reset, want_stream, want_frame, want_wait;
	char why[GRAB_TEXT_MAX];
	int why_err;
	struct grab_msg_frame newest;
	bool sent_any;
	uint64_t last_sent;
	uint64_t frames_sent;
	uint64_t missed;
	uint64_t connected_ns;
	bool denied; /* not in allowed_uids/allowed_groups */
	int uid; /* the peer's, for the refusal */
};

static const struct consumer_ops client_consumer_ops;

static struct stream *client_stream(const struct client *c)
{
	return c->consumer.stream;
}

static void client_free(struct client *c);

static void client_drop(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log once why a client goes away, then free it. */
static void client_drop(struct client *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_info("client %u (pid %d): dropped: %s", c->id, c->pid, why);
	client_free(c);
}

static void client_free(struct client *c)
{
	struct daemon *d = c->d;

	if (client_stream(c))
		stream_detach(client_stream(c), &c->consumer);
	TAILQ_REMOVE(&d->clients, c, all_link);
	d->nclients--;
	if (c->rev)
		event_free(c->rev);
	if (c->wev)
		event_free(c->wev);
	if (c->timer)
		event_free(c->timer);
	close(c->fd);
	free(c);
	listener_client_gone(d);
}

/* Send one message (and maybe an fd).  0, -EAGAIN, or another -errno. */
static int send_msg(struct client *c, const struct grab_msg *m, int fd)
{
	struct iovec iov = { (void *)m, sizeof(*m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

static void want_write(struct client *c)
{
	event_add(c->wev, NULL);
}

static int send_error_msg(struct client *c, enum grab_msg_type type, int err,
			  const char *why)
{
	struct grab_msg m;

	grab_msg_init(&m, type);
	m.u.error.error = err;
	grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason), why);
	return send_msg(c, &m, -1);
}

static int do_send_stream(struct client *c)
{
	struct stream *s = client_stream(c);
	const struct source_geometry *geo = s ? stream_geometry(s) : NULL;
	struct grab_msg m;
	int ret;

	if (!geo)
		return 0;
	grab_msg_init(&m, GRAB_MSG_STREAM);
	grab_msg_set_text(m.u.stream.stream, sizeof(m.u.stream.stream),
			  stream_name(s));
	grab_msg_set_text(m.u.stream.source, sizeof(m.u.stream.source),
			  stream_config(s)->source);
	m.u.stream.format = geo->format;
	m.u.stream.nslots = geo->nslots;
	m.u.stream.fps_num = geo->fps_num;
	m.u.stream.fps_den = geo->fps_den;
	m.u.stream.ring_size = geo->ring_size;
	ret = send_msg(c, &m, geo->ring_fd);
	if (ret == 0) {
		/* About as many events in flight as the ring has frames: more
		 * would only name frames already overwritten. */
		int sndbuf = (int)geo->nslots * CLIENT_SNDBUF_PER_EVENT;

		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			   sizeof(sndbuf));
		c->state = CLIENT_STREAMING;
		c->sent_any = false;
	}
	return ret;
}

static int do_send_frame(struct client *c)
{
	struct grab_msg m;
	uint64_t missed = 0;
	int ret;

	grab_msg_init(&m, GRAB_MSG_FRAME);
	m.u.frame = c->newest;
	if (c->sent_any && c->newest.sequence > c->last_sent + 1)
		missed = c->newest.sequence - c->last_sent - 1;
	m.u.frame.missed = missed;
	ret = send_msg(c, &m, -1);
	if (ret == 0) {
		c->sent_any = true;
		c->last_sent = c->newest.sequence;
		c->missed += missed;
		c->frames_sent++;
	}
	return ret;
}

/* Send what is owed, in protocol order.  0, or -errno if the client is
 * broken (then the caller drops it). */
static int flush(struct client *c)
{
	int ret;

	if (c->want_reset) {
		ret = send_error_msg(c, GRAB_MSG_RESET, 0, c->why);
		if (ret)
			goto out;
		c->want_reset = false;
	}
	if (c->want_wait) {
		ret = send_error_msg(c, GRAB_MSG_WAIT, c->why_err, c->why);
		if (ret)
			goto out;
		c->want_wait = false;
	}
	if (c->want_stream) {
		ret = do_send_stream(c);
		if (ret)
			goto out;
		c->want_stream = false;
	}
	if (c->want_frame && c->state == CLIENT_STREAMING) {
		ret = do_send_frame(c);
		if (ret)
			goto out;
	}
	c->want_frame = false;
	event_del(c->wev);
	return 0;
out:
	if (ret == -EAGAIN) {
		want_write(c);
		return 0;
	}
	return ret;
}

/*
 * Senders are called from inside stream and source loops, so a broken
 * client is not freed here: it is detached, marked dead and freed from its
 * own timer callback.
 */
static void flush_or_drop(struct client *c)
{
	int ret;

	if (c->dead)
		return;
	ret = flush(c);
	if (!ret)
		return;
	if (c->want_stream && ret != -EPIPE && ret != -ECONNRESET) {
		/* Passing the ring fd failed, the socket itself is fine: say
		 * why, so the client can report more than a reset. */
		char why[GRAB_TEXT_MAX];

		snprintf(why, sizeof(why),
			 "grabberd cannot pass the ring of stream %s: %s",
			 client_stream(c) ? stream_name(client_stream(c)) : "?",
			 strerror(-ret));
		send_error_msg(c, GRAB_MSG_ERROR, -ret, why);
		log_warn("client %u (pid %d): dropped: %s", c->id, c->pid, why);
	} else {
		log_info("client %u (pid %d): dropped: send: %s", c->id, c->pid,
			 strerror(-ret));
	}
	c->dead = true;
	if (client_stream(c))
		stream_detach(client_stream(c), &c->consumer);
	event_del(c->rev);
	event_del(c->wev);
	event_active(c->timer, EV_TIMEOUT, 1);
}

/* --- what the stream calls (struct consumer_ops) --------------------------- */

static void client_started(struct consumer *cons,
			   const struct source_geometry *geo)
{
	struct client *c = container_of(cons, struct client, consumer);

	/* STREAM is made when it is sent, from the stream's geometry then. */
	c->want_wait = false;
	c->want_frame = false;
	c->want_stream = true;
	flush_or_drop(c);
}

static void client_waiting(struct consumer *cons, int err, const char *why)
{
	struct client *c = container_of(cons, struct client, consumer);

	c->state = CLIENT_WAITING;
	c->want_stream = false;
	c->want_frame = false;
	c->want_wait = true;
	c->why_err = err;
	snprintf(c->why, sizeof(c->why), "%s", why);
	flush_or_drop(c);
}

static void client_frame(struct consumer *cons,
			 const struct grab_msg_frame *frame)
{
	struct client *c = container_of(cons, struct client, consumer);

	if (c->state != CLIENT_STREAMING)
		return;
	c->newest = *frame;
	if (c->want_frame || c->want_stream || c->want_reset) {
		/* Still full: this one replaces the one we could not send. */
		return;
	}
	c->want_frame = true;
	flush_or_drop(c);
}

/* The stream changed: the client says HELLO again. */
static void client_reset(struct consumer *cons, const char *why)
{
	struct client *c = container_of(cons, struct client, consumer);

	if (client_stream(c))
		stream_detach(client_stream(c), &c->consumer);
	c->state = CLIENT_RESET;
	c->want_wait = c->want_stream = c->want_frame = false;
	c->want_reset = true;
	snprintf(c->why, sizeof(c->why), "%s", why);
	flush_or_drop(c);
}

/* The stream is gone: ERROR, then close. */
static void client_gone(struct consumer *cons, int err, const char *why)
{
	struct client *c = container_of(cons, struct client, consumer);

	/* Best effort: a full socket just sees the connection close. */
	send_error_msg(c, GRAB_MSG_ERROR, err, why);
	client_drop(c, "%s", why);
}

static void client_describe(const struct consumer *cons,
			    struct consumer_info *ret)
{
	const struct client *c = container_of(cons, struct client, consumer);

	ret->kind = "socket";
	ret->id = c->id;
	ret->pid = c->pid;
	ret->frames = c->frames_sent;
	ret->missed = c->missed;
	if (c->sent_any && c->want_frame)
		ret->lag = c->newest.sequence - c->last_sent;
	ret->connected_ns = c->connected_ns;
}

static const struct consumer_ops client_consumer_ops = {
	.started = client_started,
	.waiting = client_waiting,
	.frame = client_frame,
	.reset = client_reset,
	.gone = client_gone,
	.describe = client_describe,
};

/* --- the protocol ----------------------------------------------------------- */

/* Refuse a request with a message the client can show, then close. */
static void refuse(struct client *c, int err, const char *why)
{
	send_error_msg(c, GRAB_MSG_ERROR, err, why);
	client_drop(c, "refused: %s", why);
}

static void send_stats(struct client *c, struct stream *s)
{
	const struct stream_config *cfg = stream_config(s);
	const struct source_geometry *geo = stream_geometry(s);
	struct stream_stats st;
	struct grab_msg m;

	stream_get_stats(s, &st);
	grab_msg_init(&m, GRAB_MSG_STATS);
	m.u.stats.state = st.state;
	m.u.stats.clients = st.clients;
	m.u.stats.fps_num = geo ? geo->fps_num : cfg->fps_num;
	m.u.stats.fps_den = geo ? geo->fps_den : cfg->fps_den;
	m.u.stats.fps_milli = (uint32_t)(st.fps * 1000.0 + 0.5);
	m.u.stats.frames = st.frames;
	m.u.stats.dropped = st.dropped;
	m.u.stats.missed = st.missed;
	m.u.stats.format = geo ? geo->format : cfg->format;
	grab_msg_set_text(m.u.stats.source, sizeof(m.u.stats.source),
			  cfg->source);
	grab_msg_set_text(m.u.stats.error, sizeof(m.u.stats.error), st.error);
	send_msg(c, &m, -1);
}

/* The controls of @s, one CONTROL each (one empty CONTROL if none), or
 * ERROR; then close. */
static void send_controls(struct client *c, struct stream *s)
{
	static struct grab_msg_control list[GRAB_CTRL_COUNT_MAX];
	char why[GRAB_TEXT_MAX];
	struct grab_msg m;
	int i, n, r, sndbuf;

	n = stream_list_controls(s, list, GRAB_CTRL_COUNT_MAX, why,
				 sizeof(why));
	if (n < 0) {
		refuse(c, -n, why);
		return;
	}
	if (n > (int)GRAB_CTRL_COUNT_MAX)
		n = GRAB_CTRL_COUNT_MAX;
	/* Room for the whole list at once (the kernel charges some 2 KB per
	 * message); a list the buffer still cannot hold is cut short, and
	 * the client, seeing fewer than count, says so. */
	sndbuf = (n + 2) * 2048;
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	grab_msg_init(&m, GRAB_MSG_CONTROL);
	if (n == 0)
		send_msg(c, &m, -1);
	for (i = 0; i < n; i++) {
		m.u.control = list[i];
		r = send_msg(c, &m, -1);
		if (r) {
			log_warn(
				"client %u (pid %d): control list cut after %d of %d: %s",
				c->id, c->pid, i, n, strerror(-r));
			break;
		}
	}
	client_drop(c, "controls sent");
}

/* SET_CONTROL: only for control_uids / control_groups (root if none). */
static void set_control(struct client *c, struct stream *s,
			const struct grab_msg_set_control *sc)
{
	const struct access_rules *rules =
		config_control_access(&c->d->cfg, stream_config(s));
	char why[GRAB_TEXT_MAX];
	struct grab_msg m;
	uid_t uid;
	int r;

	if (!access_control_allowed(rules, c->fd, &uid)) {
		snprintf(
			why, sizeof(why),
			"permission denied: uid %d may not change the controls of stream %s (control_uids, control_groups)",
			(int)uid, stream_name(s));
		refuse(c, EPERM, why);
		return;
	}
	grab_msg_init(&m, GRAB_MSG_CONTROL);
	r = stream_set_control(s, sc->name, sc->value, &m.u.control, why,
			       sizeof(why));
	if (r) {
		log_info("client %u (pid %d, uid %d): %s", c->id, c->pid,
			 (int)uid, why);
		refuse(c, -r, why);
		return;
	}
	log_info(
		"stream %s: control %s set to %s by uid %d (pid %d); it reads back %lld",
		stream_name(s), sc->name, sc->value, (int)uid, c->pid,
		(long long)m.u.control.value);
	m.u.control.index = 0;
	m.u.control.count = 1;
	send_msg(c, &m, -1);
	client_drop(c, "control set");
}

/* The stream @name for a client allowed to connect; NULL once the client
 * is refused (not allowed, no such stream). */
static struct stream *allowed_stream(struct client *c, const char *name)
{
	char why[GRAB_TEXT_MAX];
	struct stream *s;

	if (c->denied) {
		snprintf(
			why, sizeof(why),
			"permission denied: uid %d is not in allowed_uids or allowed_groups",
			c->uid);
		refuse(c, EACCES, why);
		return NULL;
	}
	s = daemon_find_stream(c->d, name);
	if (!s) {
		snprintf(why, sizeof(why), "no stream named \"%s\"", name);
		refuse(c, ENOENT, why);
	}
	return s;
}

static void handle_msg(struct client *c, const struct grab_msg *m)
{
	struct stream *s;
	char why[GRAB_TEXT_MAX];

	switch (m->hdr.type) {
	case GRAB_MSG_HELLO:
	case GRAB_MSG_STATS_REQ:
		if (c->state != CLIENT_HELLO && c->state != CLIENT_RESET) {
			client_drop(c, "%s while already attached",
				    grab_msg_type_name(m->hdr.type));
			return;
		}
		s = allowed_stream(c, m->u.hello.stream);
		if (!s)
			return;
		if (m->hdr.type == GRAB_MSG_STATS_REQ) {
			if (c->state != CLIENT_HELLO) {
				client_drop(c, "STATS_REQ after HELLO");
				return;
			}
			send_stats(c, s);
			client_drop(c, "stats sent");
			return;
		}
		event_del(c->timer);
		if (c->state == CLIENT_HELLO)
			log_debug("client %u (pid %d): attached to %s", c->id,
				  c->pid, m->u.hello.stream);
		c->want_reset = false;
		c->state = CLIENT_HELLO;
		stream_attach(s, &c->consumer);
		return;
	case GRAB_MSG_CONTROLS_REQ:
	case GRAB_MSG_SET_CONTROL: {
		const char *name = m->hdr.type == GRAB_MSG_SET_CONTROL ?
					   m->u.set_control.stream :
					   m->u.hello.stream;

		if (c->state != CLIENT_HELLO) {
			client_drop(c, "%s after HELLO",
				    grab_msg_type_name(m->hdr.type));
			return;
		}
		s = allowed_stream(c, name);
		if (!s)
			return;
		if (m->hdr.type == GRAB_MSG_CONTROLS_REQ)
			send_controls(c, s);
		else
			set_control(c, s, &m->u.set_control);
		return;
	}
	default:
		snprintf(why, sizeof(why),
			 "unexpected %s message from a client",
			 grab_msg_type_name(m->hdr.type));
		refuse(c, EPROTO, why);
		return;
	}
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	/* Larger than a message, so an oversized one is seen as such. */
	uint8_t buf[GRAB_MSG_SIZE + 64];
	struct grab_msg m;
	const char *why;
	ssize_t n;
	int ret;

	/* No control buffer: fds a client tries to pass are closed by the
	 * kernel, never installed here. */
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		client_drop(c, "recv: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		client_drop(c, "disconnected");
		return;
	}
	if ((size_t)n > sizeof(buf)) {
		refuse(c, EBADMSG, "malformed message: wrong message size");
		return;
	}
	ret = grab_msg_decode(buf, (size_t)n, &m, &why);
	if (ret == -EPROTONOSUPPORT) {
		char msg[GRAB_TEXT_MAX];
		uint16_t version;

		memcpy(&version, buf + 4, sizeof(version));
		snprintf(
			msg, sizeof(msg),
			"protocol version %u not supported (this daemon speaks %u)",
			version, GRAB_PROTO_VERSION);
		refuse(c, EPROTONOSUPPORT, msg);
		return;
	}
	if (ret) {
		char msg[GRAB_TEXT_MAX];

		snprintf(msg, sizeof(msg), "malformed message: %s", why);
		refuse(c, EBADMSG, msg);
		return;
	}
	handle_msg(c, &m);
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	flush_or_drop(arg);
}

static void hello_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	if (c->dead) {
		client_free(c);
		return;
	}
	if (c->state == CLIENT_HELLO || c->state == CLIENT_RESET)
		refuse(c, ETIMEDOUT, "no HELLO within 5 seconds");
}

int client_new(struct daemon *d, int fd)
{
	struct timeval tv = { HELLO_TIMEOUT_S, 0 };
	int sndbuf = CLIENT_SNDBUF;
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	bool allowed;
	uid_t uid;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		log_warn("accept: out of memory");
		return -ENOMEM;
	}
	c->consumer.ops = &client_consumer_ops;
	c->d = d;
	c->fd = fd;
	c->id = ++d->next_client_id;
	c->pid = -1;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		c->pid = cred.pid;
	allowed = access_allowed(&d->cfg.access, fd, &uid);
	c->connected_ns = mono_ns();
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	TAILQ_INSERT_TAIL(&d->clients, c, all_link);
	d->nclients++;
	c->rev = event_new(d->base, fd, EV_READ | EV_PERSIST, read_cb, c);
	c->wev = event_new(d->base, fd, EV_WRITE | EV_PERSIST, write_cb, c);
	c->timer = evtimer_new(d->base, hello_timeout_cb, c);
	if (!c->rev || !c->wev || !c->timer) {
		client_drop(c, "out of memory");
		return 0;
	}
	/* Refused in answer to its HELLO, so the client reads why. */
	if (!allowed) {
		c->denied = true;
		c->uid = (int)uid;
	}
	event_add(c->rev, NULL);
	event_add(c->timer, &tv);
	log_debug("client %u (pid %d): connected", c->id, c->pid);
	return 0;
}

void client_drop_all(struct daemon *d)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&d->clients)))
		client_free(c);
}
