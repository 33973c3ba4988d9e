// SPDX-License-Identifier: MIT
/*
 * The kernel source: a grab.ko device.  The daemon copies nothing: clients
 * get a read-only fd of the device and map its ring themselves.  The daemon
 * streams the device on, reads its event records (one per frame) and
 * forwards them as frame events.  Only the daemon's own open is writable:
 * grab.ko refuses stream on/off and format changes through a read-only
 * open (EPERM), so no client can stop or reconfigure the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon.h"
#include "grab-format.h"
#include "log.h"

struct grab_source {
	struct source *src;
	int fd; /* control: ioctls and events */
	int ring_fd; /* read-only: what clients map */
	uint32_t nslots;
	struct event *ev;
	bool stalled;
};

static void grab_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct grab_source *g = arg;
	struct grab_event evs[16];
	struct grab_stats st;
	char why[GRAB_TEXT_MAX];
	ssize_t n;
	size_t i;

	n = read(g->fd, evs, sizeof(evs));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		int err = errno;

		snprintf(why, sizeof(why), "%s: read: %s", g->src->arg,
			 strerror(err));
		event_del(g->ev);
		source_failed(g->src, err, why);
		return;
	}
	if (n == 0 || n % sizeof(evs[0])) {
		snprintf(why, sizeof(why), "%s: short event record (%zd bytes)",
			 g->src->arg, n);
		event_del(g->ev);
		source_failed(g->src, EPROTO, why);
		return;
	}
	if (ioctl(g->fd, GRAB_IOC_STATS, &st) == 0)
		g->src->dropped = st.dropped;
	for (i = 0; i < (size_t)n / sizeof(evs[0]); i++) {
		if (evs[i].slot >= g->nslots)
			continue;
		if (g->stalled)
			continue;
		source_publish(
			g->src, evs[i].sequence, evs[i].slot,
			evs[i].timestamp_ns, evs[i].bytesused,
			evs[i].flags & GRAB_EVENT_ERROR ? GRAB_SLOT_ERROR : 0);
	}
}

static int grab_start(struct source *src, struct source_geometry *ret_geo,
		      char *why, size_t whylen)
{
	const char *dev = src->arg;
	struct grab_source *g = calloc(1, sizeof(*g));
	struct grab_info info;
	struct grab_format fmt;
	int ret;

	if (!g) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	g->src = src;
	g->fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (g->fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: cannot open: %s%s", dev,
			 strerror(errno),
			 errno == ENOENT ? " (is grab.ko loaded?)" : "");
		goto err_free;
	}
	/* What clients map: a separate read-only open of the device. */
	g->ring_fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (g->ring_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: cannot open read only: %s", dev,
			 strerror(errno));
		goto err_close;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(g->fd, GRAB_IOC_INFO, &info) < 0) {
		ret = -errno;
		snprintf(why, whylen,
			 "%s: GRAB_IOC_INFO: %s (not a grab device?)", dev,
			 strerror(errno));
		goto err_close_ro;
	}
	if (info.abi_version != GRAB_ABI_VERSION) {
		ret = -EPROTO;
		snprintf(why, whylen, "%s: ABI version %u, expected %u", dev,
			 info.abi_version, GRAB_ABI_VERSION);
		goto err_close_ro;
	}
	/* Ask for the configured geometry; a busy device keeps its own. */
	fmt = src->cfg.format;
	if (fmt.width != info.format.width ||
	    fmt.height != info.format.height ||
	    fmt.fourcc != info.format.fourcc) {
		if (ioctl(g->fd, GRAB_IOC_S_FMT, &fmt) < 0)
			log_warn(
				"stream %s: %s: cannot set %ux%u %s (%s): using %ux%u %s",
				src->cfg.name, dev, fmt.width, fmt.height,
				grab_format_name(fmt.fourcc), strerror(errno),
				info.format.width, info.format.height,
				grab_format_name(info.format.fourcc));
		else if (ioctl(g->fd, GRAB_IOC_INFO, &info) < 0) {
			ret = -errno;
			snprintf(why, whylen, "%s: GRAB_IOC_INFO: %s", dev,
				 strerror(errno));
			goto err_close_ro;
		}
	}
	if (grab_format_valid(&info.format) || info.nslots < GRAB_MIN_SLOTS ||
	    info.nslots > GRAB_MAX_SLOTS || !info.fps_num || !info.fps_den) {
		ret = -EPROTO;
		snprintf(why, whylen, "%s: device reports an invalid ring",
			 dev);
		goto err_close_ro;
	}
	if (ioctl(g->fd, GRAB_IOC_STREAMON) < 0 && errno != EBUSY) {
		ret = -errno;
		snprintf(why, whylen, "%s: GRAB_IOC_STREAMON: %s", dev,
			 strerror(errno));
		goto err_close_ro;
	}
	g->ev = event_new(src->base, g->fd, EV_READ | EV_PERSIST, grab_read_cb,
			  g);
	if (!g->ev) {
		ret = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto err_streamoff;
	}
	event_add(g->ev, NULL);
	g->nslots = info.nslots;
	ret_geo->format = info.format;
	ret_geo->nslots = info.nslots;
	ret_geo->fps_num = info.fps_num;
	ret_geo->fps_den = info.fps_den;
	ret_geo->ring_fd = g->ring_fd;
	ret_geo->ring_size = info.ring_size;
	src->priv = g;
	return 0;

err_streamoff:
	ioctl(g->fd, GRAB_IOC_STREAMOFF);
err_close_ro:
	close(g->ring_fd);
err_close:
	close(g->fd);
err_free:
	free(g);
	return ret;
}

static void grab_stop(struct source *src)
{
	struct grab_source *g = src->priv;

	event_free(g->ev);
	ioctl(g->fd, GRAB_IOC_STREAMOFF);
	close(g->fd);
	close(g->ring_fd);
	free(g);
}

static void grab_stall(struct source *src, bool on)
{
	struct grab_source *g = src->priv;

	g->stalled = on;
}

const struct source_ops source_grab_ops = {
	.prefix = "grab:",
	.start = grab_start,
	.stop = grab_stop,
	.stall = grab_stall,
};
