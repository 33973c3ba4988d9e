// SPDX-License-Identifier: MIT
/*
 * grabsrc: a live push source on libgrab.
 *
 * One libgrab handle per element, opened in start() (a missing daemon,
 * stream or device is an element error there, with libgrab's reason) and
 * read in create() from the streaming thread.  create() waits on
 * grab_fd() in a GstPoll, so unlock() (flushing, a state change) wakes it
 * at once, and a daemon that goes away is just a quiet fd: libgrab
 * reconnects on its own and create() carries on with the new stream,
 * renegotiating caps when the format changed.
 *
 * A frame becomes a buffer one of two ways (DESIGN.md, "grabsrc: copy or
 * wrap", has the measurements):
 *   copy (default)  memcpy into a buffer from our pool, then
 *                   grab_frame_intact(): a frame the producer overwrote
 *                   during the copy is dropped and counted as missed, so
 *                   a torn frame is never pushed, however long
 *                   downstream keeps the buffer;
 *   zero-copy=true  the buffer wraps the ring memory and releases the
 *                   frame when downstream frees it.  No copy, but the
 *                   producer never waits: a buffer held longer than the
 *                   ring's slots last is overwritten under downstream's
 *                   feet.  Checked (and counted) at release; falls back to
 *                   a copy when libgrab's 8 held frames are in use.
 *
 * Timestamps: a frame's capture time is CLOCK_MONOTONIC; its PTS is that
 * instant on the pipeline clock minus the base time.  The offset between
 * the two clocks is sampled per frame (for GstSystemClock, monotonic by
 * default, it is 0).  Frames lost (libgrab's missed count, torn copies)
 * are reported downstream as a GAP event over the missing time and on the
 * bus as an element message "grab-missed" (missed, total, sequence).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "grab-caps.h"
#include "grab-src.h"

GST_DEBUG_CATEGORY_STATIC(grab_src_debug);
#define GST_CAT_DEFAULT grab_src_debug

/* libgrab lets a caller hold 8 frames; keep one for the copy path. */
#define MAX_WRAPPED 7

/*
 * The libgrab handle, shared with the buffers that wrap its frames: they
 * may be freed on any thread, after the element has stopped.  libgrab
 * handles are not thread safe, hence the lock around every call.
 */
struct grab_conn {
	gint refs;
	GMutex lock;
	struct grab *grab;
	gint wrapped; /* frames held by wrapped buffers */
	gint torn_late; /* wrapped frames overwritten while held */
};

struct wrapped_frame {
	struct grab_conn *conn;
	struct grab_frame *frame;
};

struct _GstGrabSrc {
	GstPushSrc parent;

	/* properties, under the object lock */
	gchar *socket_path;
	gchar *stream;
	gchar *device;
	gboolean zero_copy;

	/* streaming state */
	struct grab_conn *conn;
	GstPoll *poll;
	GstPollFD pfd;
	gboolean have_format;
	struct grab_image_format format;
	struct grab_image_layout layout;
	uint32_t fps_num, fps_den;
	const struct grab_gst_format *gfmt;
	uint64_t generation;
	GstBufferPool *pool;
	guint64 missed; /* frames lost, reported so far */
	guint64 pending_missed; /* lost since the last buffer pushed */
	guint64 torn_late; /* zero-copy: overwritten while downstream held them */
	GstClockTime last_pts;
	int waiting; /* the errno create() last warned about, or 0 */
};

enum {
	PROP_0,
	PROP_SOCKET,
	PROP_STREAM,
	PROP_DEVICE,
	PROP_ZERO_COPY,
	PROP_MISSED,
};

#define DEFAULT_STREAM "default"

G_DEFINE_TYPE(GstGrabSrc, gst_grab_src, GST_TYPE_PUSH_SRC)

static void drop_pool(GstGrabSrc *self);

/* --- the shared handle ------------------------------------------------------ */

static struct grab_conn *conn_new(struct grab *g)
{
	struct grab_conn *c = g_new0(struct grab_conn, 1);

	c->refs = 1;
	g_mutex_init(&c->lock);
	c->grab = g;
	return c;
}

static void conn_unref(struct grab_conn *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->refs))
		return;
	grab_close(c->grab);
	g_mutex_clear(&c->lock);
	g_free(c);
}

