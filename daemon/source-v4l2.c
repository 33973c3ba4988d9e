// SPDX-License-Identifier: MIT
/*
 * The V4L2 source, through libv4l2: negotiate the configured size and
 * format, stream with mmap buffers, copy each frame once into a memfd ring
 * (line by line when the camera pads its lines differently), from where
 * every client reads it in place.  A camera that goes away (ENODEV on
 * dequeue) is reported to the stream, which retries with backoff.
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
#include "v4l2-controls.h"

#define V4L2_NBUFS 4

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

static void v4l2_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct v4l2_source *v = arg;
	struct source *src = v->src;
	const struct grab_format *fmt = &v->format;
	struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				   .memory = V4L2_MEMORY_MMAP };
	char why[GRAB_TEXT_MAX];
	const uint8_t *in;
	uint8_t *out;
	uint64_t now;
	int err;
	uint32_t y, line = fmt->width * grab_format_bpp(fmt->fourcc);

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
	if (!v->stalled && !(buf.flags & V4L2_BUF_FLAG_ERROR) &&
	    buf.bytesused >=
		    (uint64_t)v->cam_bytesperline * (fmt->height - 1) + line) {
		now = mono_ns();
		out = grab_ring_begin(&v->ring.prod);
		in = v->bufs[buf.index].start;
		if (v->cam_bytesperline == fmt->bytesperline)
			memcpy(out, in, fmt->sizeimage);
		else
			for (y = 0; y < fmt->height; y++)
				memcpy(out + (size_t)y * fmt->bytesperline,
				       in + (size_t)y * v->cam_bytesperline,
				       line);
		memring_publish(&v->ring, src, fmt->sizeimage, now, 0);
	} else if (!v->stalled) {
		memring_add_dropped(&v->ring, src, 1);
	}
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

static int v4l2_start(struct source *src, struct source_geometry *ret_geo,
		      char *why, size_t whylen)
{
	const char *dev = src->arg;
	struct grab_format *fmt;
	struct v4l2_source *v = calloc(1, sizeof(*v));
	struct v4l2_capability cap;
	struct v4l2_format vf;
	struct v4l2_streamparm parm;
	struct v4l2_requestbuffers req;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	char name[96];
	unsigned int i;
	int ret;

	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	v->src = src;
	fmt = &v->format;
	v->ring.fd = v->ring.ro_fd = -1;
	v->ring.mem = MAP_FAILED;
	v->fd = v4l2_open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (v->fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: cannot open: %s", dev,
			 strerror(errno));
		goto err;
	}
	memset(&cap, 0, sizeof(cap));
	if (xioctl(v->fd, VIDIOC_QUERYCAP, &cap) < 0) {
		ret = -errno;
		snprintf(why, whylen,
			 "%s: VIDIOC_QUERYCAP: %s (not a V4L2 device?)", dev,
			 strerror(errno));
		goto err;
	}
	{
		uint32_t caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
					cap.device_caps :
					cap.capabilities;

		if (!(caps & V4L2_CAP_VIDEO_CAPTURE) ||
		    !(caps & V4L2_CAP_STREAMING)) {
			ret = -ENODEV;
			snprintf(why, whylen,
				 "%s: not a streaming video capture device",
				 dev);
			goto err;
		}
	}
	memset(&vf, 0, sizeof(vf));
	vf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vf.fmt.pix.width = src->cfg.format.width;
	vf.fmt.pix.height = src->cfg.format.height;
	vf.fmt.pix.pixelformat = src->cfg.format.fourcc; /* same fourccs */
	vf.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(v->fd, VIDIOC_S_FMT, &vf) < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: VIDIOC_S_FMT: %s", dev,
			 strerror(errno));
		goto err;
	}
	fmt->width = vf.fmt.pix.width;
	fmt->height = vf.fmt.pix.height;
	fmt->fourcc = vf.fmt.pix.pixelformat;
	if (grab_format_complete(fmt)) {
		ret = -EINVAL;
		snprintf(
			why, whylen,
			"%s: camera offers %ux%u %.4s, which grab cannot carry",
			dev, vf.fmt.pix.width, vf.fmt.pix.height,
			(const char *)&vf.fmt.pix.pixelformat);
		goto err;
	}
	if (fmt->width != src->cfg.format.width ||
	    fmt->height != src->cfg.format.height)
		log_warn("stream %s: %s: asked for %ux%u, camera gives %ux%u",
			 src->cfg.name, dev, src->cfg.format.width,
			 src->cfg.format.height, fmt->width, fmt->height);
	v->cam_bytesperline = vf.fmt.pix.bytesperline ?
				      vf.fmt.pix.bytesperline :
				      fmt->bytesperline;
	ret_geo->fps_num = src->cfg.fps_num;
	ret_geo->fps_den = src->cfg.fps_den;
	memset(&parm, 0, sizeof(parm));
	parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	parm.parm.capture.timeperframe.numerator = src->cfg.fps_den;
	parm.parm.capture.timeperframe.denominator = src->cfg.fps_num;
	if (xioctl(v->fd, VIDIOC_S_PARM, &parm) == 0 &&
	    parm.parm.capture.timeperframe.numerator &&
	    parm.parm.capture.timeperframe.denominator) {
		ret_geo->fps_num = parm.parm.capture.timeperframe.denominator;
		ret_geo->fps_den = parm.parm.capture.timeperframe.numerator;
	}
	ret = v4l2_controls_apply(v->fd, &src->cfg, why, whylen);
	if (ret)
		goto err;
	snprintf(name, sizeof(name), "grab-ring-%s", src->cfg.name);
	ret = memring_create(&v->ring, name, fmt, src->cfg.slots,
			     ret_geo->fps_num, ret_geo->fps_den, why, whylen);
	if (ret)
		goto err;
	memset(&req, 0, sizeof(req));
	req.count = V4L2_NBUFS;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_MMAP;
	if (xioctl(v->fd, VIDIOC_REQBUFS, &req) < 0 || req.count < 2) {
		ret = req.count < 2 ? -ENOMEM : -errno;
		snprintf(why, whylen, "%s: VIDIOC_REQBUFS: %s", dev,
			 strerror(-ret));
		goto err;
	}
	if (req.count > V4L2_NBUFS)
		req.count = V4L2_NBUFS;
	for (i = 0; i < req.count; i++) {
		struct v4l2_buffer buf = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP,
					   .index = i };

		if (xioctl(v->fd, VIDIOC_QUERYBUF, &buf) < 0) {
			ret = -errno;
			snprintf(why, whylen, "%s: VIDIOC_QUERYBUF: %s", dev,
				 strerror(errno));
			goto err;
		}
		v->bufs[i].length = buf.length;
		v->bufs[i].start = v4l2_mmap(NULL, buf.length,
					     PROT_READ | PROT_WRITE, MAP_SHARED,
					     v->fd, buf.m.offset);
		if (v->bufs[i].start == MAP_FAILED) {
			ret = -errno;
			snprintf(why, whylen, "%s: mmap: %s", dev,
				 strerror(errno));
			goto err;
		}
		v->nbufs++;
		if (xioctl(v->fd, VIDIOC_QBUF, &buf) < 0) {
			ret = -errno;
			snprintf(why, whylen, "%s: VIDIOC_QBUF: %s", dev,
				 strerror(errno));
			goto err;
		}
	}
	if (xioctl(v->fd, VIDIOC_STREAMON, &type) < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s: VIDIOC_STREAMON: %s", dev,
			 strerror(errno));
		goto err;
	}
	v->streaming = true;
	v->ev = event_new(src->base, v->fd, EV_READ | EV_PERSIST, v4l2_read_cb,
			  v);
	if (!v->ev) {
		ret = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto err;
	}
	event_add(v->ev, NULL);
	grab_ring_set_streaming(&v->ring.prod, true);
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

static int v4l2_src_list_controls(struct source *src,
				  struct grab_msg_control *ret, size_t max,
				  char *why, size_t whylen)
{
	struct v4l2_source *v = src->priv;

	return v4l2_controls_list(v->fd, ret, max, why, whylen);
}

static int v4l2_src_set_control(struct source *src, const char *name,
				const char *value, struct grab_msg_control *ret,
				char *why, size_t whylen)
{
	struct v4l2_source *v = src->priv;

	return v4l2_controls_set(v->fd, name, value, ret, why, whylen);
}

const struct source_ops source_v4l2_ops = {
	.prefix = "v4l2:",
	.start = v4l2_start,
	.stop = v4l2_stop,
	.stall = v4l2_stall,
	.list_controls = v4l2_src_list_controls,
	.set_control = v4l2_src_set_control,
};
