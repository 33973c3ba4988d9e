// SPDX-License-Identifier: MIT
/*
 * The HTTP side of a stream: JPEG encoded once per frame, shared by every
 * viewer, and only while somebody watches.
 *
 * Each viewer is a consumer of its stream (struct consumer_ops), like a
 * socket client: attached, it keeps the source running; detached (the last
 * one gone), the source stops after its linger like for any other client.
 * The first viewer ready for a frame (an MJPEG viewer with nothing in
 * flight, or a snapshot waiting) has it read from the ring (mapped
 * read-only, like any client does), encoded through the image library
 * (common/grab-image.h) and kept as the stream's current JPEG in its
 * struct live (an MJPEG source's frame is already one: its bytes are kept
 * as they are, no encode); every ready viewer gets a reference to that one
 * buffer (evbuffer_add_reference: no copy per viewer), and the frame is
 * encoded once however many viewers see it.
 *
 * Slow viewers: a viewer holds at most one frame in flight.  Its frame is
 * handed to evhttp with evhttp_send_reply_chunk_with_cb(), whose callback
 * runs once the connection's output buffer is written out; until then new
 * frames are skipped for it (and counted as missed), and when it drains it
 * gets the newest JPEG if that is newer than the one it had.  The daemon
 * therefore never holds more than one JPEG per viewer, and the JPEG is the
 * shared one.
 *
 * A failing source: each MJPEG viewer is sent a "no signal" picture saying
 * why (http-nosignal.c; made once per reason, with an X-No-Signal header
 * and no sequence), so nobody mistakes the last frame for a live one; the
 * frames resume when the source is back.  A snapshot gets 503 and why.
 *
 * A connection that goes away: libevent calls our close callback before it
 * frees the connection; a streaming request it detached (req->evcon NULL)
 * is ours to free.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <event2/http.h>

#include "grab-format.h"
#include "grab-image.h"
#include "http.h"
#include "log.h"

#define BOUNDARY "grabframe"

static void viewer_send(struct viewer *v);
static void send_part(struct viewer *v, struct jpeg_frame *jf, bool frame);

static void frame_unref(struct jpeg_frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}

static void frame_unref_cb(const void *data, size_t len, void *arg)
{
	frame_unref(arg);
}

bool live_encoding(const struct live *l)
{
	return l->nviewers > 0;
}

static uint64_t viewer_lag(const struct viewer *v)
{
	const struct live *l = v->live;

	if (!l->any_published)
		return 0;
	if (!v->sent_any)
		return 0;
	return l->newest_seq > v->last_seq ? l->newest_seq - v->last_seq : 0;
}

/* --- the ring and the encoder ---------------------------------------------- */

static void unmap_ring(struct live *l)
{
	if (l->map)
		munmap(l->map, l->map_size);
	l->map = NULL;
	l->map_size = 0;
	l->ring_dev = 0;
	l->ring_ino = 0;
}

/* Map the stream's current ring if it is not the one mapped.  0 or -errno. */
static int map_ring(struct live *l, const struct stream *s)
{
	const struct source_geometry *src = stream_geometry(s);
	const char *why = "?";
	struct stat st;
	void *m;

	if (!src || src->ring_fd < 0)
		return -ENODEV;
	if (fstat(src->ring_fd, &st) < 0)
		return -errno;
	if (l->map && st.st_dev == l->ring_dev && st.st_ino == l->ring_ino &&
	    l->map_size == src->ring_size)
		return 0;
	unmap_ring(l);
	m = mmap(NULL, src->ring_size, PROT_READ, MAP_SHARED, src->ring_fd, 0);
	if (m == MAP_FAILED) {
		snprintf(l->error, sizeof(l->error), "cannot map the ring: %s",
			 strerror(errno));
		return -errno;
	}
	l->map = m;
	l->map_size = src->ring_size;
	if (grab_ring_reader_attach(&l->reader, m, l->map_size, &why)) {
		snprintf(l->error, sizeof(l->error), "bad ring: %s", why);
		unmap_ring(l);
		return -EPROTO;
	}
	l->ring_dev = st.st_dev;
	l->ring_ino = st.st_ino;
	return 0;
}