static void release_frame(struct grab_conn *c, struct grab_frame *f)
{
	g_mutex_lock(&c->lock);
	grab_frame_release(f);
	g_mutex_unlock(&c->lock);
}

static void wrapped_release(gpointer data)
{
	struct wrapped_frame *w = data;
	struct grab_conn *c = w->conn;

	g_mutex_lock(&c->lock);
	if (!grab_frame_intact(w->frame))
		c->torn_late++;
	grab_frame_release(w->frame);
	c->wrapped--;
	g_mutex_unlock(&c->lock);
	conn_unref(c);
	g_free(w);
}

/* --- properties --------------------------------------------------------------- */

static void gst_grab_src_set_property(GObject *object, guint id,
				      const GValue *value, GParamSpec *pspec)
{
	GstGrabSrc *self = GST_GRAB_SRC(object);
	gchar **field;

	switch (id) {
	case PROP_SOCKET:
		field = &self->socket_path;
		break;
	case PROP_STREAM:
		field = &self->stream;
		break;
	case PROP_DEVICE:
		field = &self->device;
		break;
	case PROP_ZERO_COPY:
		GST_OBJECT_LOCK(self);
		self->zero_copy = g_value_get_boolean(value);
		GST_OBJECT_UNLOCK(self);
		return;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		return;
	}
	GST_OBJECT_LOCK(self);
	g_free(*field);
	*field = g_value_dup_string(value);
	if (id == PROP_STREAM && !*field)
		*field = g_strdup(DEFAULT_STREAM);
	GST_OBJECT_UNLOCK(self);
}

static void gst_grab_src_get_property(GObject *object, guint id, GValue *value,
				      GParamSpec *pspec)
{
	GstGrabSrc *self = GST_GRAB_SRC(object);

	GST_OBJECT_LOCK(self);
	switch (id) {
	case PROP_SOCKET:
		g_value_set_string(value, self->socket_path);
		break;
	case PROP_STREAM:
		g_value_set_string(value, self->stream);
		break;
	case PROP_DEVICE:
		g_value_set_string(value, self->device);
		break;
	case PROP_ZERO_COPY:
		g_value_set_boolean(value, self->zero_copy);
		break;
	case PROP_MISSED:
		g_value_set_uint64(value, self->missed);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		break;
	}
	GST_OBJECT_UNLOCK(self);
}

/* --- format and caps ------------------------------------------------------------ */

/*
 * Take the stream's current format (from grab_stream_info()).  Returns
 * TRUE if it differs from what was negotiated, FALSE if not (or if the
 * stream has no format yet).  An unknown format is an element error.
 */
static gboolean update_format(GstGrabSrc *self, gboolean *ret_error)
{
	struct grab_stream_info info;
	struct grab_image_layout layout;
	const struct grab_gst_format *gf;
	int err;

	*ret_error = FALSE;
	err = grab_stream_info(self->conn->grab, &info);
	if (err)
		return FALSE;
	if (self->have_format &&
	    !memcmp(&info.format, &self->format, sizeof(info.format)) &&
	    info.fps_num == self->fps_num && info.fps_den == self->fps_den)
		return FALSE;
	gf = grab_gst_format(info.format.fourcc);
	err = grab_image_layout(&info.format, &layout);
	if (!gf || err) {
		GST_ELEMENT_ERROR(
			self, STREAM, FORMAT,
			("grab stream \"%s\" has format %s, which grabsrc cannot describe as caps",
			 info.name, grab_pixfmt_name(info.format.fourcc)),
			("fourcc 0x%08x %ux%u", info.format.fourcc,
			 info.format.width, info.format.height));
		*ret_error = TRUE;
		return FALSE;
	}
	GST_INFO_OBJECT(self,
			"stream \"%s\" (%s): %ux%u %s, %u/%u fps, %u slots",
			info.name, info.source, info.format.width,
			info.format.height,
			grab_pixfmt_name(info.format.fourcc), info.fps_num,
			info.fps_den, info.nslots);
	GST_OBJECT_LOCK(self);
	self->format = info.format;
	self->layout = layout;
	self->fps_num = info.fps_num;
	self->fps_den = info.fps_den;
	self->gfmt = gf;
	self->have_format = TRUE;
	GST_OBJECT_UNLOCK(self);
	drop_pool(self);
	return TRUE;
}

