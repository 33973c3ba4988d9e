// SPDX-License-Identifier: MIT
/*
 * libgrab's direct mode: a grab device (/dev/grabN) without the daemon.
 * The kernel ring has the same layout as the daemon's; the device's read()
 * returns one event record per frame, with the frames this file missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/grab.h>

#include "internal.h"

int grab_device_next_event(struct grab *g, int timeout_ms,
			   struct grab_msg_frame *ret_ev)
{
	struct grab_event e;
	struct pollfd p = { g->sock, POLLIN, 0 };
	ssize_t n;
	int ret;

	for (;;) {
		n = read(g->sock, &e, sizeof(e));
		if (n == (ssize_t)sizeof(e))
			break;
		if (n >= 0)
			return -EPROTO;
		if (errno != EAGAIN)
			return errno == EINTR ? -EINTR : -errno;
		ret = poll(&p, 1, timeout_ms);
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
		if (p.revents & (POLLERR | POLLHUP))
			return -ENODEV;
	}
	memset(ret_ev, 0, sizeof(*ret_ev));
	ret_ev->sequence = e.sequence;
	ret_ev->timestamp_ns = e.timestamp_ns;
	ret_ev->missed = e.missed;
	ret_ev->slot = e.slot;
	ret_ev->bytesused = e.bytesused;
	ret_ev->flags = e.flags;
	return 0;
}

API int grab_open_device(const char *path, struct grab **ret_grab)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct grab_info info;
	struct grab *g;
	const char *why;
	int ret;

	if (!path || !ret_grab)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->mode = MODE_DEVICE;
	g->timerfd = -1;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	/*
	 * Starting the device needs a writable open (grab.h); a user who may
	 * only read it can still follow a device someone else streams.
	 */
	g->sock = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (g->sock < 0 && (errno == EACCES || errno == EROFS))
		g->sock = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (g->epfd < 0 || g->sock < 0) {
		ret = -errno;
		goto err;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(g->sock, GRAB_IOC_INFO, &info) < 0) {
		ret = errno == ENOTTY ? -ENODEV : -errno;
		goto err;
	}
	if (info.abi_version != GRAB_ABI_VERSION) {
		ret = -EPROTO;
		goto err;
	}
	g->map = grab_map_new(g->sock, info.ring_size, &why);
	if (!g->map) {
		ret = -errno;
		goto err;
	}
	/* Someone else may be streaming it already. */
	if (ioctl(g->sock, GRAB_IOC_STREAMON) < 0 && errno != EBUSY &&
	    !(errno == EPERM && (info.flags & GRAB_INFO_STREAMING))) {
		ret = -errno;
		goto err;
	}
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->sock, &ev) < 0) {
		ret = -errno;
		goto err;
	}
	snprintf(g->info.name, sizeof(g->info.name), "%s", path);
	snprintf(g->info.source, sizeof(g->info.source), "grab:%s", path);
	g->info.format.width = info.format.width;
	g->info.format.height = info.format.height;
	g->info.format.fourcc = info.format.fourcc;
	g->info.format.bytesperline = info.format.bytesperline;
	g->info.format.sizeimage = info.format.sizeimage;
	g->info.fps_num = info.fps_num;
	g->info.fps_den = info.fps_den;
	g->info.nslots = info.nslots;
	g->info.flags = GRAB_STREAM_DIRECT;
	g->info.ring_size = info.ring_size;
	g->state = ST_ATTACHED;
	g->generation = 1;
	*ret_grab = g;
	return 0;
err:
	grab_free(g);
	return ret;
}

/* Measured rate from the timestamps of the frames still in the ring. */
static double ring_fps(const struct grab_ring_reader *r)
{
	uint64_t head = grab_ring_head(r), first, last;
	struct grab_ring_frame a, b;

	if (head < 2)
		return 0;
	last = head - 1;
	first = head > r->nslots ? head - r->nslots + 1 : 0;
	if (grab_ring_read(r, first, &a) || grab_ring_read(r, last, &b) ||
	    b.timestamp_ns <= a.timestamp_ns)
		return 0;
	return (double)(last - first) * 1e9 /
	       (double)(b.timestamp_ns - a.timestamp_ns);
}

int grab_device_stats(struct grab *g, struct grab_stream_stats *st)
{
	const struct grab_ring_reader *r = &g->map->reader;
	struct grab_stats ks;

	memset(&ks, 0, sizeof(ks));
	if (ioctl(g->sock, GRAB_IOC_STATS, &ks) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->state = (grab_ring_flags(r) & GRAB_RING_STREAMING) ?
			    GRAB_SOURCE_RUNNING :
			    GRAB_SOURCE_STOPPED;
	st->clients = ks.open_files;
	st->fps_num = g->info.fps_num;
	st->fps_den = g->info.fps_den;
	st->fps = ring_fps(r);
	st->frames = ks.frames;
	st->dropped = ks.dropped;
	st->missed = g->missed;
	st->format = g->info.format;
	snprintf(st->source, sizeof(st->source), "%s", g->info.source);
	return 0;
}
