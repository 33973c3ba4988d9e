// SPDX-License-Identifier: MIT
/*
 * libgrab's daemon mode: connect, handshake, frame events, reconnection.
 *
 * grab_fd() is an epoll fd holding either the daemon socket or, while the
 * daemon is away, a timer that fires every RECONNECT_MS: it stays the same
 * fd across reconnections, so a caller's poll or epoll set never goes stale.
 *
 * Frame events arrive in order.  Each names a frame in the ring; the frame
 * is read in place and re-checked, and one that was overwritten before the
 * caller got to it is counted as missed, never handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/grab.h>

#include "grab-socket-path.h"
#include "internal.h"

static int send_msg(int fd, const struct grab_msg *m)
{
	ssize_t n = send(fd, m, sizeof(*m), MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
}

static int send_hello(struct grab *g, enum grab_msg_type type, int fd)
{
	struct grab_msg m;

	grab_msg_init(&m, type);
	grab_msg_set_text(m.u.hello.stream, sizeof(m.u.hello.stream),
			  g->stream);
	return send_msg(fd, &m);
}

int grab_open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void timer_set(struct grab *g, bool on)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };

	if (on == g->timer_armed)
		return;
	if (on) {
		its.it_value.tv_nsec = RECONNECT_MS * 1000000L;
		its.it_interval.tv_nsec = RECONNECT_MS * 1000000L;
		epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->timerfd, &ev);
	} else {
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->timerfd, NULL);
	}
	timerfd_settime(g->timerfd, 0, &its, NULL);
	g->timer_armed = on;
}

static void drop_map(struct grab *g)
{
	grab_map_unref(g->map);
	g->map = NULL;
}

static void disconnect(struct grab *g, enum grab_state next)
{
	if (g->sock >= 0) {
		epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->sock, NULL);
		close(g->sock);
		g->sock = -1;
	}
	drop_map(g);
	g->state = next;
	g->pending_missed = 0;
	if (next == ST_DISCONNECTED && !(g->flags & GRAB_CONNECT_NO_RECONNECT))
		timer_set(g, true);
}

/* Connect and say HELLO.  0 or -errno. */
static int try_connect(struct grab *g)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, ret;

	fd = grab_open_socket(g->socket_path);
	if (fd < 0)
		return fd;
	ret = send_hello(g, GRAB_MSG_HELLO, fd);
	if (ret) {
		/* Refused before our HELLO (the daemon at its open-file
		 * limit): its ERROR is still queued and says why. */
		uint8_t buf[GRAB_MSG_SIZE + 64];
		struct grab_msg m;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		/* A pending ECONNRESET is reported before queued data. */
		if (n < 0 && errno == ECONNRESET)
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0 && grab_msg_decode(buf, (size_t)n, &m, NULL) == 0 &&
		    m.hdr.type == GRAB_MSG_ERROR && m.u.error.error > 0) {
			g->wait_err = m.u.error.error;
			snprintf(g->reason, sizeof(g->reason), "%s",
				 m.u.error.reason);
			ret = -m.u.error.error;
		}
		close(fd);
		return ret;
	}
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* Blocking, so that next_event() can wait inside recvmsg(); every
	 * other call on it says MSG_DONTWAIT. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	g->sock = fd;
	g->rcvtimeo_ms = 0; /* a new socket has none */
	g->state = ST_HELLO_SENT;
	timer_set(g, false);
	return 0;
}

/*
 * The ring fd must be one whose size cannot fall below what we map, or a
 * daemon (or whoever answers in its place) could kill us with SIGBUS at any
 * later read: a memfd sealed against shrinking and at least @ring_size
 * long, or a grab device that says through its own ioctl that it is one,
 * with the ring announced.  0, or -EBADFD with what is wrong in g->reason.
 */