static GstCaps *gst_grab_src_get_caps(GstBaseSrc *bsrc, GstCaps *filter)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);
	GstCaps *caps = NULL, *out;

	GST_OBJECT_LOCK(self);
	if (self->have_format)
		caps = grab_gst_caps(&self->format, self->fps_num,
				     self->fps_den);
	GST_OBJECT_UNLOCK(self);
	if (!caps)
		caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(bsrc));
	if (!filter)
		return caps;
	out = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
	gst_caps_unref(caps);
	return out;
}

/* Before the stream's format is known (its source is not up yet), there is
 * nothing to negotiate: create() negotiates with the first frame. */
static gboolean gst_grab_src_negotiate(GstBaseSrc *bsrc)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);

	if (!self->have_format)
		return TRUE;
	return GST_BASE_SRC_CLASS(gst_grab_src_parent_class)->negotiate(bsrc);
}

static void drop_pool(GstGrabSrc *self)
{
	if (!self->pool)
		return;
	gst_buffer_pool_set_active(self->pool, FALSE);
	gst_object_unref(self->pool);
	self->pool = NULL;
}

/*
 * A pool of frame-sized buffers for the copy path, recycled so the copy
 * touches the same pages frame after frame.  Made for the current format
 * (sizeimage may change with the same caps: a new bytesperline).
 */
static gboolean ensure_pool(GstGrabSrc *self)
{
	GstBufferPool *pool;
	GstStructure *config;
	GstCaps *caps;

	if (self->pool)
		return TRUE;
	caps = grab_gst_caps(&self->format, self->fps_num, self->fps_den);
	pool = gst_buffer_pool_new();
	config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, self->format.sizeimage,
					  2, 0);
	gst_caps_unref(caps);
	if (!gst_buffer_pool_set_config(pool, config) ||
	    !gst_buffer_pool_set_active(pool, TRUE)) {
		gst_object_unref(pool);
		GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT,
				  ("cannot allocate buffers of %u bytes",
				   self->format.sizeimage),
				  (NULL));
		return FALSE;
	}
	self->pool = pool;
	return TRUE;
}

static gboolean gst_grab_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);

	GST_INFO_OBJECT(self, "caps %" GST_PTR_FORMAT, caps);
	drop_pool(self);
	return TRUE;
}

static GstClockTime frame_duration(GstGrabSrc *self)
{
	if (!self->fps_num || !self->fps_den)
		return GST_CLOCK_TIME_NONE;
	return gst_util_uint64_scale_int(GST_SECOND, self->fps_den,
					 self->fps_num);
}

static gboolean gst_grab_src_query(GstBaseSrc *bsrc, GstQuery *query)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);
	GstClockTime d;

	if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
		return GST_BASE_SRC_CLASS(gst_grab_src_parent_class)
			->query(bsrc, query);
	if (!self->have_format)
		return FALSE;
	/* A frame is pushed as soon as it is published, which is when its
	 * capture ended; one frame time covers the wait for it. */
	d = frame_duration(self);
	if (!GST_CLOCK_TIME_IS_VALID(d))
		d = 0;
	gst_query_set_latency(query, TRUE, d, GST_CLOCK_TIME_NONE);
	return TRUE;
}

/* --- start and stop ------------------------------------------------------------- */

/* Why grab_connect() or grab_open_device() failed, in words. */
static void open_error(GstGrabSrc *self, int err, const char *socket_path,
		       const char *stream, const char *device)
{
	const char *sock = socket_path ? socket_path :
					 g_getenv(GRAB_SOCKET_ENV);

	if (!sock || !*sock)
		sock = "the default socket (" GRAB_DEFAULT_SOCKET
		       ", $XDG_RUNTIME_DIR/grabberd.sock)";
	if (device) {
		GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
				  ("cannot open grab device %s: %s", device,
				   g_strerror(-err)),
				  ("grab_open_device: %d", err));
	} else if (err == -ENOENT && socket_path &&
		   access(socket_path, F_OK) == 0) {
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("grabberd at %s has no stream \"%s\"", sock,
				   stream),
				  ("grab_connect: %s", g_strerror(-err)));
	} else if (err == -ENOENT || err == -ECONNREFUSED) {
		GST_ELEMENT_ERROR(
			self, RESOURCE, OPEN_READ,
			("grabberd is not running at %s (%s), or it has no stream \"%s\"",
			 sock, g_strerror(-err), stream),
			("grab_connect: %d", err));
	} else {
		GST_ELEMENT_ERROR(
			self, RESOURCE, OPEN_READ,
			("cannot attach to stream \"%s\" of grabberd at %s: %s",
			 stream, sock, g_strerror(-err)),
			("grab_connect: %d", err));
	}
}

