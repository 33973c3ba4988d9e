// SPDX-License-Identifier: MIT
/*
 * The listening socket and the client protocol (see common/grab-proto.h).
 *
 * A client is never buffered for: frame events go out with MSG_DONTWAIT;
 * when the socket is full the client is marked and only the newest frame is
 * remembered, sent with the number missed once the socket drains.  A
 * client's send buffer is kept small so that "full" comes after a few
 * frames, not after seconds of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "access.h"
#include "daemon.h"
#include "grab-socket-path.h"
#include "log.h"

#define HELLO_TIMEOUT_S		5
#define CLIENT_SNDBUF		4096	/* a handful of messages in flight */
/* SO_SNDBUF per queued event: the kernel doubles the value and charges
 * about 1.3 KB per 256-byte message. */
#define CLIENT_SNDBUF_PER_EVENT	640
#define MAX_CLIENTS		4096

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

	if (c->stream)
		stream_detach(c->stream, c);
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
	/* A full accept queue was paused: there is room again. */
	if (d->nclients == MAX_CLIENTS - 1 && d->accept_ev)
		event_add(d->accept_ev, NULL);
	/* At the open-file limit without a spare fd, accepting was paused. */
	if (d->spare_fd < 0 && d->listen_fd >= 0) {
		d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (d->spare_fd >= 0 && d->accept_ev)
			event_add(d->accept_ev, NULL);
	}
}

/*
 * accept() failed with EMFILE or ENFILE: the connection stays in the
 * backlog and the listening socket stays readable, so without this the
 * event loop would spin and the client would hang.  Give up the spare fd,
 * accept the client, tell it why it is refused, close it, and take the
 * spare back.  Logged once per episode, not per client.  True if a
 * client was refused (there may be more).
 */
static bool refuse_at_fd_limit(struct daemon *d, int lfd, int err)
{
	struct grab_msg m;
	char why[GRAB_TEXT_MAX];
	int fd;

	if (!d->fd_limit)
		log_warn("accept: %s: refusing new clients until some leave (%u connected)",
			 strerror(err), d->nclients);
	d->fd_limit = true;
	if (d->spare_fd < 0) {
		/* Nothing to refuse with: stop listening until a client leaves. */
		event_del(d->accept_ev);
		return false;
	}
	close(d->spare_fd);
	d->spare_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		snprintf(why, sizeof(why),
			 "grabberd is at its open-file limit (%s): try again later",
			 strerror(err));
		grab_msg_init(&m, GRAB_MSG_ERROR);
		m.u.error.error = err;
		grab_msg_set_text(m.u.error.reason, sizeof(m.u.error.reason), why);
		send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
		/* Read what the client sent (its HELLO): closing a unix socket
		 * with unread data makes the peer's next recv() fail with
		 * ECONNRESET before it could read our ERROR. */
		while (recv(fd, &m, sizeof(m), MSG_DONTWAIT) > 0)
			;
		close(fd);
	}
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->spare_fd < 0)
		event_del(d->accept_ev);
	return fd >= 0;
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
	const struct source *src = c->stream ? stream_source(c->stream) : NULL;
	struct grab_msg m;
	int ret;

	if (!src)
		return 0;
	grab_msg_init(&m, GRAB_MSG_STREAM);
	grab_msg_set_text(m.u.stream.stream, sizeof(m.u.stream.stream),
			  stream_name(c->stream));
	grab_msg_set_text(m.u.stream.source, sizeof(m.u.stream.source),
			  src->cfg.source);
	m.u.stream.format = src->format;
	m.u.stream.nslots = src->nslots;
	m.u.stream.fps_num = src->fps_num;
	m.u.stream.fps_den = src->fps_den;
	m.u.stream.ring_size = src->ring_size;
	ret = send_msg(c, &m, src->ring_fd);
	if (ret == 0) {
		/* About as many events in flight as the ring has frames: more
		 * would only name frames already overwritten. */
		int sndbuf = (int)src->nslots * CLIENT_SNDBUF_PER_EVENT;

		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
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

		snprintf(why, sizeof(why), "grabberd cannot pass the ring of stream %s: %s",
			 c->stream ? stream_name(c->stream) : "?", strerror(-ret));
		send_error_msg(c, GRAB_MSG_ERROR, -ret, why);
		log_warn("client %u (pid %d): dropped: %s", c->id, c->pid, why);
	} else {
		log_info("client %u (pid %d): dropped: send: %s", c->id, c->pid,
			 strerror(-ret));
	}
	c->dead = true;
	if (c->stream)
		stream_detach(c->stream, c);
	event_del(c->rev);
	event_del(c->wev);
	event_active(c->timer, EV_TIMEOUT, 1);
}

