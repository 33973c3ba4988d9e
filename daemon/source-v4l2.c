// SPDX-License-Identifier: MIT
/*
 * The V4L2 source, through libv4l2: negotiate the configured size and
 * format, stream with mmap buffers, copy each frame once into a memfd ring
 * in the ring's plane layout (line by line when the camera pads its lines
 * differently; an MJPEG frame as its bytesused), from where every client
 * reads it in place.  Each frame keeps the camera's timestamp when it is
 * monotonic; gaps in the buffers' sequence numbers are counted as dropped.
 * A camera that goes away (ENODEV on dequeue) is reported to the stream,
 * which retries with backoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libv4l2.h>
#include <linux/videodev2.h>

#include "daemon.h"
#include "grab-format.h"
#include "log.h"
#include "memring.h"
#include "v4l2-frame.h"
#include "v4l2-mode.h"

#define V4L2_NBUFS 4
#define V4L2_MAX_MODES 128

struct v4l2_buffer_map {
	void *start;
	size_t length;
};

struct v4l2_source {
	struct source *src;
	struct grab_format format; /* what the ring carries */
	int fd;
	struct memring ring;
	struct v4l2_buffer_map bufs[V4L2_NBUFS];
	unsigned int nbufs;
	uint32_t cam_bytesperline;
	struct v4l2_seq seq; /* the camera's frame numbers */
	uint64_t errors; /* buffers not taken (error flag, short, bad) */
	bool logged_bad; /* a bad buffer was logged (once a start) */
	uint32_t convert_from; /* libv4l2 converts from this (0: native) */
	bool rate_set; /* the driver took VIDIOC_S_PARM */
	bool device_timestamps; /* the newest frame's time is the camera's */
	bool time_known; /* ... and that was logged */
	char auto_why[128]; /* format = auto: the mode chosen and why */
	char driver[32];
	char card[48];
	struct event *ev;
	bool streaming;
	bool stalled;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = v4l2_ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The frame's time: the camera's when it is on CLOCK_MONOTONIC (the
 * moment the driver finished it), else the time we dequeued it. */
static uint64_t frame_time(struct v4l2_source *v, const struct v4l2_buffer *buf)
{
	bool mono = (buf->flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
		    V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;

	if (mono != v->device_timestamps || !v->time_known)
		log_info(
			"stream %s: %s: frame times are %s", v->src->cfg.name,
			v->src->arg,
			mono ? "the camera's (monotonic)" :
			       "the daemon's (the camera's are not monotonic)");
	v->device_timestamps = mono;
	v->time_known = true;
	return mono ? v4l2_timeval_ns(&buf->timestamp) : mono_ns();
}

/* Into the ring, or counted as dropped. */
static void take_frame(struct v4l2_source *v, const struct v4l2_buffer *buf)
{
	struct source *src = v->src;
	const char *why = "error flag set by the driver";
	const uint8_t *in = v->bufs[buf->index].start;
	uint32_t gap, bytes = 0;

	/* Frames the camera numbered but never gave us were dropped. */
	gap = v4l2_seq_next(&v->seq, buf->sequence);
	if (gap)
		memring_add_dropped(&v->ring, src, gap);
	if (!(buf->flags & V4L2_BUF_FLAG_ERROR))
		bytes = v4l2_frame_check(&v->format, v->cam_bytesperline, in,
					 buf->bytesused, &why);
	if (bytes) {
		v4l2_frame_copy(&v->format, v->cam_bytesperline, in, bytes,
				grab_ring_begin(&v->ring.prod));
		memring_publish(&v->ring, src, bytes, frame_time(v, buf), 0);
		return;
	}
	v->errors++;
	memring_add_dropped(&v->ring, src, 1);
	if (!v->logged_bad)
		log_warn("stream %s: %s: frame %u (%u bytes) dropped: %s",
			 src->cfg.name, src->arg, buf->sequence, buf->bytesused,
			 why);
	v->logged_bad = true;
}

static void v4l2_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct v4l2_source *v = arg;
	struct source *src = v->src;
	struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				   .memory = V4L2_MEMORY_MMAP };
	char why[GRAB_TEXT_MAX];
	int err;

	if (xioctl(v->fd, VIDIOC_DQBUF, &buf) < 0) {
		if (errno == EAGAIN)
			return;
		err = errno;
		snprintf(why, sizeof(why), "%s: VIDIOC_DQBUF: %s%s", src->arg,
			 strerror(err), err == ENODEV ? " (camera gone)" : "");
		event_del(v->ev);
		source_failed(src, err, why);
		return;
	}
	if (buf.index >= v->nbufs)
		return;
	if (!v->stalled)
		take_frame(v, &buf);
	if (xioctl(v->fd, VIDIOC_QBUF, &buf) < 0) {
		err = errno;
		snprintf(why, sizeof(why), "%s: VIDIOC_QBUF: %s", src->arg,
			 strerror(err));
		event_del(v->ev);
		source_failed(src, err, why);
	}
}