static gboolean gst_grab_src_start(GstBaseSrc *bsrc)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);
	gchar *socket_path, *stream, *device;
	struct grab *g = NULL;
	gboolean error;
	int err;

	GST_OBJECT_LOCK(self);
	socket_path = g_strdup(self->socket_path);
	stream = g_strdup(self->stream);
	device = g_strdup(self->device);
	GST_OBJECT_UNLOCK(self);

	if (device)
		err = grab_open_device(device, &g);
	else
		err = grab_connect(socket_path, stream, 0, &g);
	if (err)
		open_error(self, err, socket_path, stream, device);
	g_free(socket_path);
	g_free(stream);
	g_free(device);
	if (err)
		return FALSE;

	self->conn = conn_new(g);
	self->generation = grab_generation(g);
	self->have_format = FALSE;
	self->missed = self->pending_missed = self->torn_late = 0;
	self->last_pts = GST_CLOCK_TIME_NONE;
	self->waiting = 0;
	update_format(self, &error);
	if (error)
		goto err;

	self->poll = gst_poll_new(TRUE);
	gst_poll_fd_init(&self->pfd);
	self->pfd.fd = grab_fd(g);
	gst_poll_add_fd(self->poll, &self->pfd);
	gst_poll_fd_ctl_read(self->poll, &self->pfd, TRUE);
	return TRUE;
err:
	conn_unref(self->conn);
	self->conn = NULL;
	return FALSE;
}

static gboolean gst_grab_src_stop(GstBaseSrc *bsrc)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);

	if (self->poll) {
		gst_poll_free(self->poll);
		self->poll = NULL;
	}
	drop_pool(self);
	/* Wrapped buffers still downstream keep the handle alive. */
	conn_unref(self->conn);
	self->conn = NULL;
	self->have_format = FALSE;
	return TRUE;
}

static gboolean gst_grab_src_unlock(GstBaseSrc *bsrc)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);

	if (self->poll)
		gst_poll_set_flushing(self->poll, TRUE);
	return TRUE;
}

static gboolean gst_grab_src_unlock_stop(GstBaseSrc *bsrc)
{
	GstGrabSrc *self = GST_GRAB_SRC(bsrc);

	if (self->poll)
		gst_poll_set_flushing(self->poll, FALSE);
	return TRUE;
}

/* --- frames into buffers -------------------------------------------------------- */

/*
 * The frame's capture time as running time: CLOCK_MONOTONIC mapped onto the
 * pipeline clock (sampled now), minus the base time.  NONE without a clock;
 * a frame captured before the pipeline started playing gets 0.
 */
static GstClockTime frame_pts(GstGrabSrc *self, uint64_t ts_ns)
{
	GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
	GstClockTime base, now;
	struct timespec mono;
	gint64 t;

	if (!clock)
		return GST_CLOCK_TIME_NONE;
	base = gst_element_get_base_time(GST_ELEMENT(self));
	clock_gettime(CLOCK_MONOTONIC, &mono);
	now = gst_clock_get_time(clock);
	gst_object_unref(clock);
	t = (gint64)ts_ns +
	    ((gint64)now - ((gint64)mono.tv_sec * GST_SECOND + mono.tv_nsec));
	return t > (gint64)base ? (GstClockTime)(t - (gint64)base) : 0;
}

static void add_video_meta(GstGrabSrc *self, GstBuffer *buf)
{
	gsize offset[GST_VIDEO_MAX_PLANES] = { 0 };
	gint stride[GST_VIDEO_MAX_PLANES] = { 0 };
	guint i;

	if (self->gfmt->video == GST_VIDEO_FORMAT_UNKNOWN)
		return;
	for (i = 0; i < self->layout.nplanes; i++) {
		offset[i] = self->layout.plane[i].offset;
		stride[i] = (gint)self->layout.plane[i].stride;
	}
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE,
				       self->gfmt->video, self->format.width,
				       self->format.height,
				       self->layout.nplanes, offset, stride);
}