static int ensure_encoder(struct live *l, const struct stream *s)
{
	const struct grab_format *f = &l->reader.format;
	int quality = (int)stream_config(s)->quality;
	int ret;

	if (l->enc && l->enc_quality == quality &&
	    !memcmp(&l->enc_fmt, f, sizeof(*f)))
		return 0;
	grab_jpeg_encoder_free(l->enc);
	l->enc = NULL;
	ret = grab_jpeg_encoder_new(f, quality, &l->enc);
	if (ret) {
		snprintf(l->error, sizeof(l->error),
			 "cannot encode %ux%u %s at quality %d: %s", f->width,
			 f->height, grab_format_name(f->fourcc), quality,
			 strerror(-ret));
		return ret;
	}
	l->enc_fmt = *f;
	l->enc_quality = quality;
	return 0;
}

/* A buffer for @len bytes: the spare one if it is big enough. */
static struct jpeg_frame *frame_alloc(struct live *l, size_t len)
{
	struct jpeg_frame *f = l->spare;

	if (f && f->cap >= len) {
		l->spare = NULL;
	} else {
		size_t cap = len + len / 8;

		f = malloc(sizeof(*f) + cap);
		if (!f)
			return NULL;
		f->cap = cap;
	}
	f->refs = 1;
	return f;
}

/* Make @frame the current JPEG.  0, or -errno (frame skipped). */
static int encode(struct live *l, const struct stream *s,
		  const struct grab_msg_frame *frame)
{
	struct grab_ring_frame rf;
	struct jpeg_frame *jf;
	const uint8_t *data;
	size_t len;
	uint64_t t0;
	int ret;

	ret = map_ring(l, s);
	if (ret)
		return ret;
	ret = grab_ring_read(&l->reader, frame->sequence, &rf);
	if (ret) {
		if (ret == -ESTALE)
			l->torn++;
		return ret;
	}
	if (!l->reader.format.nplanes) {
		/* Compressed (MJPEG): the frame is a JPEG already; its bytes
		 * are served as they are, zero encodes. */
		data = rf.data;
		len = rf.bytesused;
	} else {
		ret = ensure_encoder(l, s);
		if (ret)
			return ret;
		t0 = mono_ns();
		ret = grab_jpeg_encode(l->enc, rf.data, &data, &len);
		if (ret) {
			snprintf(l->error, sizeof(l->error), "JPEG: %s",
				 grab_jpeg_encoder_error(l->enc));
			return ret;
		}
		l->encode_ns += mono_ns() - t0;
	}
	/* Overwritten while we encoded it: never show a torn frame. */
	if (!grab_ring_frame_intact(&l->reader, &rf)) {
		l->torn++;
		return -ESTALE;
	}
	jf = frame_alloc(l, len);
	if (!jf)
		return -ENOMEM;
	memcpy(jf->data, data, len);
	jf->len = len;
	jf->sequence = rf.sequence;
	jf->timestamp_ns = rf.timestamp_ns;
	if (l->current) {
		/* Nobody else holds the previous one: keep it for the next. */
		if (l->current->refs == 1 && !l->spare)
			l->spare = l->current;
		else
			frame_unref(l->current);
	}
	l->current = jf;
	if (l->reader.format.nplanes)
		l->encoded++;
	else
		l->passed++;
	l->encoded_bytes += len;
	l->error[0] = 0;
	return 0;
}

/* The current JPEG, if any, becomes the spare buffer. */
static void drop_current(struct live *l)
{
	if (!l->current)
		return;
	/* Nobody else holds it: keep it for the next encode. */
	if (l->current->refs == 1 && !l->spare)
		l->spare = l->current;
	else
		frame_unref(l->current);
	l->current = NULL;
}