void client_send_stream(struct client *c, const struct source *src)
{
	c->want_wait = false;
	c->want_frame = false;
	c->want_stream = true;
	flush_or_drop(c);
}

void client_send_wait(struct client *c, int err, const char *why)
{
	c->state = CLIENT_WAITING;
	c->want_stream = false;
	c->want_frame = false;
	c->want_wait = true;
	c->why_err = err;
	snprintf(c->why, sizeof(c->why), "%s", why);
	flush_or_drop(c);
}

void client_send_frame(struct client *c, const struct grab_msg_frame *frame)
{
	c->newest = *frame;
	if (c->want_frame || c->want_stream || c->want_reset) {
		/* Still full: this one replaces the one we could not send. */
		return;
	}
	c->want_frame = true;
	flush_or_drop(c);
}

void client_reset(struct client *c, const char *why)
{
	if (c->stream)
		stream_detach(c->stream, c);
	c->state = CLIENT_RESET;
	c->want_wait = c->want_stream = c->want_frame = false;
	c->want_reset = true;
	snprintf(c->why, sizeof(c->why), "%s", why);
	flush_or_drop(c);
}

void client_kick(struct client *c, int err, const char *why)
{
	/* Best effort: a full socket just sees the connection close. */
	send_error_msg(c, GRAB_MSG_ERROR, err, why);
	client_drop(c, "%s", why);
}

/* Refuse a request with a message the client can show, then close. */
static void refuse(struct client *c, int err, const char *why)
{
	send_error_msg(c, GRAB_MSG_ERROR, err, why);
	client_drop(c, "refused: %s", why);
}

static void send_stats(struct client *c, struct stream *s)
{
	const struct stream_config *cfg = stream_config(s);
	const struct source *src = stream_source(s);
	struct stream_stats st;
	struct grab_msg m;

	stream_get_stats(s, &st);
	grab_msg_init(&m, GRAB_MSG_STATS);
	m.u.stats.state = st.state;
	m.u.stats.clients = st.clients;
	m.u.stats.fps_num = src ? src->fps_num : cfg->fps_num;
	m.u.stats.fps_den = src ? src->fps_den : cfg->fps_den;
	m.u.stats.fps_milli = (uint32_t)(st.fps * 1000.0 + 0.5);
	m.u.stats.frames = st.frames;
	m.u.stats.dropped = st.dropped;
	m.u.stats.missed = st.missed;
	m.u.stats.format = src ? src->format : cfg->format;
	grab_msg_set_text(m.u.stats.source, sizeof(m.u.stats.source), cfg->source);
	grab_msg_set_text(m.u.stats.error, sizeof(m.u.stats.error), st.error);
	send_msg(c, &m, -1);
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
		if (c->denied) {
			snprintf(why, sizeof(why),
				 "permission denied: uid %d is not in allowed_uids or allowed_groups",
				 c->uid);
			refuse(c, EACCES, why);
			return;
		}
		s = daemon_find_stream(c->d, m->u.hello.stream);
		if (!s) {
			snprintf(why, sizeof(why), "no stream named \"%s\"",
				 m->u.hello.stream);
			refuse(c, ENOENT, why);
			return;
		}
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
		stream_attach(s, c);
		return;
	default:
		snprintf(why, sizeof(why), "unexpected %s message from a client",
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
		snprintf(msg, sizeof(msg),
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

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { HELLO_TIMEOUT_S, 0 };
	int sndbuf = CLIENT_SNDBUF;
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	bool allowed;
	uid_t uid;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				if (refuse_at_fd_limit(d, lfd, errno))
					continue;
				return;
			}
			/* ENOBUFS and friends: log, try again on the next event. */
			log_warn("accept: %s", strerror(errno));
			return;
		}
		if (d->fd_limit) {
			d->fd_limit = false;
			log_info("accept: below the open-file limit again: accepting clients");
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			log_warn("accept: out of memory");
			return;
		}
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
			continue;
		}
		/* Refused in answer to its HELLO, so the client reads why. */
		if (!allowed) {
			c->denied = true;
			c->uid = (int)uid;
		}
		event_add(c->rev, NULL);
		event_add(c->timer, &tv);
		log_debug("client %u (pid %d): connected", c->id, c->pid);
		if (d->nclients >= MAX_CLIENTS) {
			log_warn("%u clients: not accepting more until one leaves",
				 d->nclients);
			event_del(d->accept_ev);
			return;
		}
	}
}