/*
 * The frame as a buffer: copied into a pool buffer, or wrapped.  Releases
 * the frame (copy) or hands it to the buffer (wrap).  Returns NULL with
 * *@ret_flow GST_FLOW_OK when the frame was overwritten during the copy.
 */
static GstBuffer *frame_buffer(GstGrabSrc *self, struct grab_frame *f,
			       gboolean zero_copy, GstFlowReturn *ret_flow)
{
	struct grab_conn *c = self->conn;
	gsize bytes = grab_frame_bytes(f);
	GstBuffer *buf = NULL;
	GstMapInfo map;
	int intact;

	*ret_flow = GST_FLOW_OK;
	if (zero_copy && g_atomic_int_get(&c->wrapped) < MAX_WRAPPED) {
		struct wrapped_frame *w = g_new(struct wrapped_frame, 1);

		g_atomic_int_inc(&c->refs);
		w->conn = c;
		w->frame = f;
		g_mutex_lock(&c->lock);
		c->wrapped++;
		g_mutex_unlock(&c->lock);
		return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY,
						   (gpointer)grab_frame_data(f),
						   bytes, 0, bytes, w,
						   wrapped_release);
	}
	*ret_flow =
		ensure_pool(self) ?
			gst_buffer_pool_acquire_buffer(self->pool, &buf, NULL) :
			GST_FLOW_ERROR;
	if (*ret_flow != GST_FLOW_OK) {
		release_frame(c, f);
		return NULL;
	}
	gst_buffer_map(buf, &map, GST_MAP_WRITE);
	memcpy(map.data, grab_frame_data(f), MIN(bytes, map.size));
	gst_buffer_unmap(buf, &map);
	g_mutex_lock(&c->lock);
	intact = grab_frame_intact(f);
	grab_frame_release(f);
	g_mutex_unlock(&c->lock);
	if (!intact) {
		gst_buffer_unref(buf);
		return NULL;
	}
	gst_buffer_set_size(buf, MIN(bytes, map.size));
	return buf;
}

/* Tell downstream (a GAP over the missing time) and the application (an
 * element message) that frames were lost before this one. */
static void report_missed(GstGrabSrc *self, guint64 n, uint64_t sequence,
			  GstClockTime pts)
{
	GstStructure *s;

	GST_OBJECT_LOCK(self);
	self->missed += n;
	GST_OBJECT_UNLOCK(self);
	GST_DEBUG_OBJECT(self,
			 "%" G_GUINT64_FORMAT
			 " frames missed before %" G_GUINT64_FORMAT,
			 n, (guint64)sequence);
	if (GST_CLOCK_TIME_IS_VALID(self->last_pts) &&
	    GST_CLOCK_TIME_IS_VALID(pts)) {
		GstClockTime d = frame_duration(self), start;

		start = GST_CLOCK_TIME_IS_VALID(d) ? self->last_pts + d :
						     self->last_pts;
		if (pts > start)
			gst_pad_push_event(GST_BASE_SRC_PAD(self),
					   gst_event_new_gap(start,
							     pts - start));
	}
	s = gst_structure_new("grab-missed", "missed", G_TYPE_UINT64, n,
			      "total", G_TYPE_UINT64, self->missed, "sequence",
			      G_TYPE_UINT64, (guint64)sequence, NULL);
	gst_element_post_message(GST_ELEMENT(self),
				 gst_message_new_element(GST_OBJECT(self), s));
}

/* Say once why no frame comes (the daemon away, the source failed). */
static void warn_waiting(GstGrabSrc *self, int err)
{
	struct grab_stream_stats st;

	if (self->waiting == err)
		return;
	self->waiting = err;
	if (err == -ENOTCONN) {
		GST_ELEMENT_WARNING(self, RESOURCE, READ,
				    ("grabberd went away; reconnecting"),
				    (NULL));
	} else if (err == -ENODEV) {
		memset(&st, 0, sizeof(st));
		grab_stream_stats(self->conn->grab, &st);
		GST_ELEMENT_WARNING(
			self, RESOURCE, READ,
			("the stream's source is not available (%s); grabberd retries it",
			 st.error[0] ? st.error : "no reason given"),
			(NULL));
	}
}