/* @seq was published: the first viewer to see it makes it the newest. */
static void live_saw(struct live *l, uint64_t seq)
{
	if (l->any_published && seq == l->newest_seq)
		return;
	if (l->any_published && !l->wanted)
		l->idle_skips++;
	l->newest_seq = seq;
	l->any_published = true;
	l->wanted = false;
	l->tried = false;
}

/* The source restarts (new ring, sequences from 0): forget its frames. */
static void live_forget_frames(struct live *l)
{
	l->any_published = false;
	l->wanted = false;
	l->tried = false;
}

/* The newest frame as the current JPEG, encoded once whoever asks. */
static int live_encode(struct live *l, const struct stream *s,
		       const struct grab_msg_frame *frame)
{
	l->wanted = true;
	if (!l->tried) {
		l->tried = true;
		l->encode_err = encode(l, s, frame);
	}
	return l->encode_err;
}

/* Nobody watches: let go of the ring and the frames; keep the counters
 * and the encoder for the next viewer. */
static void live_idle(struct live *l)
{
	drop_current(l);
	live_forget_frames(l);
	unmap_ring(l);
}

/* --- viewers --------------------------------------------------------------- */

static void viewer_free(struct viewer *v)
{
	struct live *l = v->live;

	if (v->consumer.stream)
		stream_detach(v->consumer.stream, &v->consumer);
	TAILQ_REMOVE(&l->viewers, v, link);
	l->nviewers--;
	l->h->nviewers--;
	l->viewer_missed += v->missed;
	l->viewer_frames += v->frames;
	if (v->timer)
		event_free(v->timer);
	free(v);
	if (!l->nviewers)
		live_idle(l);
}

/* The connection is going away (libevent frees it after this). */
static void viewer_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct viewer *v = arg;

	log_debug(
		"http: viewer %u (%s) of %s: connection closed after %llu frames",
		v->id, v->peer, v->live->name, (unsigned long long)v->frames);
	/* A reply in progress that libevent let go of is ours to free. */
	if (v->req && !evhttp_request_get_connection(v->req))
		evhttp_request_free(v->req);
	v->req = NULL;
	viewer_free(v);
}

/* Finish a viewer's reply (stream gone, daemon stopping) and forget it. */
static void viewer_end(struct viewer *v, int code, const char *why)
{
	if (v->evcon)
		evhttp_connection_set_closecb(v->evcon, NULL, NULL);
	if (v->req) {
		if (v->kind == VIEWER_MJPEG)
			evhttp_send_reply_end(v->req);
		else
			http_reply_error(v->req, code, "%s", why);
	}
	v->req = NULL;
	viewer_free(v);
}

static const struct consumer_ops viewer_consumer_ops;

/* Not attached to its stream yet: the caller does that last. */
static struct viewer *viewer_new(struct live *l, struct evhttp_request *req,
				 enum viewer_kind kind)
{
	struct viewer *v = calloc(1, sizeof(*v));
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (!v)
		return NULL;
	v->consumer.ops = &viewer_consumer_ops;
	v->live = l;
	v->req = req;
	v->kind = kind;
	v->id = ++l->h->next_viewer_id;
	v->connected_ns = mono_ns();
	v->evcon = evhttp_request_get_connection(req);
	evhttp_connection_get_peer(v->evcon, &addr, &port);
	snprintf(v->peer, sizeof(v->peer), "%s%s%s:%u",
		 addr && strchr(addr, ':') ? "[" : "", addr ? addr : "?",
		 addr && strchr(addr, ':') ? "]" : "", (unsigned int)port);
	evhttp_connection_set_closecb(v->evcon, viewer_close_cb, v);
	TAILQ_INSERT_TAIL(&l->viewers, v, link);
	l->nviewers++;
	l->h->nviewers++;
	return v;
}

/* A new viewer, or NULL after answering the request with why not. */
static struct viewer *viewer_admit(struct live *l, struct evhttp_request *req,
				   enum viewer_kind kind)
{
	struct viewer *v;