static void release(struct v4l2_source *v)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;

	if (v->ev)
		event_free(v->ev);
	if (v->streaming)
		xioctl(v->fd, VIDIOC_STREAMOFF, &type);
	for (i = 0; i < v->nbufs; i++)
		v4l2_munmap(v->bufs[i].start, v->bufs[i].length);
	if (v->fd >= 0)
		v4l2_close(v->fd);
	memring_destroy(&v->ring);
	free(v);
}

/* The V4L2 fourcc a camera uses for one of ours ('JPEG' is MJPEG too). */
static bool same_fourcc(uint32_t cam, uint32_t ours)
{
	return cam == ours ||
	       (ours == GRAB_FMT_MJPEG && cam == V4L2_PIX_FMT_JPEG);
}

/* Whether the camera itself offers @fourcc, asked of the driver directly
 * (not through libv4l2, which would list what it can convert to). */
static uint32_t camera_offers(int fd, uint32_t fourcc, char *list, size_t len)
{
	struct v4l2_fmtdesc d;
	uint32_t found = 0;
	size_t at = 0;

	if (len)
		list[0] = 0;
	for (d = (struct v4l2_fmtdesc){ .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	     ioctl(fd, VIDIOC_ENUM_FMT, &d) == 0; d.index++) {
		if (!found && same_fourcc(d.pixelformat, fourcc))
			found = d.pixelformat;
		if (at + 7 < len)
			at += (size_t)snprintf(list + at, len - at, "%s%.4s",
					       at ? " " : "",
					       (const char *)&d.pixelformat);
	}
	return found;
}

/* libv4l2 converts to these only (of the formats grab knows). */
static bool libv4l2_makes(uint32_t fourcc)
{
	return fourcc == GRAB_FMT_RGB24 || fourcc == GRAB_FMT_BGR24 ||
	       fourcc == GRAB_FMT_YU12;
}

/* Open the device, plainly (libv4l2 comes once the format is known).  0
 * or -errno with @why. */
static int open_device(struct v4l2_source *v, char *why, size_t whylen)
{
	const char *dev = v->src->arg;
	struct v4l2_capability cap;
	uint32_t caps;

	v->fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (v->fd < 0) {
		snprintf(why, whylen, "%s: cannot open: %s", dev,
			 strerror(errno));
		return -errno;
	}
	memset(&cap, 0, sizeof(cap));
	if (ioctl(v->fd, VIDIOC_QUERYCAP, &cap) < 0) {
		snprintf(why, whylen,
			 "%s: VIDIOC_QUERYCAP: %s (not a V4L2 device?)", dev,
			 strerror(errno));
		return -errno;
	}
	caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps :
							 cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
		snprintf(why, whylen,
			 "%s: not a streaming video capture device", dev);
		return -ENODEV;
	}
	snprintf(v->driver, sizeof(v->driver), "%s", (const char *)cap.driver);
	snprintf(v->card, sizeof(v->card), "%s", (const char *)cap.card);
	return 0;
}

/* The fastest rate of @fourcc at @w x @h, in *@num / *@den (0 / 0: the
 * camera does not say). */
static void fastest(int fd, uint32_t fourcc, uint32_t w, uint32_t h,
		    uint32_t *num, uint32_t *den)
{
	struct v4l2_frmivalenum fi = { .pixel_format = fourcc,
				       .width = w,
				       .height = h };
	struct v4l2_fract best = { 0, 0 }, t;

	for (; ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi) == 0; fi.index++) {
		/* Stepwise and continuous: the shortest interval is min. */
		t = fi.type == V4L2_FRMIVAL_TYPE_DISCRETE ? fi.discrete :
							    fi.stepwise.min;
		if (!t.numerator || !t.denominator)
			continue;
		if (!best.denominator ||
		    (uint64_t)t.numerator * best.denominator <
			    (uint64_t)best.numerator * t.denominator)
			best = t;
		if (fi.type != V4L2_FRMIVAL_TYPE_DISCRETE)
			break;
	}
	*num = best.denominator;
	*den = best.numerator;
}