/* The next frame: waits on grab_fd() until one comes or unlock(). */
static GstFlowReturn next_frame(GstGrabSrc *self, struct grab_frame **ret)
{
	struct grab_conn *c = self->conn;
	int err;

	for (;;) {
		g_mutex_lock(&c->lock);
		err = grab_next_frame(c->grab, 0, ret);
		g_mutex_unlock(&c->lock);
		switch (err) {
		case 0:
			if (self->waiting) {
				GST_ELEMENT_INFO(self, RESOURCE, READ,
						 ("frames flow again"), (NULL));
				self->waiting = 0;
			}
			return GST_FLOW_OK;
		case -EAGAIN:
		case -ETIMEDOUT:
		case -EINTR:
			break;
		case -EBUSY:
			/* Every frame held by wrapped buffers downstream: wait
			 * a little for one to come back (or for unlock()). */
			if (gst_poll_wait(self->poll, GST_MSECOND) < 0 &&
			    errno == EBUSY)
				return GST_FLOW_FLUSHING;
			continue;
		case -ENOTCONN:
		case -ENODEV:
			warn_waiting(self, err);
			break;
		case -ENOENT:
			GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
					  ("the grab stream no longer exists"),
					  ("grab_next_frame: %s",
					   g_strerror(-err)));
			return GST_FLOW_ERROR;
		default:
			GST_ELEMENT_ERROR(self, RESOURCE, READ,
					  ("cannot read a frame: %s",
					   g_strerror(-err)),
					  ("grab_next_frame: %d", err));
			return GST_FLOW_ERROR;
		}
		if (gst_poll_wait(self->poll, GST_CLOCK_TIME_NONE) < 0) {
			if (errno == EBUSY)
				return GST_FLOW_FLUSHING;
			if (errno != EINTR && errno != EAGAIN) {
				GST_ELEMENT_ERROR(self, RESOURCE, READ,
						  ("waiting for a frame: %s",
						   g_strerror(errno)),
						  (NULL));
				return GST_FLOW_ERROR;
			}
		}
	}
}

static GstFlowReturn gst_grab_src_create(GstPushSrc *psrc, GstBuffer **ret)
{
	GstGrabSrc *self = GST_GRAB_SRC(psrc);
	struct grab_conn *c = self->conn;
	struct grab_frame *f;
	GstFlowReturn flow;
	GstBuffer *buf;
	GstClockTime pts;
	uint64_t seq, gen;
	gboolean zero_copy, error;
	gint late;

	GST_OBJECT_LOCK(self);
	zero_copy = self->zero_copy;
	GST_OBJECT_UNLOCK(self);
	for (;;) {
		flow = next_frame(self, &f);
		if (flow != GST_FLOW_OK)
			return flow;

		/* A new attachment (daemon restart, stream reset): maybe a
		 * new format, and a sequence that starts over. */
		gen = grab_generation(c->grab);
		if (gen != self->generation || !self->have_format) {
			self->generation = gen;
			if (update_format(self, &error) &&
			    !gst_base_src_negotiate(GST_BASE_SRC(self))) {
				release_frame(c, f);
				GST_ELEMENT_ERROR(
					self, CORE, NEGOTIATION,
					("downstream does not accept the stream's new format %s %ux%u",
					 grab_pixfmt_name(self->format.fourcc),
					 self->format.width,
					 self->format.height),
					(NULL));
				return GST_FLOW_NOT_NEGOTIATED;
			}
			if (error) {
				release_frame(c, f);
				return GST_FLOW_ERROR;
			}
		}
		self->pending_missed += grab_frame_missed(f);
		seq = grab_frame_sequence(f);
		pts = frame_pts(self, grab_frame_timestamp_ns(f));
		buf = frame_buffer(self, f, zero_copy, &flow);
		if (flow != GST_FLOW_OK)
			return flow;
		if (buf)
			break;
		self->pending_missed++; /* torn during the copy: dropped */
	}

	late = g_atomic_int_get(&c->torn_late);
	if ((guint64)late > self->torn_late) {
		GST_ELEMENT_WARNING(
			self, STREAM, FAILED,
			("%" G_GUINT64_FORMAT
			 " zero-copy buffers were overwritten by the producer while downstream held them; use more ring slots, or zero-copy=false",
			 (guint64)late - self->torn_late),
			(NULL));
		self->torn_late = (guint64)late;
	}
	if (self->pending_missed) {
		report_missed(self, self->pending_missed, seq, pts);
		self->pending_missed = 0;
	}
	add_video_meta(self, buf);
	GST_BUFFER_PTS(buf) = pts;
	GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DURATION(buf) = frame_duration(self);
	GST_BUFFER_OFFSET(buf) = seq;
	GST_BUFFER_OFFSET_END(buf) = seq + 1;
	self->last_pts = pts;
	*ret = buf;
	return GST_FLOW_OK;
}