static int check_ring_fd(struct grab *g, int fd,
			 const struct grab_msg_stream *s)
{
	struct grab_info info;
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISCHR(st.st_mode)) {
		memset(&info, 0, sizeof(info));
		if (ioctl(fd, GRAB_IOC_INFO, &info) < 0) {
			snprintf(
				g->reason, sizeof(g->reason),
				"the ring fd is a character device that is not a grab device");
			return -EBADFD;
		}
		if (info.abi_version != GRAB_ABI_VERSION ||
		    info.ring_size < s->ring_size || info.nslots != s->nslots ||
		    info.format.width != s->format.width ||
		    info.format.height != s->format.height ||
		    info.format.fourcc != s->format.fourcc) {
			snprintf(
				g->reason, sizeof(g->reason),
				"the grab device passed as the ring is not the ring announced (%llu bytes, %u slots; the device says %llu, %u)",
				(unsigned long long)s->ring_size, s->nslots,
				(unsigned long long)info.ring_size,
				info.nslots);
			return -EBADFD;
		}
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(
			g->reason, sizeof(g->reason),
			"the ring fd is a %s, not a sealed memfd or a grab device",
			S_ISBLK(st.st_mode)  ? "block device" :
			S_ISFIFO(st.st_mode) ? "pipe" :
			S_ISSOCK(st.st_mode) ? "socket" :
			S_ISDIR(st.st_mode)  ? "directory" :
					       "special file");
		return -EBADFD;
	}
	/* Seals first: once F_SEAL_SHRINK is set the size can only grow, so
	 * the size read after it holds for as long as we map the ring. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		snprintf(
			g->reason, sizeof(g->reason), "%s",
			seals < 0 ?
				"the ring fd is a plain file, not a sealed memfd" :
				"the ring memfd is not sealed against shrinking");
		return -EBADFD;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < s->ring_size) {
		snprintf(
			g->reason, sizeof(g->reason),
			"the ring memfd holds %llu bytes, less than the %llu announced",
			(unsigned long long)st.st_size,
			(unsigned long long)s->ring_size);
		return -EBADFD;
	}
	return 0;
}

static int attach(struct grab *g, const struct grab_msg_stream *s, int fd)
{
	const struct grab_ring_reader *r;
	struct grab_map *m;
	const char *why;
	int ret;

	if (fd < 0) {
		snprintf(g->reason, sizeof(g->reason),
			 "no ring fd came with the stream");
		return -EBADFD;
	}
	if (s->ring_size == 0 || s->ring_size > GRAB_RING_MAX_MAP) {
		snprintf(g->reason, sizeof(g->reason),
			 "the announced ring size %llu is out of range",
			 (unsigned long long)s->ring_size);
		return -EUCLEAN;
	}
	ret = check_ring_fd(g, fd, s);
	if (ret)
		return ret;
	m = grab_map_new(fd, s->ring_size, &why);
	if (!m) {
		ret = errno;
		snprintf(g->reason, sizeof(g->reason), "%s: %s",
			 why ? why : "cannot map the ring", strerror(ret));
		return ret == EPROTO ? -EUCLEAN : -EBADFD;
	}
	r = &m->reader;
	/* The ring must be what the message said. */
	if (r->nslots != s->nslots || r->format.width != s->format.width ||
	    r->format.height != s->format.height ||
	    r->format.fourcc != s->format.fourcc) {
		grab_map_unref(m);
		snprintf(
			g->reason, sizeof(g->reason),
			"the ring's header does not match the stream announced");
		return -EUCLEAN;
	}
	drop_map(g);
	g->map = m;
	memset(&g->info, 0, sizeof(g->info));
	snprintf(g->info.name, sizeof(g->info.name), "%s", s->stream);
	snprintf(g->info.source, sizeof(g->info.source), "%s", s->source);
	g->info.format.width = r->format.width;
	g->info.format.height = r->format.height;
	g->info.format.fourcc = r->format.fourcc;
	g->info.format.bytesperline = r->format.bytesperline;
	g->info.format.sizeimage = r->format.sizeimage;
	g->info.fps_num = s->fps_num;
	g->info.fps_den = s->fps_den;
	g->info.nslots = r->nslots;
	g->info.ring_size = s->ring_size;
	g->state = ST_ATTACHED;
	g->pending_missed = 0;
	g->generation++;
	g->reason[0] = 0;
	g->wait_err = 0;
	return 0;
}

/*
 * Read one message, waiting for it up to the socket's receive timeout if
 * @wait (see wait_in_recv()).  Returns 1 with *@ret_ev filled for a frame
 * event, 0 for anything else handled, -EAGAIN when nothing is there (or came
 * in time), -EINTR when a signal cut the wait short, or another -errno for
 * what the caller must see (-ENOENT, -EPROTONOSUPPORT, ...).
 */