static void add_mode(int fd, uint32_t cam, uint32_t ours, uint32_t w,
		     uint32_t h, struct v4l2_mode *m)
{
	*m = (struct v4l2_mode){ .fourcc = ours, .width = w, .height = h };
	fastest(fd, cam, w, h, &m->fps_num, &m->fps_den);
}

/* The camera's modes in formats grab knows, at most @max.  A stepwise
 * size range gives the size asked if it is in range, and its largest. */
static size_t list_modes(int fd, uint32_t w, uint32_t h,
			 struct v4l2_mode *modes, size_t max)
{
	struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	size_t n = 0;

	for (; ioctl(fd, VIDIOC_ENUM_FMT, &d) == 0; d.index++) {
		uint32_t cam = d.pixelformat;
		uint32_t ours = cam == V4L2_PIX_FMT_JPEG ? GRAB_FMT_MJPEG : cam;
		struct v4l2_frmsizeenum fs = { .pixel_format = cam };
		const struct v4l2_frmsize_stepwise *sw = &fs.stepwise;

		if (!grab_format_info(ours))
			continue;
		for (; n + 2 <= max &&
		       ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0;
		     fs.index++) {
			if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
				add_mode(fd, cam, ours, fs.discrete.width,
					 fs.discrete.height, &modes[n++]);
				continue;
			}
			if (w >= sw->min_width && w <= sw->max_width &&
			    h >= sw->min_height && h <= sw->max_height &&
			    !((w - sw->min_width) % (sw->step_width ?: 1)) &&
			    !((h - sw->min_height) % (sw->step_height ?: 1)))
				add_mode(fd, cam, ours, w, h, &modes[n++]);
			add_mode(fd, cam, ours, sw->max_width, sw->max_height,
				 &modes[n++]);
			break;
		}
	}
	return n;
}

/*
 * Open the device and set the format: the camera's own when it offers the
 * one asked for (libv4l2 told not to convert), else through libv4l2's
 * conversion (v->convert_from says from what).  0 or -errno with @why.
 */
static int open_format(struct v4l2_source *v, uint32_t fourcc, uint32_t width,
		       uint32_t height, char *why, size_t whylen)
{
	struct source *src = v->src;
	const char *dev = src->arg;
	struct grab_format *fmt = &v->format;
	struct v4l2_format vf;
	uint32_t native;
	char offered[160];
	int fd = v->fd;

	native = camera_offers(fd, fourcc, offered, sizeof(offered));
	if (!native && !libv4l2_makes(fourcc)) {
		snprintf(
			why, whylen,
			"%s: camera does not offer %s (it offers %s) and libv4l2 converts only to RGB3, BGR3 or YU12",
			dev, grab_format_name(fourcc), offered);
		return -EINVAL;
	}
	/* From here on through libv4l2; converting only if it must. */
	if (v4l2_fd_open(fd, native ? V4L2_DISABLE_CONVERSION : 0) < 0) {
		snprintf(why, whylen, "%s: libv4l2: %s", dev, strerror(errno));
		return -errno;
	}
	memset(&vf, 0, sizeof(vf));
	vf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vf.fmt.pix.width = width;
	vf.fmt.pix.height = height;
	vf.fmt.pix.pixelformat = native ? native : fourcc;
	vf.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(fd, VIDIOC_S_FMT, &vf) < 0) {
		snprintf(why, whylen, "%s: VIDIOC_S_FMT %s: %s", dev,
			 grab_format_name(fourcc), strerror(errno));
		return -errno;
	}
	if (!same_fourcc(vf.fmt.pix.pixelformat, fourcc)) {
		snprintf(why, whylen, "%s: asked for %s, camera set %.4s", dev,
			 grab_format_name(fourcc),
			 (const char *)&vf.fmt.pix.pixelformat);
		return -EINVAL;
	}
	memset(fmt, 0, sizeof(*fmt));
	fmt->width = vf.fmt.pix.width;
	fmt->height = vf.fmt.pix.height;
	fmt->fourcc = fourcc;
	if (!native) {
		/* What the driver itself now delivers is what libv4l2
		 * converts from: ask the driver, past libv4l2. */
		struct v4l2_format raw = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

		if (ioctl(fd, VIDIOC_G_FMT, &raw) == 0)
			v->convert_from = raw.fmt.pix.pixelformat;
		else
			v->convert_from = GRAB_FOURCC('?', '?', '?', '?');
	}
	/* A compressed frame's slot: the driver's largest frame (the
	 * buffers' length raises it later if larger). */
	if (!grab_format_info(fourcc)->nplanes)
		fmt->sizeimage = vf.fmt.pix.sizeimage;
	else
		v->cam_bytesperline = vf.fmt.pix.bytesperline;
	if (grab_format_complete(fmt)) {
		snprintf(
			why, whylen,
			"%s: camera offers %ux%u %.4s, which grab cannot carry",
			dev, vf.fmt.pix.width, vf.fmt.pix.height,
			(const char *)&vf.fmt.pix.pixelformat);
		return -EINVAL;
	}
	if (!v->cam_bytesperline)
		v->cam_bytesperline = fmt->bytesperline;
	return 0;
}