/* A socket file left by a daemon that died: nobody answers on it. */
static int stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	strcpy(sa.sun_path, path);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ret < 0 && errno == ECONNREFUSED;
}

static int mkdir_parent(const char *path, char *why, size_t whylen)
{
	char dir[SOCKET_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* In /tmp someone else could have made it first: it must be ours
	 * (or root's), a real directory, and nobody else's to write in.
	 * libgrab checks the same before it trusts the socket in it. */
	return grab_socket_dir_check(dir, geteuid(), why, whylen);
}

int server_listen(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = d->cfg.socket_path;
	char why[256] = "";
	int n, fd, ret;

	TAILQ_INIT(&d->clients);
	n = sd_listen_fds(1);
	if (n > 1) {
		log_err("socket activation: %d sockets passed, expected one", n);
		return -EINVAL;
	}
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0) {
			log_err("socket activation: fd %d is not a listening unix SOCK_SEQPACKET socket",
				fd);
			return -EINVAL;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		d->socket_activated = true;
		log_info("listening on the socket systemd passed");
	} else {
		if (strlen(path) >= sizeof(sa.sun_path)) {
			log_err("socket %s: path too long", path);
			return -ENAMETOOLONG;
		}
		strcpy(sa.sun_path, path);
		ret = mkdir_parent(path, why, sizeof(why));
		if (ret) {
			log_err("socket %s: cannot use its directory: %s", path,
				why[0] ? why : strerror(-ret));
			return ret;
		}
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ret = -errno;
			log_err("socket: %s", strerror(errno));
			return ret;
		}
		if (access(path, F_OK) == 0) {
			if (!stale_socket(path)) {
				log_err("socket %s: exists and is in use (another grabberd?)",
					path);
				close(fd);
				return -EADDRINUSE;
			}
			unlink(path);
		}
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    chmod(path, d->cfg.socket_mode) < 0 || listen(fd, 128) < 0) {
			ret = -errno;
			log_err("socket %s: %s", path, strerror(errno));
			close(fd);
			return ret;
		}
		d->unlink_socket = true;
		if (d->cfg.socket_group[0]) {
			struct group *g = getgrnam(d->cfg.socket_group);

			if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0)
				log_warn("socket %s: cannot give it to group %s",
					 path, d->cfg.socket_group);
		}
	}
	d->listen_fd = fd;
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d->accept_ev = event_new(d->base, fd, EV_READ | EV_PERSIST, accept_cb, d);
	if (!d->accept_ev)
		return -ENOMEM;
	event_add(d->accept_ev, NULL);
	return 0;
}

void client_drop_all(struct daemon *d)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&d->clients)))
		client_free(c);
}

void server_close(struct daemon *d)
{
	if (d->accept_ev)
		event_free(d->accept_ev);
	d->accept_ev = NULL;
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		if (d->unlink_socket)
			unlink(d->cfg.socket_path);
	}
	d->listen_fd = -1;
	if (d->spare_fd >= 0)
		close(d->spare_fd);
	d->spare_fd = -1;
}