static int read_one(struct grab *g, struct grab_msg_frame *ret_ev, bool wait)
{
	uint8_t buf[GRAB_MSG_SIZE + 64];
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	struct grab_msg m;
	int fd = -1, ret;
	ssize_t n;

	n = recvmsg(g->sock, &mh, MSG_CMSG_CLOEXEC | (wait ? 0 : MSG_DONTWAIT));
	if (n < 0) {
		if (errno == EINTR && wait)
			return -EINTR;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		disconnect(g, ST_DISCONNECTED);
		return 0;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			size_t i, nfds = (cm->cmsg_len - CMSG_LEN(0)) /
					 sizeof(int);

			for (i = 0; i < nfds; i++) {
				int x;

				memcpy(&x, CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
				if (fd < 0)
					fd = x;
				else
					close(x);
			}
		}
	}
	if (n == 0) {
		/* The daemon went away. */
		if (fd >= 0)
			close(fd);
		disconnect(g, ST_DISCONNECTED);
		return 0;
	}
	ret = grab_msg_decode(buf, (size_t)n, &m, NULL);
	if (ret == 0 && m.hdr.type != GRAB_MSG_STREAM && fd >= 0) {
		close(fd);
		fd = -1;
	}
	if (ret) {
		/* A daemon we cannot understand: start over. */
		if (fd >= 0)
			close(fd);
		disconnect(g, ST_DISCONNECTED);
		return ret == -EPROTONOSUPPORT ? ret : 0;
	}
	switch (m.hdr.type) {
	case GRAB_MSG_FRAME:
		if (g->state != ST_ATTACHED)
			return 0; /* from before a reset */
		*ret_ev = m.u.frame;
		return 1;
	case GRAB_MSG_STREAM:
		ret = attach(g, &m.u.stream, fd);
		if (fd >= 0)
			close(fd); /* the mapping keeps the memory */
		if (ret) {
			/* Never mapped: say why (the reason is in g->reason). */
			disconnect(g, ST_DISCONNECTED);
			g->ring_err = -ret;
			return ret;
		}
		return 0;
	case GRAB_MSG_WAIT:
		drop_map(g);
		g->state = ST_WAITING;
		g->wait_err = m.u.error.error;
		snprintf(g->reason, sizeof(g->reason), "%s", m.u.error.reason);
		return 0;
	case GRAB_MSG_RESET:
		drop_map(g);
		snprintf(g->reason, sizeof(g->reason), "%s", m.u.error.reason);
		if (send_hello(g, GRAB_MSG_HELLO, g->sock))
			disconnect(g, ST_DISCONNECTED);
		else
			g->state = ST_HELLO_SENT;
		return 0;
	case GRAB_MSG_ERROR:
		g->wait_err = m.u.error.error;
		snprintf(g->reason, sizeof(g->reason), "%s", m.u.error.reason);
		if (m.u.error.error == ENOENT) {
			disconnect(g, ST_GONE);
			return -ENOENT;
		}
		if (m.u.error.error == EPROTONOSUPPORT) {
			disconnect(g, ST_GONE);
			return -EPROTONOSUPPORT;
		}
		disconnect(g, ST_DISCONNECTED);
		return 0;
	default:
		disconnect(g, ST_DISCONNECTED);
		return 0;
	}
}