/* --- class ------------------------------------------------------------------- */

static void gst_grab_src_finalize(GObject *object)
{
	GstGrabSrc *self = GST_GRAB_SRC(object);

	g_free(self->socket_path);
	g_free(self->stream);
	g_free(self->device);
	G_OBJECT_CLASS(gst_grab_src_parent_class)->finalize(object);
}

static void gst_grab_src_init(GstGrabSrc *self)
{
	self->stream = g_strdup(DEFAULT_STREAM);
	gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
	gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}

static void gst_grab_src_class_init(GstGrabSrcClass *klass)
{
	GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
	GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
	GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS(klass);
	GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS(klass);
	GstCaps *caps;

	gobject_class->set_property = gst_grab_src_set_property;
	gobject_class->get_property = gst_grab_src_get_property;
	gobject_class->finalize = gst_grab_src_finalize;

	g_object_class_install_property(
		gobject_class, PROP_SOCKET,
		g_param_spec_string(
			"socket", "Socket",
			"Path of grabberd's unix socket (default: $GRAB_SOCKET, else " GRAB_DEFAULT_SOCKET
			", else $XDG_RUNTIME_DIR/grabberd.sock)",
			NULL,
			G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
		gobject_class, PROP_STREAM,
		g_param_spec_string(
			"stream", "Stream",
			"Name of the grabberd stream to read ([stream NAME] in grabberd.conf)",
			DEFAULT_STREAM,
			G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
		gobject_class, PROP_DEVICE,
		g_param_spec_string(
			"device", "Device",
			"Read this grab device (/dev/grab0) directly, without grabberd; "
			"socket and stream are then ignored",
			NULL,
			G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
		gobject_class, PROP_ZERO_COPY,
		g_param_spec_boolean(
			"zero-copy", "Zero copy",
			"Wrap ring memory instead of copying each frame.  Only for "
			"downstream that is done with every buffer before the ring "
			"wraps (its slots at the frame rate): the producer never "
			"waits, and a frame overwritten while held is only reported",
			FALSE,
			G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
		gobject_class, PROP_MISSED,
		g_param_spec_uint64(
			"missed", "Missed",
			"Frames lost so far (overwritten before read, or while being copied); "
			"each loss is also posted as a \"grab-missed\" element message",
			0, G_MAXUINT64, 0,
			G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

	gst_element_class_set_static_metadata(
		element_class, "grab source", "Source/Video",
		"Reads frames of a grabberd stream or a grab device in place (libgrab)",
		"grab project");
	caps = grab_gst_template_caps();
	gst_element_class_add_pad_template(
		element_class,
		gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
	gst_caps_unref(caps);

	basesrc_class->start = gst_grab_src_start;
	basesrc_class->stop = gst_grab_src_stop;
	basesrc_class->get_caps = gst_grab_src_get_caps;
	basesrc_class->negotiate = gst_grab_src_negotiate;
	basesrc_class->set_caps = gst_grab_src_set_caps;
	basesrc_class->query = gst_grab_src_query;
	basesrc_class->unlock = gst_grab_src_unlock;
	basesrc_class->unlock_stop = gst_grab_src_unlock_stop;
	pushsrc_class->create = gst_grab_src_create;

	GST_DEBUG_CATEGORY_INIT(grab_src_debug, "grabsrc", 0, "grab source");
}

gboolean gst_grab_src_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "grabsrc", GST_RANK_NONE,
				    GST_TYPE_GRAB_SRC);
}
