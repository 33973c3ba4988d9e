// SPDX-License-Identifier: MIT
/*
 * GET /state: the daemon's state as JSON, for the live page and for scripts.
 *
 *   { "version", "uptime_s", "http": {...},
 *     "streams": [ { "name", "source", "state", "error",
 *                    "format": { "fourcc", "width", "height", ... },
 *                    "fps": { "configured", "measured" },
 *                    "frames", "dropped", "missed", "client_count",
 *                    "encoding", "quality", "jpeg": {...},
 *                    "capture": {...} or null,
 *                    "clients": [ { "id", "kind", "frames", "missed",
 *                                   "lag", ... } ] } ] }
 *
 * "clients" are the stream's consumers, each as it describes itself: "kind"
 * is "socket" (libgrab over the unix socket), "mjpeg" (an HTTP
 * stream viewer) or "snapshot" (an HTTP snapshot waiting for its frame);
 * "capture" is what a camera source says of its device (v4l2:): driver and
 * card, "native_format" (what the camera delivers), "converted" (libv4l2
 * converts it to "format"), "auto" and "auto_choice" (format = auto),
 * "fps_asked" and "fps_set" (the rate VIDIOC_S_PARM set, read back; null if
 * the driver sets none), "timestamps" ("device": the camera's monotonic
 * ones; "daemon": dequeue times), "sequence" {"first", "last", "gaps"} (the
 * camera's frame numbers: "gaps" frames it numbered but never delivered)
 * and "errors" (buffers it delivered unusable).  The stream's "dropped" is
 * "gaps" plus "errors".
 * "lag" is how many frames its newest delivered frame is behind the
 * stream's newest.  Strings never hold a '<' (written \u003c), so the
 * page can inline this JSON in a <script>.
 */
#include <stdio.h>
#include <string.h>

#include "grab-format.h"
#include "http.h"

