// SPDX-License-Identifier: MIT
/*
 * GET /metrics: Prometheus text exposition format 0.0.4.  Every family has
 * its HELP and TYPE lines; per-stream families carry one label, stream.
 * Counters end in _total; frame counters restart from 0 when a stream's
 * source restarts (Prometheus' rate() handles counter resets).
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

enum kind {
	GAUGE,
	COUNTER
};

struct row {
	const char *name;
	enum kind kind;
	const char *help;
};

static void family(struct evbuffer *out, const struct row *r)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", r->name,
			    r->help, r->name,
			    r->kind == GAUGE ? "gauge" : "counter");
}

/* A label value: \, " and newline escaped. */
static void label(struct evbuffer *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(out, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

enum {
	M_RUNNING,
	M_FPS,
	M_CFG_FPS,
	M_FRAMES,
	M_DROPPED,
	M_MISSED,
	M_CLIENTS,
	M_VIEWERS,
	M_ENCODING,
	M_JPEG_FRAMES,
	M_JPEG_BYTES,
	M_JPEG_SECONDS,
	M_JPEG_TORN,
	M_HTTP_BYTES,
	M_HTTP_MISSED,
	M_COUNT,
};

static const struct row stream_rows[M_COUNT] = {
	[M_RUNNING] = { "grabberd_stream_running", GAUGE,
			"1 while the stream's source is capturing, else 0." },
	[M_FPS] = { "grabberd_stream_fps", GAUGE,
		    "Frames per second measured over the last second." },
	[M_CFG_FPS] = { "grabberd_stream_configured_fps", GAUGE,
			"Frames per second the stream is configured for." },
	[M_FRAMES] = { "grabberd_stream_frames_total", COUNTER,
		       "Frames published since the source started." },
	[M_DROPPED] = { "grabberd_stream_dropped_frames_total", COUNTER,
			"Frames the source could not produce in time since it started." },
	[M_MISSED] = { "grabberd_stream_client_missed_frames_total", COUNTER,
		       "Frame events the stream's clients (libgrab and HTTP) missed because they were slow." },
	[M_CLIENTS] = { "grabberd_stream_clients", GAUGE,
			"libgrab clients attached to the stream." },
	[M_VIEWERS] = { "grabberd_stream_http_viewers", GAUGE,
			"HTTP viewers (MJPEG streams and snapshots waiting) of the stream." },
	[M_ENCODING] = { "grabberd_stream_jpeg_encoding", GAUGE,
			 "1 while the stream's frames are encoded to JPEG (someone watches over HTTP)." },
	[M_JPEG_FRAMES] = { "grabberd_stream_jpeg_frames_total", COUNTER,
			    "Frames encoded to JPEG (once per frame, whatever the number of viewers)." },
	[M_JPEG_BYTES] = { "grabberd_stream_jpeg_bytes_total", COUNTER,
			   "Bytes of JPEG encoded." },
	[M_JPEG_SECONDS] = { "grabberd_stream_jpeg_encode_seconds_total",
			     COUNTER, "Time spent encoding JPEG." },
	[M_JPEG_TORN] = { "grabberd_stream_jpeg_torn_frames_total", COUNTER,
			  "Frames overwritten in the ring while being encoded (not shown)." },
	[M_HTTP_BYTES] = { "grabberd_stream_http_sent_bytes_total", COUNTER,
			   "JPEG bytes sent to HTTP viewers." },
	[M_HTTP_MISSED] = { "grabberd_stream_http_missed_frames_total", COUNTER,
			    "Frames HTTP viewers skipped because their previous frame was still being sent." },
};

struct count_ctx {
	unsigned int clients, viewers;
	uint64_t http_missed;
};

/* Consumers by what they describe themselves as. */
static void count_consumer(const struct consumer_info *c, void *arg)
{
	struct count_ctx *x = arg;

	if (!strcmp(c->kind, "socket")) {
		x->clients++;
	} else {
		x->viewers++;
		x->http_missed += c->missed;
	}
}

static void collect(struct http *h, struct stream *s, double *v)
{
	const struct stream_config *cfg = stream_config(s);
	const struct source_geometry *geo = stream_geometry(s);
	struct live *l = live_find(h, cfg->name);
	struct count_ctx n = { 0 };
	struct stream_stats st;

	stream_get_stats(s, &st);
	stream_foreach_consumer(s, count_consumer, &n);
	v[M_RUNNING] = st.state == STREAM_RUNNING;
	v[M_FPS] = st.fps;
	v[M_CFG_FPS] = geo ? (double)geo->fps_num / geo->fps_den :
			     (double)cfg->fps_num / cfg->fps_den;
	v[M_FRAMES] = (double)st.frames;
	v[M_DROPPED] = (double)st.dropped;
	v[M_MISSED] = (double)st.missed;
	v[M_CLIENTS] = n.clients;
	v[M_VIEWERS] = n.viewers;
	v[M_ENCODING] = l && live_encoding(l);
	v[M_JPEG_FRAMES] = l ? (double)l->encoded : 0;
	v[M_JPEG_BYTES] = l ? (double)l->encoded_bytes : 0;
	v[M_JPEG_SECONDS] = l ? (double)l->encode_ns / 1e9 : 0;
	v[M_JPEG_TORN] = l ? (double)l->torn : 0;
	v[M_HTTP_BYTES] = l ? (double)l->bytes_sent : 0;
	v[M_HTTP_MISSED] = (double)(n.http_missed + (l ? l->viewer_missed : 0));
}

void metrics_text(struct http *h, struct evbuffer *out)
{
	static const struct row info = {
		"grabberd_build_info", GAUGE,
		"Always 1; the version label says which grabberd this is."
	};
	static const struct row uptime = {
		"grabberd_uptime_seconds", GAUGE,
		"Seconds since the HTTP server started."
	};
	static const struct row reqs = { "grabberd_http_requests_total",
					 COUNTER, "HTTP requests handled." };
	static const struct row e4 = {
		"grabberd_http_client_errors_total", COUNTER,
		"HTTP requests answered with a 4xx status."
	};
	static const struct row e5 = {
		"grabberd_http_server_errors_total", COUNTER,
		"HTTP requests answered with a 5xx status."
	};
	struct daemon *d = h->d;
	static double vals[CONFIG_MAX_STREAMS][M_COUNT];
	size_t i, m;

	family(out, &info);
	evbuffer_add_printf(out, "grabberd_build_info{version=\"%s\"} 1\n",
			    GRABBERD_VERSION);
	family(out, &uptime);
	evbuffer_add_printf(out, "grabberd_uptime_seconds %.3f\n",
			    (double)(mono_ns() - h->start_ns) / 1e9);
	family(out, &reqs);
	evbuffer_add_printf(out, "grabberd_http_requests_total %llu\n",
			    (unsigned long long)h->requests);
	family(out, &e4);
	evbuffer_add_printf(out, "grabberd_http_client_errors_total %llu\n",
			    (unsigned long long)h->responses_4xx);
	family(out, &e5);
	evbuffer_add_printf(out, "grabberd_http_server_errors_total %llu\n",
			    (unsigned long long)h->responses_5xx);
	for (i = 0; i < d->nstreams; i++)
		collect(h, d->streams[i], vals[i]);
	for (m = 0; m < M_COUNT; m++) {
		family(out, &stream_rows[m]);
		for (i = 0; i < d->nstreams; i++) {
			evbuffer_add_printf(out, "%s{stream=\"",
					    stream_rows[m].name);
			label(out, stream_name(d->streams[i]));
			evbuffer_add_printf(out, "\"} %.17g\n", vals[i][m]);
		}
	}
}