	if (l->h->nviewers >= HTTP_MAX_VIEWERS) {
		http_reply_error(req, HTTP_SERVUNAVAIL,
				 "too many viewers (%d): try again later",
				 HTTP_MAX_VIEWERS);
		return NULL;
	}
	v = viewer_new(l, req, kind);
	if (!v)
		http_reply_error(req, HTTP_INTERNAL, "out of memory");
	return v;
}

static void account_sent(struct viewer *v, const struct jpeg_frame *jf)
{
	if (v->sent_any && jf->sequence > v->last_seq + 1)
		v->missed += jf->sequence - v->last_seq - 1;
	v->sent_any = true;
	v->last_seq = jf->sequence;
	v->frames++;
	v->bytes += jf->len;
	v->live->bytes_sent += jf->len;
}

static void add_jpeg(struct evbuffer *buf, struct jpeg_frame *jf)
{
	jf->refs++;
	if (evbuffer_add_reference(buf, jf->data, jf->len, frame_unref_cb, jf))
		jf->refs--;
}

static void chunk_sent_cb(struct evhttp_connection *evcon, void *arg)
{
	struct viewer *v = arg;

	v->in_flight = false;
	/* Drained: the no-signal picture if the source failed meanwhile,
	 * else the newest frame, if it has one it did not get yet. */
	if (v->nosignal_due)
		send_part(v, v->live->nosignal, false);
	else if (v->live->current && v->live->current->sequence > v->last_seq)
		viewer_send(v);
}

/* One part of a viewer's MJPEG reply: a frame, or (@frame false) the
 * no-signal picture, which is no frame of the stream and not counted. */
static void send_part(struct viewer *v, struct jpeg_frame *jf, bool frame)
{
	struct evbuffer *buf;
	const char *p;

	if (!v->req || v->in_flight || !jf)
		return;
	buf = evbuffer_new();
	if (!buf)
		return;
	evbuffer_add_printf(buf,
			    "--" BOUNDARY "\r\n"
			    "Content-Type: image/jpeg\r\n"
			    "Content-Length: %zu\r\n",
			    jf->len);
	if (frame) {
		evbuffer_add_printf(
			buf,
			"X-Frame-Sequence: %llu\r\n"
			"X-Timestamp: %llu.%06llu\r\n",
			(unsigned long long)jf->sequence,
			(unsigned long long)(jf->timestamp_ns / 1000000000u),
			(unsigned long long)(jf->timestamp_ns % 1000000000u /
					     1000u));
		account_sent(v, jf);
		v->nosignal_due = false;
	} else {
		/* The reason, as the picture says it, on one header line. */
		evbuffer_add_printf(buf, "X-No-Signal: ");
		for (p = v->live->nosignal_why; *p; p++)
			evbuffer_add_printf(buf, "%c",
					    *p < 0x20 || *p == 0x7f ? ' ' : *p);
		evbuffer_add_printf(buf, "\r\n");
		v->nosignal_due = false;
	}
	evbuffer_add(buf, "\r\n", 2);
	add_jpeg(buf, jf);
	evbuffer_add(buf, "\r\n", 2);
	v->in_flight = true;
	evhttp_send_reply_chunk_with_cb(v->req, buf, chunk_sent_cb, v);
	evbuffer_free(buf);
}

static void viewer_send(struct viewer *v)
{
	send_part(v, v->live->current, true);
}

/*
 * The source fails: an MJPEG viewer is shown why, rather than the last
 * frame frozen.  The picture is made once per reason and shared; a viewer
 * with a frame in flight gets it when that is written out.
 */