/* Ask for the configured rate; the one the driver set, read back, in
 * @ret_geo (the configured one if the driver cannot set a rate). */
static void set_rate(struct v4l2_source *v, struct source_geometry *ret_geo)
{
	struct source *src = v->src;
	struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_fract *tpf = &parm.parm.capture.timeperframe;

	ret_geo->fps_num = src->cfg.fps_num;
	ret_geo->fps_den = src->cfg.fps_den;
	v->rate_set = false;
	if (xioctl(v->fd, VIDIOC_G_PARM, &parm) < 0 ||
	    !(parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME))
		return;
	tpf->numerator = src->cfg.fps_den;
	tpf->denominator = src->cfg.fps_num;
	if (xioctl(v->fd, VIDIOC_S_PARM, &parm) < 0)
		return;
	/* S_PARM returns what it set; G_PARM again in case it does not. */
	memset(&parm, 0, sizeof(parm));
	parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(v->fd, VIDIOC_G_PARM, &parm) < 0 || !tpf->numerator ||
	    !tpf->denominator)
		return;
	ret_geo->fps_num = tpf->denominator;
	ret_geo->fps_den = tpf->numerator;
	v->rate_set = true;
}

/* Request, map and queue the buffers.  0 or -errno with @why. */
static int map_buffers(struct v4l2_source *v, char *why, size_t whylen)
{
	const char *dev = v->src->arg;
	struct v4l2_requestbuffers req = { .count = V4L2_NBUFS,
					   .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP };
	unsigned int i;

	if (xioctl(v->fd, VIDIOC_REQBUFS, &req) < 0 || req.count < 2) {
		int ret = req.count < 2 ? -ENOMEM : -errno;

		snprintf(why, whylen, "%s: VIDIOC_REQBUFS: %s", dev,
			 strerror(-ret));
		return ret;
	}
	if (req.count > V4L2_NBUFS)
		req.count = V4L2_NBUFS;
	for (i = 0; i < req.count; i++) {
		struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP,
					   .index = i };

		if (xioctl(v->fd, VIDIOC_QUERYBUF, &buf) < 0) {
			snprintf(why, whylen, "%s: VIDIOC_QUERYBUF: %s", dev,
				 strerror(errno));
			return -errno;
		}
		v->bufs[i].length = buf.length;
		v->bufs[i].start = v4l2_mmap(NULL, buf.length,
					     PROT_READ | PROT_WRITE, MAP_SHARED,
					     v->fd, buf.m.offset);
		if (v->bufs[i].start == MAP_FAILED) {
			snprintf(why, whylen, "%s: mmap: %s", dev,
				 strerror(errno));
			return -errno;
		}
		v->nbufs++;
		/* No compressed frame can be larger than its buffer. */
		if (!v->format.nplanes && buf.length > v->format.sizeimage)
			v->format.sizeimage = buf.length;
	}
	return 0;
}

static int queue_and_stream(struct v4l2_source *v, char *why, size_t whylen)
{
	const char *dev = v->src->arg;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;

	for (i = 0; i < v->nbufs; i++) {
		struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP,
					   .index = i };

		if (xioctl(v->fd, VIDIOC_QBUF, &buf) < 0) {
			snprintf(why, whylen, "%s: VIDIOC_QBUF: %s", dev,
				 strerror(errno));
			return -errno;
		}
	}
	if (xioctl(v->fd, VIDIOC_STREAMON, &type) < 0) {
		snprintf(why, whylen, "%s: VIDIOC_STREAMON: %s", dev,
			 strerror(errno));
		return -errno;
	}
	v->streaming = true;
	return 0;
}