static int remaining(uint64_t deadline, int timeout_ms)
{
	uint64_t now;

	if (timeout_ms < 0)
		return -1;
	now = grab_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Why no frame came. */
static int no_frame(const struct grab *g, int timeout_ms)
{
	switch (g->state) {
	case ST_DISCONNECTED:
		return -ENOTCONN;
	case ST_GONE:
		return -ENOENT;
	case ST_WAITING:
		return -ENODEV;
	default:
		return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
	}
}

/*
 * Whether the first look of next_event() can wait inside recvmsg() itself,
 * for @wait_ms (-1: for ever), the socket's receive timeout standing in for
 * the deadline.  A reader that keeps up then makes one system call per
 * frame, as a bare recv() would, instead of three (a recvmsg() that finds
 * nothing, epoll_wait(), recvmsg() again).  The timeout is set only when it
 * changes: for a caller that passes the same timeout each time, once.
 * Having one also makes a signal end the wait with EINTR, as it ends
 * epoll_wait(), SA_RESTART or not; "for ever" is a long timeout after which
 * the call goes on waiting in epoll_wait().  The kernel rounds the timeout
 * up to its tick, so a wait here may end up to a tick late.
 */
static bool wait_in_recv(struct grab *g, int wait_ms)
{
	int ms = wait_ms < 0 ? LONG_WAIT_MS : wait_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (wait_ms == 0 || g->sock < 0)
		return false;
	if (g->rcvtimeo_ms == ms)
		return true;
	if (setsockopt(g->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return false;
	g->rcvtimeo_ms = ms;
	return true;
}

/*
 * The next frame event, waiting until @deadline.  Does everything else that
 * comes in the meantime: handshakes, resets, reconnections.
 */
static int next_event(struct grab *g, int timeout_ms, uint64_t deadline,
		      struct grab_msg_frame *ret_ev)
{
	/* What is left of the caller's time, not its whole timeout: a call
	 * may come here again after an event that named a lost frame. */
	bool wait = wait_in_recv(g, remaining(deadline, timeout_ms));
	struct epoll_event evs[2];
	unsigned int handled = 0;
	int ret;

	if (g->mode == MODE_DEVICE)
		return grab_device_next_event(
			g, remaining(deadline, timeout_ms), ret_ev);
	for (;;) {
		if (g->state == ST_GONE)
			return -ENOENT;
		if (g->sock >= 0) {
			/* Only the first look waits in recvmsg(); the
			 * deadline is kept by epoll_wait() after it. */
			ret = read_one(g, ret_ev, wait);
			wait = false;
			if (ret == 1)
				return 0;
			if (ret == 0) {
				/* A peer that keeps sending other messages
				 * must not keep us past the deadline. */
				if (++handled >= MSG_BUDGET &&
				    remaining(deadline, timeout_ms) == 0)
					return no_frame(g, timeout_ms);
				continue;
			}
			if (ret != -EAGAIN)
				return ret;
		}
		if (g->state == ST_DISCONNECTED) {
			uint64_t junk;

			if (g->flags & GRAB_CONNECT_NO_RECONNECT)
				return -ENOTCONN;
			if (read(g->timerfd, &junk, sizeof(junk)) > 0 ||
			    !g->timer_armed) {
				if (try_connect(g) == 0)
					continue;
				timer_set(g, true);
			}
		}
		ret = epoll_wait(g->epfd, evs, 2,
				 remaining(deadline, timeout_ms));
		if (ret < 0 && errno == EINTR)
			return -EINTR;
		if (ret == 0)
			return no_frame(g, timeout_ms);
	}
}

static struct grab_frame *frame_slot(struct grab *g)
{
	unsigned int i;

	for (i = 0; i < GRAB_MAX_HELD; i++)
		if (!g->frames[i].held)
			return &g->frames[i];
	return NULL;
}

/* Read the frame an event names.  0, or -ESTALE if it is already gone. */
static int take(struct grab *g, const struct grab_msg_frame *ev,
		struct grab_frame *f)
{
	struct grab_map *m = g->map;
	int ret;

	if (!m)
		return -ESTALE;
	ret = grab_ring_read(&m->reader, ev->sequence, &f->rf);
	if (ret)
		return -ESTALE;
	f->grab = g;
	f->map = m;
	m->refs++;
	f->held = true;
	g->held++;
	f->missed = g->pending_missed;
	g->missed += g->pending_missed;
	g->pending_missed = 0;
	return 0;
}

static int get_frame(struct grab *g, int timeout_ms, bool latest,
		     struct grab_frame **ret_frame)
{
	uint64_t deadline = grab_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct grab_msg_frame ev, newer;
	unsigned int spins = 0, budget;
	struct grab_frame *f;
	int ret;

	if (!g || !ret_frame || g->closed)
		return -EINVAL;
	f = frame_slot(g);
	if (!f)
		return -EBUSY;
	/* Frames grab_rewind() queued come first, oldest first. */
	while (!latest && g->rewind_gen == g->generation &&
	       g->rewind_next < g->rewind_end) {
		ev = (struct grab_msg_frame){ .sequence = g->rewind_next++ };
		if (take(g, &ev, f) == 0) {
			*ret_frame = f;
			return 0;
		}
		g->pending_missed++;
	}
	for (;;) {
		/* Events naming frames that are gone (or never were) must not
		 * keep us past the deadline either. */
		if (spins++ >= MSG_BUDGET &&
		    remaining(deadline, timeout_ms) == 0)
			return no_frame(g, timeout_ms);
		ret = next_event(g, timeout_ms, deadline, &ev);
		if (ret)
			return ret;
		if (g->rewind_gen == g->generation &&
		    ev.sequence < g->rewind_end)
			continue; /* handed out (or lost) by the rewind */
		g->pending_missed += ev.missed;
		if (latest) {
			/* Skip to the newest event already queued; a flood
			 * ends at the budget, or at the deadline once the
			 * spins are used up. */
			for (budget = 4 * MSG_BUDGET; budget--;) {
				if (spins++ >= MSG_BUDGET &&
				    remaining(deadline, timeout_ms) == 0)
					break;
				if (next_event(g, 0, 0, &newer))
					break;
				g->pending_missed += 1 + newer.missed;
				ev = newer;
			}
		}
		if (take(g, &ev, f) == 0) {
			*ret_frame = f;
			return 0;
		}
		/* Overwritten before we got to it: lost. */
		g->pending_missed++;
	}
}

API int grab_rewind(struct grab *g, unsigned int max_frames)
{
	const struct grab_ring_reader *r;
	struct grab_stream_info info;
	uint64_t head, n;
	int ret;

	if (!g || g->closed)
		return -EINVAL;
	ret = grab_stream_info(g, &info); /* reads a pending STREAM */
	if (ret)
		return ret;
	r = &g->map->reader;
	head = grab_ring_head(r);
	n = head < r->nslots ? head : r->nslots;
	if (n > max_frames)
		n = max_frames;
	g->rewind_end = head;
	g->rewind_next = head - n;
	g->rewind_gen = g->generation;
	return (int)n;
}

API int grab_next_frame(struct grab *g, int timeout_ms,
			struct grab_frame **ret_frame)
{
	return get_frame(g, timeout_ms, false, ret_frame);
}

API int grab_latest_frame(struct grab *g, int timeout_ms,
			  struct grab_frame **ret_frame)
{
	return get_frame(g, timeout_ms, true, ret_frame);
}

static struct grab *grab_alloc(void)
{
	struct grab *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->sock = -1;
	g->timerfd = -1;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0) {
		free(g);
		return NULL;
	}
	return g;
}

/* Close everything but the frames still held (they keep their mapping). */
static void grab_shutdown(struct grab *g)
{
	if (g->sock >= 0)
		close(g->sock);
	if (g->timerfd >= 0)
		close(g->timerfd);
	if (g->epfd >= 0)
		close(g->epfd);
	g->sock = g->timerfd = g->epfd = -1;
	grab_map_unref(g->map);
	g->map = NULL;
}

void grab_free(struct grab *g)
{
	grab_shutdown(g);
	free(g);
}

API int grab_connect(const char *socket_path, const char *stream,
		     unsigned int flags, struct grab **ret_grab)
{
	uint64_t deadline;
	struct grab *g;
	int ret;

	if (!ret_grab || (flags & ~GRAB_CONNECT_NO_RECONNECT))
		return -EINVAL;
	if (!stream)
		stream = GRAB_DEFAULT_STREAM;
	if (!grab_stream_name_valid(stream))
		return -EINVAL;
	g = grab_alloc();
	if (!g)
		return -ENOMEM;
	g->mode = MODE_DAEMON;
	g->flags = flags;
	snprintf(g->stream, sizeof(g->stream), "%s", stream);
	if (socket_path) {
		if (strlen(socket_path) >= sizeof(g->socket_path)) {
			ret = -ENAMETOOLONG;
			goto err;
		}
		snprintf(g->socket_path, sizeof(g->socket_path), "%s",
			 socket_path);
	} else {
		/* The same resolution as grab-capture's and the daemon's; a
		 * socket another user planted is refused, never connected. */
		ret = grab_socket_connect_path(g->socket_path,
					       sizeof(g->socket_path), NULL, 0);
		if (ret)
			goto err;
	}
	g->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (g->timerfd < 0) {
		ret = -errno;
		goto err;
	}
	ret = try_connect(g);
	if (ret)
		goto err;
	/* Wait for the answer to HELLO: STREAM, WAIT or ERROR. */
	deadline = grab_now_ms() + HANDSHAKE_TIMEOUT_MS;
	while (g->state == ST_HELLO_SENT) {
		struct grab_msg_frame ev;

		/* A peer that floods us with frame events before STREAM
		 * gets the same deadline as one that says nothing. */
		if (remaining(deadline, HANDSHAKE_TIMEOUT_MS) == 0) {
			ret = -ETIMEDOUT;
			goto err;
		}
		ret = read_one(g, &ev, false);
		if (ret == -EAGAIN) {
			struct pollfd p = { g->sock, POLLIN, 0 };
			int left = remaining(deadline, HANDSHAKE_TIMEOUT_MS);

			if (left == 0) {
				ret = -ETIMEDOUT;
				goto err;
			}
			if (poll(&p, 1, left) < 0 && errno != EINTR) {
				ret = -errno;
				goto err;
			}
			continue;
		}
		if (ret < 0)
			goto err;
	}
	if (g->state == ST_DISCONNECTED) {
		/* Refused without a reason we could map, or closed. */
		ret = g->wait_err ? -g->wait_err : -ECONNRESET;
		goto err;
	}
	*ret_grab = g;
	return 0;
err:
	grab_free(g);
	return ret;
}

API void grab_close(struct grab *g)
{
	if (!g || g->closed)
		return;
	g->closed = true;
	if (!g->held)
		grab_free(g);
	else
		grab_shutdown(g);
}

API int grab_fd(const struct grab *g)
{
	if (!g)
		return -EINVAL;
	return g->epfd;
}

API int grab_stream_info(struct grab *g, struct grab_stream_info *ret_info)
{
	if (!g || !ret_info)
		return -EINVAL;
	if (g->mode == MODE_DAEMON && g->sock >= 0 && g->state != ST_ATTACHED) {
		/* Maybe the STREAM message is already there. */
		struct grab_msg_frame ev;

		unsigned int budget = MSG_BUDGET;
		int ret;

		/* Before STREAM the daemon sends no frame event; only what
		 * is queued is read, and a flood of anything else ends at
		 * the budget. */
		while (g->sock >= 0 && g->state != ST_ATTACHED && budget--) {
			ret = read_one(g, &ev, false);
			if (ret == -EBADFD || ret == -EUCLEAN)
				return ret;
			if (ret < 0)
				break;
		}
	}
	if (!g->map)
		return g->state == ST_GONE ? -ENOENT : -ENODATA;
	*ret_info = g->info;
	return 0;
}

API int grab_stream_stats(struct grab *g, struct grab_stream_stats *ret_stats)
{
	struct grab_stream_stats *st = ret_stats;
	struct grab_msg m;
	const struct grab_msg_stats *s = &m.u.stats;
	uint8_t buf[GRAB_MSG_SIZE + 64];
	struct pollfd p;
	ssize_t n;
	int fd, ret;

	if (!g || !st)
		return -EINVAL;
	if (g->mode == MODE_DEVICE)
		return grab_device_stats(g, st);
	fd = grab_open_socket(g->socket_path);
	if (fd < 0)
		return fd;
	ret = send_hello(g, GRAB_MSG_STATS_REQ, fd);
	if (ret)
		goto out;
	p.fd = fd;
	p.events = POLLIN;
	ret = poll(&p, 1, HANDSHAKE_TIMEOUT_MS);
	if (ret <= 0) {
		ret = ret < 0 ? -errno : -ETIMEDOUT;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0) {
		ret = n < 0 ? -errno : -ECONNRESET;
		goto out;
	}
	ret = grab_msg_decode(buf, (size_t)n, &m, NULL);
	if (ret)
		goto out;
	if (m.hdr.type == GRAB_MSG_ERROR) {
		ret = m.u.error.error ? -m.u.error.error : -EPROTO;
		goto out;
	}
	if (m.hdr.type != GRAB_MSG_STATS) {
		ret = -EPROTO;
		goto out;
	}
	memset(st, 0, sizeof(*st));
	st->state = s->state;
	st->clients = s->clients;
	st->fps_num = s->fps_num;
	st->fps_den = s->fps_den;
	st->fps = s->fps_milli / 1000.0;
	st->frames = s->frames;
	st->dropped = s->dropped;
	st->missed = s->missed;
	st->format.width = s->format.width;
	st->format.height = s->format.height;
	st->format.fourcc = s->format.fourcc;
	st->format.bytesperline = s->format.bytesperline;
	st->format.sizeimage = s->format.sizeimage;
	snprintf(st->source, sizeof(st->source), "%s", s->source);
	snprintf(st->error, sizeof(st->error), "%s", s->error);
	ret = 0;
out:
	close(fd);
	return ret;
}

API uint64_t grab_missed(const struct grab *g)
{
	return g ? g->missed : 0;
}

API uint64_t grab_generation(const struct grab *g)
{
	return g ? g->generation : 0;
}