static void viewer_nosignal(struct viewer *v, struct stream *s, const char *why)
{
	struct live *l = v->live;
	const struct stream_config *cfg = stream_config(s);

	if (!l->nosignal || strcmp(l->nosignal_why, why)) {
		frame_unref(l->nosignal);
		l->nosignal = NULL;
		snprintf(l->nosignal_why, sizeof(l->nosignal_why), "%s", why);
		if (http_nosignal_jpeg(cfg->format.width, cfg->format.height,
				       why, (int)cfg->quality, &l->nosignal))
			return;
	}
	/* The source comes back with a new ring, numbered from 0. */
	v->sent_any = false;
	v->nosignal_due = true;
	send_part(v, l->nosignal, false);
}

static void snapshot_reply(struct viewer *v)
{
	struct jpeg_frame *jf = v->live->current;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(v->req);
	struct evbuffer *buf = evhttp_request_get_output_buffer(v->req);
	char val[64];

	evhttp_add_header(hdr, "Content-Type", "image/jpeg");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)jf->sequence);
	evhttp_add_header(hdr, "X-Frame-Sequence", val);
	snprintf(val, sizeof(val), "%llu.%06llu",
		 (unsigned long long)(jf->timestamp_ns / 1000000000u),
		 (unsigned long long)(jf->timestamp_ns % 1000000000u / 1000u));
	evhttp_add_header(hdr, "X-Timestamp", val);
	add_jpeg(buf, jf);
	account_sent(v, jf);
	v->live->snapshots++;
	evhttp_connection_set_closecb(v->evcon, NULL, NULL);
	evhttp_send_reply(v->req, HTTP_OK, "OK", NULL);
	http_count_status(v->live->h, HTTP_OK);
	v->req = NULL;
	viewer_free(v);
}

static void snapshot_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct viewer *v = arg;
	struct stream_stats st;

	st.error[0] = 0;
	if (v->consumer.stream)
		stream_get_stats(v->consumer.stream, &st);
	if (st.error[0])
		viewer_end(v, HTTP_SERVUNAVAIL, st.error);
	else
		viewer_end(v, HTTP_SERVUNAVAIL, "no frame within 5 seconds");
}

/* --- what the stream calls (struct consumer_ops) ---------------------------- */

static struct viewer *to_viewer(struct consumer *c)
{
	return container_of(c, struct viewer, consumer);
}

static void viewer_started(struct consumer *c,
			   const struct source_geometry *geo)
{
	/* Nothing to say: the next frame is encoded from the new ring. */
}

static void viewer_waiting(struct consumer *c, int err, const char *why)
{
	struct viewer *v = to_viewer(c);

	live_forget_frames(v->live);
	/* A snapshot has nothing to wait for; an MJPEG viewer stays, sees
	 * why, and gets frames once the source is back. */
	if (v->kind == VIEWER_SNAPSHOT)
		viewer_end(v, HTTP_SERVUNAVAIL, why);
	else
		viewer_nosignal(v, c->stream, why);
}

static void viewer_frame(struct consumer *c, const struct grab_msg_frame *frame)
{
	struct viewer *v = to_viewer(c);
	struct live *l = v->live;

	live_saw(l, frame->sequence);
	if (!v->req || v->in_flight)
		return;
	if (live_encode(l, c->stream, frame))
		return;
	if (v->kind == VIEWER_SNAPSHOT)
		snapshot_reply(v);
	else
		viewer_send(v);
}

static void viewer_reset(struct consumer *c, const char *why)
{
	/* Keep watching: the stream restarts its source for us. */
	live_forget_frames(to_viewer(c)->live);
}

static void viewer_gone(struct consumer *c, int err, const char *why)
{
	viewer_end(to_viewer(c), HTTP_NOTFOUND, why);
}

static void viewer_describe(const struct consumer *c, struct consumer_info *ret)
{
	const struct viewer *v = container_of(c, struct viewer, consumer);

	ret->kind = v->kind == VIEWER_MJPEG ? "mjpeg" : "snapshot";
	ret->id = v->id;
	ret->pid = -1;
	ret->peer = v->peer;
	ret->frames = v->frames;
	ret->missed = v->missed;
	ret->lag = viewer_lag(v);
	ret->bytes = v->bytes;
	ret->in_flight = v->in_flight;
	ret->connected_ns = v->connected_ns;
}