static int v4l2_start(struct source *src, struct source_geometry *ret_geo,
		      char *why, size_t whylen)
{
	const char *dev = src->arg;
	struct v4l2_source *v = calloc(1, sizeof(*v));
	struct grab_format *fmt;
	char name[96], from[48] = "";
	uint32_t fourcc, width, height;
	int ret;

	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	v->src = src;
	fmt = &v->format;
	v->fd = -1;
	v->ring.fd = v->ring.ro_fd = -1;
	v->ring.mem = MAP_FAILED;
	ret = open_device(v, why, whylen);
	if (ret)
		goto err;
	fourcc = src->cfg.format.fourcc;
	width = src->cfg.format.width;
	height = src->cfg.format.height;
	if (src->cfg.format_auto) {
		struct v4l2_mode modes[V4L2_MAX_MODES];
		size_t n =
			list_modes(v->fd, width, height, modes, V4L2_MAX_MODES);
		int pick = v4l2_mode_choose(modes, n, width, height,
					    src->cfg.fps_num, src->cfg.fps_den,
					    v->auto_why, sizeof(v->auto_why));

		if (pick < 0) {
			ret = -EINVAL;
			snprintf(
				why, whylen,
				"%s: format = auto: the camera lists no mode in a format grab knows",
				dev);
			goto err;
		}
		fourcc = modes[pick].fourcc;
		width = modes[pick].width;
		height = modes[pick].height;
		log_info("stream %s: %s: format = auto: %zu modes, chose %s",
			 src->cfg.name, dev, n, v->auto_why);
	}
	ret = open_format(v, fourcc, width, height, why, whylen);
	if (ret)
		goto err;
	if (fmt->width != width || fmt->height != height)
		log_warn("stream %s: %s: asked for %ux%u, camera gives %ux%u",
			 src->cfg.name, dev, width, height, fmt->width,
			 fmt->height);
	set_rate(v, ret_geo);
	ret = map_buffers(v, why, whylen);
	if (ret)
		goto err;
	snprintf(name, sizeof(name), "grab-ring-%s", src->cfg.name);
	ret = memring_create(&v->ring, name, fmt, src->cfg.slots,
			     ret_geo->fps_num, ret_geo->fps_den, why, whylen);
	if (ret)
		goto err;
	ret = queue_and_stream(v, why, whylen);
	if (ret)
		goto err;
	v->ev = event_new(src->base, v->fd, EV_READ | EV_PERSIST, v4l2_read_cb,
			  v);
	if (!v->ev) {
		ret = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto err;
	}
	event_add(v->ev, NULL);
	grab_ring_set_streaming(&v->ring.prod, true);
	if (v->convert_from)
		snprintf(from, sizeof(from), ", converted by libv4l2 from %.4s",
			 (const char *)&v->convert_from);
	log_info("stream %s: %s (%s, %s): %ux%u %s%s, %.3f fps%s (asked %.3f)",
		 src->cfg.name, dev, v->driver, v->card, fmt->width,
		 fmt->height, grab_format_name(fmt->fourcc),
		 v->convert_from ? from : " as the camera gives it",
		 (double)ret_geo->fps_num / ret_geo->fps_den,
		 v->rate_set ? " set by the driver" :
			       " (the driver sets no rate)",
		 (double)src->cfg.fps_num / src->cfg.fps_den);
	ret_geo->format = *fmt;
	ret_geo->nslots = src->cfg.slots;
	ret_geo->ring_fd = v->ring.ro_fd;
	ret_geo->ring_size = v->ring.size;
	src->priv = v;
	return 0;
err:
	release(v);
	return ret;
}

static void v4l2_stop(struct source *src)
{
	release(src->priv);
}

static void v4l2_stall(struct source *src, bool on)
{
	struct v4l2_source *v = src->priv;

	v->stalled = on;
}

static void v4l2_describe(const struct source *src, struct source_info *ret)
{
	const struct v4l2_source *v = src->priv;

	snprintf(ret->driver, sizeof(ret->driver), "%s", v->driver);
	snprintf(ret->card, sizeof(ret->card), "%s", v->card);
	ret->native_fourcc = v->convert_from ? v->convert_from :
					       v->format.fourcc;
	ret->converted = v->convert_from != 0;
	ret->format_auto = src->cfg.format_auto;
	snprintf(ret->auto_why, sizeof(ret->auto_why), "%s", v->auto_why);
	ret->rate_set = v->rate_set;
	ret->device_timestamps = v->device_timestamps;
	ret->any_frame = v->seq.any;
	ret->seq_first = v->seq.first;
	ret->seq_last = v->seq.last;
	ret->seq_gaps = v->seq.gaps;
	ret->errors = v->errors;
}

const struct source_ops source_v4l2_ops = {
	.prefix = "v4l2:",
	.start = v4l2_start,
	.stop = v4l2_stop,
	.stall = v4l2_stall,
	.describe = v4l2_describe,
};