void json_string(struct evbuffer *out, const char *s)
{
	const unsigned char *p;

	evbuffer_add(out, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || *p == '<')
			evbuffer_add_printf(out, "\\u%04x", *p);
		else
			evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static const char *state_name(enum stream_state st)
{
	switch (st) {
	case STREAM_RUNNING:
		return "running";
	case STREAM_FAILED:
		return "failed";
	default:
		return "stopped";
	}
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

struct client_ctx {
	struct evbuffer *out;
	bool first;
	uint64_t now;
};

/* One consumer, as it describes itself: a libgrab client by its pid, an
 * HTTP viewer by its address. */
static void one_client(const struct consumer_info *c, void *arg)
{
	struct client_ctx *x = arg;
	struct evbuffer *out = x->out;

	if (c->peer)
		evbuffer_add_printf(out, "%s{\"id\":\"http-%u\",\"kind\":",
				    x->first ? "" : ",", c->id);
	else
		evbuffer_add_printf(out, "%s{\"id\":%u,\"kind\":",
				    x->first ? "" : ",", c->id);
	json_string(out, c->kind);
	if (c->peer) {
		evbuffer_add_printf(out, ",\"peer\":");
		json_string(out, c->peer);
	} else {
		evbuffer_add_printf(out, ",\"pid\":%d", c->pid);
	}
	evbuffer_add_printf(out,
			    ",\"frames\":%llu,\"missed\":%llu,\"lag\":%llu",
			    (unsigned long long)c->frames,
			    (unsigned long long)c->missed,
			    (unsigned long long)c->lag);
	if (c->peer)
		evbuffer_add_printf(
			out,
			",\"in_flight\":%s,\"bytes\":%llu,\"connected_s\":%.3f",
			c->in_flight ? "true" : "false",
			(unsigned long long)c->bytes,
			secs(x->now - c->connected_ns));
	evbuffer_add(out, "}", 1);
	x->first = false;
}

static void one_capture(struct evbuffer *out, const struct stream *s,
			const struct source_geometry *geo)
{
	const struct stream_config *cfg = stream_config(s);
	struct source_info in;

	if (!geo || !stream_source_info(s, &in)) {
		evbuffer_add_printf(out, ",\"capture\":null");
		return;
	}
	evbuffer_add_printf(out, ",\"capture\":{\"driver\":");
	json_string(out, in.driver);
	evbuffer_add_printf(out, ",\"card\":");
	json_string(out, in.card);
	evbuffer_add_printf(out, ",\"native_format\":\"%.4s\"",
			    (const char *)&in.native_fourcc);
	evbuffer_add_printf(out, ",\"converted\":%s,\"auto\":%s",
			    in.converted ? "true" : "false",
			    in.format_auto ? "true" : "false");
	if (in.format_auto) {
		evbuffer_add_printf(out, ",\"auto_choice\":");
		json_string(out, in.auto_why);
	}
	evbuffer_add_printf(out, ",\"fps_asked\":%.3f,\"fps_set\":",
			    (double)cfg->fps_num / cfg->fps_den);
	if (in.rate_set && geo->fps_den)
		evbuffer_add_printf(out, "%.3f",
				    (double)geo->fps_num / geo->fps_den);
	else
		evbuffer_add_printf(out, "null");
	evbuffer_add_printf(out, ",\"timestamps\":\"%s\"",
			    in.device_timestamps ? "device" : "daemon");
	if (in.any_frame)
		evbuffer_add_printf(
			out,
			",\"sequence\":{\"first\":%u,\"last\":%u,\"gaps\":%llu}",
			in.seq_first, in.seq_last,
			(unsigned long long)in.seq_gaps);
	else
		evbuffer_add_printf(out, ",\"sequence\":null");
	evbuffer_add_printf(out, ",\"errors\":%llu}",
			    (unsigned long long)in.errors);
}

static void one_stream(struct http *h, struct evbuffer *out, struct stream *s)
{
	const struct stream_config *cfg = stream_config(s);
	const struct source_geometry *geo = stream_geometry(s);
	const struct grab_format *f = geo ? &geo->format : &cfg->format;
	uint32_t num = geo ? geo->fps_num : cfg->fps_num;
	uint32_t den = geo ? geo->fps_den : cfg->fps_den;
	struct live *l = live_find(h, cfg->name);
	struct stream_stats st;
	struct client_ctx ctx;

	stream_get_stats(s, &st);
	evbuffer_add_printf(out, "{\"name\":");
	json_string(out, cfg->name);
	evbuffer_add_printf(out, ",\"source\":");
	json_string(out, cfg->source);
	evbuffer_add_printf(
		out, ",\"state\":\"%s\",\"error\":", state_name(st.state));
	json_string(out, st.error);
	evbuffer_add_printf(
		out,
		",\"format\":{\"fourcc\":\"%s\",\"width\":%u,\"height\":%u,"
		"\"bytesperline\":%u,\"sizeimage\":%u}"
		",\"fps\":{\"configured\":%.3f,\"measured\":%.3f}"
		",\"frames\":%llu,\"dropped\":%llu,\"missed\":%llu"
		",\"client_count\":%u,\"encoding\":%s,\"quality\":%u",
		grab_format_name(f->fourcc), f->width, f->height,
		f->bytesperline, f->sizeimage, den ? (double)num / den : 0.0,
		st.fps, (unsigned long long)st.frames,
		(unsigned long long)st.dropped, (unsigned long long)st.missed,
		st.clients, l && live_encoding(l) ? "true" : "false",
		cfg->quality);
	if (l) {
		evbuffer_add_printf(
			out,
			",\"jpeg\":{\"encoded\":%llu,\"passed\":%llu,\"bytes\":%llu,\"last_bytes\":%zu,"
			"\"encode_ms_avg\":%.3f,\"torn\":%llu,\"idle_skips\":%llu,"
			"\"snapshots\":%llu,\"bytes_sent\":%llu,\"error\":",
			(unsigned long long)l->encoded,
			(unsigned long long)l->passed,
			(unsigned long long)l->encoded_bytes,
			l->current ? l->current->len : (size_t)0,
			l->encoded ? (double)l->encode_ns / 1e6 /
					     (double)l->encoded :
				     0.0,
			(unsigned long long)l->torn,
			(unsigned long long)l->idle_skips,
			(unsigned long long)l->snapshots,
			(unsigned long long)l->bytes_sent);
		json_string(out, l->error);
		evbuffer_add(out, "}", 1);
	} else {
		evbuffer_add_printf(out, ",\"jpeg\":null");
	}
	one_capture(out, s, geo);
	evbuffer_add_printf(out, ",\"clients\":[");
	ctx.out = out;
	ctx.first = true;
	ctx.now = mono_ns();
	stream_foreach_consumer(s, one_client, &ctx);
	evbuffer_add(out, "]}", 2);
}

void state_json(struct http *h, struct evbuffer *out)
{
	struct daemon *d = h->d;
	size_t i;

	evbuffer_add_printf(
		out, "{\"version\":\"%s\",\"uptime_s\":%.3f,\"http\":{\"url\":",
		GRABBERD_VERSION, secs(mono_ns() - h->start_ns));
	json_string(out, h->url);
	evbuffer_add_printf(out,
			    ",\"viewers\":%u,\"requests\":%llu},\"streams\":[",
			    h->nviewers, (unsigned long long)h->requests);
	for (i = 0; i < d->nstreams; i++) {
		if (i)
			evbuffer_add(out, ",", 1);
		one_stream(h, out, d->streams[i]);
	}
	evbuffer_add(out, "]}\n", 3);
}