static const struct consumer_ops viewer_consumer_ops = {
	.started = viewer_started,
	.waiting = viewer_waiting,
	.frame = viewer_frame,
	.reset = viewer_reset,
	.gone = viewer_gone,
	.describe = viewer_describe,
};

/* --- the API for http.c ----------------------------------------------------- */

struct live *live_find(struct http *h, const char *name)
{
	struct live *l;

	TAILQ_FOREACH(l, &h->lives, link)
		if (!strcmp(l->name, name))
			return l;
	return NULL;
}

struct live *live_get(struct http *h, const char *name)
{
	struct live *l, *tmp;

	/* Forget the ones of streams removed from the configuration. */
	LIST_FOREACH_SAFE_T(l, &h->lives, link, tmp)
		if (!l->nviewers && !daemon_find_stream(h->d, l->name))
			live_free(l, "stream removed");
	l = live_find(h, name);
	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->h = h;
	snprintf(l->name, sizeof(l->name), "%s", name);
	TAILQ_INIT(&l->viewers);
	TAILQ_INSERT_TAIL(&h->lives, l, link);
	return l;
}

void live_add_mjpeg(struct live *l, struct stream *s,
		    struct evhttp_request *req)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct viewer *v;

	v = viewer_admit(l, req, VIEWER_MJPEG);
	if (!v)
		return;
	l->viewers_total++;
	evhttp_add_header(hdr, "Content-Type",
			  "multipart/x-mixed-replace;boundary=" BOUNDARY);
	evhttp_add_header(hdr, "Cache-Control",
			  "no-store, no-cache, must-revalidate, max-age=0");
	evhttp_add_header(hdr, "Pragma", "no-cache");
	evhttp_add_header(hdr, "Connection", "close");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	http_count_status(l->h, HTTP_OK);
	log_debug("http: viewer %u (%s) of %s: streaming", v->id, v->peer,
		  stream_name(s));
	/* Starts the source if nobody watched; an MJPEG viewer stays attached
	 * whatever the stream says. */
	stream_attach(s, &v->consumer);
	/* Something to show right away if a recent frame is there. */
	if (l->current && l->any_published &&
	    l->current->sequence == l->newest_seq)
		viewer_send(v);
}

void live_snapshot(struct live *l, struct stream *s, struct evhttp_request *req)
{
	struct timeval tv = { HTTP_SNAPSHOT_TIMEOUT_S, 0 };
	struct stream_stats st;
	struct viewer *v;

	v = viewer_admit(l, req, VIEWER_SNAPSHOT);
	if (!v)
		return;
	/* The current JPEG is the newest frame of a running source. */
	stream_get_stats(s, &st);
	if (l->current && st.state == STREAM_RUNNING && l->any_published &&
	    l->current->sequence == l->newest_seq && stream_geometry(s)) {
		snapshot_reply(v);
		return;
	}
	/* Give up if no frame comes. */
	v->timer = evtimer_new(l->h->d->base, snapshot_timeout_cb, v);
	if (!v->timer) {
		viewer_end(v, HTTP_INTERNAL, "out of memory");
		return;
	}
	event_add(v->timer, &tv);
	/* Last: this starts the source, or answers at once (waiting: 503
	 * with why) and frees @v. */
	stream_attach(s, &v->consumer);
}

void live_free(struct live *l, const char *why)
{
	struct viewer *v;

	while ((v = TAILQ_FIRST(&l->viewers)))
		viewer_end(v, HTTP_NOTFOUND, why);
	TAILQ_REMOVE(&l->h->lives, l, link);
	frame_unref(l->current);
	frame_unref(l->spare);
	frame_unref(l->nosignal);
	grab_jpeg_encoder_free(l->enc);
	unmap_ring(l);
	free(l);
}
